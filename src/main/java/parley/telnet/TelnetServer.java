package parley.telnet;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicLong;
import parley.net.ClientAddress;
import parley.room.ChatService;
import parley.room.RoomHub;

/**
 * The telnet (and nc) listener of one event loop: each connection becomes a {@link TelnetSession}
 * of its hub.
 */
public final class TelnetServer {
  private static final AtomicLong IDS = new AtomicLong();

  private TelnetServer() {}

  /**
   * A server, not yet listening, whose sessions join rooms through {@code hub}; create it on the
   * hub's context.
   */
  public static NetServer create(
      Vertx vertx, NetServerOptions options, ChatService service, RoomHub hub) {
    return vertx
        .createNetServer(options)
        .connectHandler(
            socket ->
                new TelnetSession(
                        service, hub, socket, "t" + IDS.incrementAndGet(), ClientAddress.of(socket))
                    .start());
  }
}

package parley.telnet;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicLong;
import parley.net.Channels;
import parley.net.ClientAddress;
import parley.room.ChatService;
import parley.room.RoomHub;

/**
 * The telnet (and nc) listener of one event loop: each connection is counted against the connection
 * limits, and is refused at once beyond them or becomes a {@link TelnetSession} of its hub.
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
            socket -> {
              String address = ClientAddress.of(socket);
              String refusal = service.connect(address);
              if (refusal != null) {
                socket.write("*** Sorry, " + refusal + "." + TelnetFormat.CRLF);
                socket.close();
                return;
              }
              Channels.whenClosed(Channels.of(socket), () -> service.disconnected(address));
              new TelnetSession(service, hub, socket, "t" + IDS.incrementAndGet(), address).start();
            });
  }
}

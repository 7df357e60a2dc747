package parley.telnet;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import parley.room.ChatService;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Listens for telnet (and nc) clients; one instance per event loop shares the port. */
public final class TelnetVerticle extends VerticleBase {
  private static final AtomicLong IDS = new AtomicLong();

  private final ChatService service;
  private final NetServerOptions options;
  private final AtomicInteger boundPort;
  private NetServer server;

  /** @param boundPort receives the port actually bound */
  public TelnetVerticle(ChatService service, NetServerOptions options, AtomicInteger boundPort) {
    this.service = service;
    this.options = options;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(options);
    server.connectHandler(socket -> new TelnetSession(service, socket, "t" + IDS.incrementAndGet(), context).start());
    return server.listen().onSuccess(s -> boundPort.set(s.actualPort()));
  }
}

package parley;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.ArrayList;
import java.util.List;
import parley.ops.Monitoring;
import parley.room.ChatService;
import parley.room.RoomHub;
import parley.store.ChatStore;
import parley.telnet.TelnetServer;
import parley.web.WebServer;

/**
 * One event loop's share of the node: its {@link RoomHub} and its listeners (telnet, HTTP/WebSocket
 * and, when configured, telnet over TLS), each sharing its port with the other event loops'
 * instances. Deployed once per event loop; the connections it accepts run on its context and join
 * rooms through its hub.
 */
final class LoopVerticle extends VerticleBase {
  private final ChatService service;
  private final ChatStore store;
  private final NetServerOptions telnetOptions;
  private final HttpServerOptions httpOptions;
  private final NetServerOptions telnetTlsOptions;
  private final Monitoring monitoring;
  private NetServer telnet;
  private HttpServer http;
  private NetServer telnetTls;

  /**
   * @param telnetTlsOptions null when there is no telnet-over-TLS listener
   */
  LoopVerticle(
      ChatService service,
      ChatStore store,
      NetServerOptions telnetOptions,
      HttpServerOptions httpOptions,
      NetServerOptions telnetTlsOptions,
      Monitoring monitoring) {
    this.service = service;
    this.store = store;
    this.telnetOptions = telnetOptions;
    this.httpOptions = httpOptions;
    this.telnetTlsOptions = telnetTlsOptions;
    this.monitoring = monitoring;
  }

  @Override
  public Future<?> start() {
    RoomHub hub =
        new RoomHub(
            context,
            vertx.eventBus(),
            store,
            service.config().history().retain(),
            monitoring.metrics());
    telnet = TelnetServer.create(vertx, telnetOptions, service, hub);
    http = WebServer.create(vertx, httpOptions, service, hub, monitoring);
    List<Future<?>> listening = new ArrayList<>(List.of(telnet.listen(), http.listen()));
    if (telnetTlsOptions != null) {
      telnetTls = TelnetServer.create(vertx, telnetTlsOptions, service, hub);
      listening.add(telnetTls.listen());
    }
    return Future.all(listening);
  }

  /**
   * Gives the TLS listeners a new certificate, for the connections they accept from now on (the
   * listeners stay open, and so do their connections).
   */
  Future<?> updateCertificate(KeyCertOptions keys) {
    List<Future<Boolean>> updated = new ArrayList<>();
    if (telnetTls != null) {
      updated.add(
          telnetTls.updateSSLOptions(
              telnetTlsOptions.getSslOptions().copy().setKeyCertOptions(keys), true));
    }
    if (httpOptions.isSsl()) {
      updated.add(
          http.updateSSLOptions(httpOptions.getSslOptions().copy().setKeyCertOptions(keys), true));
    }
    return Future.all(updated);
  }

  /** The bound ports, once started. */
  int telnetPort() {
    return telnet.actualPort();
  }

  int httpPort() {
    return http.actualPort();
  }

  /** -1 when there is no telnet-over-TLS listener. */
  int telnetTlsPort() {
    return telnetTls == null ? -1 : telnetTls.actualPort();
  }
}

package parley.web;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.room.ChatService;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Serves the browser page at {@code /chat} and the chat WebSocket at {@code /chat/ws}. */
public final class WebVerticle extends VerticleBase {
  public static final String WS_PATH = "/chat/ws";
  private static final Logger LOG = LoggerFactory.getLogger(WebVerticle.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final ChatService service;
  private final HttpServerOptions options;
  private final AtomicInteger boundPort;

  public WebVerticle(ChatService service, HttpServerOptions options, AtomicInteger boundPort) {
    this.service = service;
    this.options = options;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(ctx -> ctx.redirect("/chat"));
    router.get("/chat").handler(ctx -> ctx.reroute("/chat/index.html"));
    router.route("/chat/*").handler(ctx -> {
      String path = ctx.normalizedPath();
      if (path.endsWith(".html") || path.endsWith("/")) {
        // the page itself is always revalidated, so a new version is picked up at once; assets are cached
        ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HttpHeaders.CACHE_CONTROL, "no-cache"));
      }
      ctx.next();
    });
    router.route("/chat/*").handler(StaticHandler.create("webroot")
        .setCachingEnabled(true)
        .setMaxAgeSeconds(3600)
        .setIndexPage("index.html"));
    HttpServer server = vertx.createHttpServer(options)
        .requestHandler(router)
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(ws -> new WebSession(service, ws, "w" + IDS.incrementAndGet(), context).start());
    return server.listen().onSuccess(s -> boundPort.set(s.actualPort()));
  }

  /**
   * Accepts a WebSocket only at {@link #WS_PATH} and, when the client is a browser (it sends Origin), only from
   * the page's own origin or one of {@code web.allowedOrigins}: anything else gets 403 before the upgrade.
   */
  private void handshake(ServerWebSocketHandshake hs) {
    if (!WS_PATH.equals(hs.path())) {
      hs.reject(404);
      return;
    }
    String origin = hs.headers().get(HttpHeaders.ORIGIN);
    if (origin != null && !allowedOrigin(origin, hs.authority(), hs.scheme())) {
      LOG.warn("websocket from origin {} refused (host {})", origin, hs.authority());
      hs.reject(403);
      return;
    }
    hs.accept();
  }

  private boolean allowedOrigin(String origin, HostAndPort host, String scheme) {
    if (service.config().web().allowedOrigins().contains(origin)) {
      return true;
    }
    if (host == null) {
      return false;
    }
    try {
      URI o = new URI(origin);
      if (o.getHost() == null) {
        return false;
      }
      int originPort = o.getPort() >= 0 ? o.getPort() : defaultPort(o.getScheme());
      int hostPort = host.port() >= 0 ? host.port() : defaultPort(scheme);
      return o.getHost().equalsIgnoreCase(host.host()) && originPort == hostPort;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static int defaultPort(String scheme) {
    return "https".equals(scheme) || "wss".equals(scheme) ? 443 : 80;
  }
}

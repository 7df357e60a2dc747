package parley.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.ops.Monitoring;
import parley.room.ChatService;
import parley.room.RoomHub;

/**
 * The HTTP listener of one event loop: serves the browser page at {@code /chat} and the chat
 * WebSocket at {@code /chat/ws}, whose connections become {@link WebSession}s of its hub.
 */
public final class WebServer {
  public static final String WS_PATH = "/chat/ws";
  private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
  private static final AtomicLong IDS = new AtomicLong();
  private static final int ASSET_MAX_AGE_SECONDS = 600;
  private static final String ASSET_CACHE = "public, max-age=" + ASSET_MAX_AGE_SECONDS;

  /** The page loads nothing from elsewhere and runs no inline script. */
  private static final String PAGE_CSP =
      "default-src 'self'; connect-src 'self'; object-src 'none'; "
          + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private WebServer() {}

  /**
   * A server, not yet listening, whose sessions join rooms through {@code hub}, with the node's
   * operator endpoints ({@code /health}, {@code /ready}, {@code /metrics}); create it on the hub's
   * context.
   */
  public static HttpServer create(
      Vertx vertx,
      HttpServerOptions options,
      ChatService service,
      RoomHub hub,
      Monitoring monitoring) {
    List<String> allowedOrigins = service.config().web().allowedOrigins();
    return vertx
        .createHttpServer(options)
        .requestHandler(router(vertx, monitoring))
        .webSocketHandshakeHandler(hs -> handshake(hs, allowedOrigins))
        .webSocketHandler(
            ws -> new WebSession(service, hub, ws, "w" + IDS.incrementAndGet()).start());
  }

  private static Router router(Vertx vertx, Monitoring monitoring) {
    Router router = Router.router(vertx);
    monitoring.mount(router);
    router.get("/").handler(ctx -> ctx.redirect("/chat"));
    router.get("/chat").handler(ctx -> ctx.reroute("/chat/index.html"));
    router
        .route("/chat/*")
        .handler(
            ctx -> {
              String path = ctx.normalizedPath();
              boolean page = path.endsWith(".html") || path.endsWith("/");
              // The page is always revalidated, so a new version is picked up at once. Assets are
              // cached for a short while, then revalidated (Last-Modified). Their names carry no
              // version, so they must not be marked "immutable" (StaticHandler's default): that
              // would keep an old app.js for a long time after an upgrade.
              ctx.addHeadersEndHandler(
                  v -> {
                    int status = ctx.response().getStatusCode();
                    if (status == 200 || status == 304) {
                      ctx.response()
                          .headers()
                          .set(HttpHeaders.CACHE_CONTROL, page ? "no-cache" : ASSET_CACHE);
                    }
                    ctx.response().headers().set("X-Content-Type-Options", "nosniff");
                    if (page) {
                      // defence in depth: even if user text ever reached the page as markup, no
                      // script in it could run
                      ctx.response().headers().set("Content-Security-Policy", PAGE_CSP);
                    }
                  });
              ctx.next();
            });
    router
        .route("/chat/*")
        .handler(
            StaticHandler.create("webroot")
                .setCachingEnabled(true)
                .setMaxAgeSeconds(ASSET_MAX_AGE_SECONDS)
                .setIndexPage("index.html"));
    return router;
  }

  /**
   * Accepts a WebSocket only at {@link #WS_PATH} and, when the client is a browser (it sends
   * Origin), only from the page's own origin or one of {@code web.allowedOrigins}: anything else
   * gets 403 before the upgrade.
   */
  private static void handshake(ServerWebSocketHandshake hs, List<String> allowedOrigins) {
    if (!WS_PATH.equals(hs.path())) {
      hs.reject(404);
      return;
    }
    String origin = hs.headers().get(HttpHeaders.ORIGIN);
    if (origin != null && !allowedOrigin(allowedOrigins, origin, hs.authority(), hs.scheme())) {
      LOG.warn("websocket from origin {} refused (host {})", origin, hs.authority());
      hs.reject(403);
      return;
    }
    hs.accept();
  }

  private static boolean allowedOrigin(
      List<String> allowedOrigins, String origin, HostAndPort host, String scheme) {
    if (allowedOrigins.contains(origin)) {
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

package parley.web;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.HSTSHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.config.ParleyConfig;
import parley.net.Channels;
import parley.net.ClientAddress;
import parley.net.TrustedProxies;
import parley.ops.Monitoring;
import parley.room.ChatService;
import parley.room.RoomHub;

/**
 * The HTTP listener of one event loop: serves the browser page at {@code /chat} and the chat
 * WebSocket at {@code /chat/ws}, whose connections become {@link WebSession}s of its hub. Every
 * connection is counted against the connection limits (closed at once beyond them) and, until it
 * becomes a WebSocket, has an {@link HttpDeadline}.
 */
public final class WebServer {
  public static final String WS_PATH = "/chat/ws";
  private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
  private static final AtomicLong IDS = new AtomicLong();
  private static final int ASSET_MAX_AGE_SECONDS = 600;
  private static final String ASSET_CACHE = "public, max-age=" + ASSET_MAX_AGE_SECONDS;

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
    ParleyConfig config = service.config();
    List<String> allowedOrigins = config.web().allowedOrigins();
    TrustedProxies proxies = TrustedProxies.of(config.proxy().trustedAddresses());
    return vertx
        .createHttpServer(options)
        .connectionHandler(conn -> connected(service, conn))
        .requestHandler(router(vertx, config.tls().https(), monitoring))
        .webSocketHandshakeHandler(hs -> handshake(hs, allowedOrigins))
        .webSocketHandler(
            ws -> {
              HttpDeadline deadline = HttpDeadline.of(Channels.of(ws));
              if (deadline != null) {
                deadline.upgraded();
              }
              new WebSession(
                      service, hub, ws, "w" + IDS.incrementAndGet(), ClientAddress.of(ws, proxies))
                  .start();
            });
  }

  /**
   * Counts a new connection, closing it at once beyond the limits: no response, since reading the
   * request to answer it would hold the connection an attacker opened. A WebSocket session on it is
   * not counted again.
   */
  private static void connected(ChatService service, HttpConnection conn) {
    ChannelHandlerContext channel = Channels.of(conn);
    String address = ClientAddress.of(conn);
    if (service.connect(address) != null) {
      Channels.closeNow(channel);
      return;
    }
    Channels.whenClosed(channel, () -> service.disconnected(address));
    HttpDeadline.start(channel, service.config().http());
  }

  private static Router router(Vertx vertx, boolean https, Monitoring monitoring) {
    Router router = Router.router(vertx);
    router
        .route()
        .handler(
            ctx -> {
              HttpDeadline deadline = HttpDeadline.of(Channels.of(ctx.request().connection()));
              if (deadline != null && deadline.requestArrived()) {
                ctx.addEndHandler(v -> deadline.responded());
              }
              ctx.next();
            });
    if (https) {
      // browsers that once saw the page over HTTPS refuse plain HTTP to this host for half a year
      router.route().handler(HSTSHandler.create());
    }
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
                  });
              ctx.next();
            });
    // defence in depth: even if user text ever reached the page as markup, no script in it could
    // run; the page loads nothing from elsewhere and runs no inline script
    router
        .routeWithRegex("/chat/(.*\\.html|(.*/)?)")
        .handler(
            CSPHandler.create()
                .setDirective("default-src", "'self'")
                .setDirective("connect-src", "'self'")
                .setDirective("object-src", "'none'")
                .setDirective("base-uri", "'none'")
                .setDirective("form-action", "'self'")
                .setDirective("frame-ancestors", "'none'"));
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

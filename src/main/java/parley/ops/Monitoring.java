package parley.ops;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.config.ParleyConfig;

/**
 * A node's operator endpoints: {@code /health} and {@code /ready} on the HTTP port, and {@code
 * /metrics} (Prometheus text) either there behind a bearer token or on a listener of its own (see
 * README, Monitoring). One per node; {@link #mount} is called by every event loop's router.
 */
public final class Monitoring {
  private static final Logger LOG = LoggerFactory.getLogger(Monitoring.class);
  public static final String HEALTH = "/health";
  public static final String READY = "/ready";
  public static final String METRICS = "/metrics";

  private final ParleyConfig.Ops config;
  private final Metrics metrics;
  private final Readiness readiness;
  private final HealthChecks ready;
  private final HealthChecks live;
  private final List<Context> loops = new CopyOnWriteArrayList<>();
  private HttpServer metricsServer;

  public Monitoring(Vertx vertx, ParleyConfig.Ops config, Metrics metrics, Readiness readiness) {
    this.config = config;
    this.metrics = metrics;
    this.readiness = readiness;
    this.ready = readiness.ready(vertx);
    this.live = Readiness.live(vertx, () -> loops);
  }

  public Metrics metrics() {
    return metrics;
  }

  public Readiness readiness() {
    return readiness;
  }

  /** Adds {@code /health}, {@code /ready} and (on the HTTP port) {@code /metrics} to a router. */
  public void mount(Router router) {
    loops.add(Vertx.currentContext());
    router.get(HEALTH).handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get(READY).handler(HealthCheckHandler.createWithHealthChecks(ready));
    if (metrics.prometheus() != null && config.metricsPort() < 0) {
      router.get(METRICS).handler(bearer()).handler(scrape());
    }
  }

  /**
   * Starts {@code /metrics} on its own listener when configured ({@code metrics.port} >= 0).
   * Completes with its port, or -1 when there is none.
   */
  public Future<Integer> start(Vertx vertx) {
    if (metrics.prometheus() == null) {
      return Future.succeededFuture(-1);
    }
    if (config.metricsPort() < 0) {
      if (config.metricsToken().isEmpty()) {
        LOG.info(
            "/metrics on the HTTP port refuses every scrape until metrics.token is set"
                + " (or metrics.port gives it a listener of its own)");
      }
      return Future.succeededFuture(-1);
    }
    Router router = Router.router(vertx);
    if (config.metricsToken().isEmpty()) {
      router.get(METRICS).handler(scrape());
    } else {
      router.get(METRICS).handler(bearer()).handler(scrape());
    }
    metricsServer =
        vertx.createHttpServer(
            new HttpServerOptions().setHost(config.metricsHost()).setPort(config.metricsPort()));
    return metricsServer
        .requestHandler(router)
        .listen()
        .map(HttpServer::actualPort)
        .recover(
            err ->
                Future.failedFuture(
                    new IllegalStateException(
                        "metrics.port "
                            + config.metricsPort()
                            + " on "
                            + config.metricsHost()
                            + " can't be bound: "
                            + err.getMessage(),
                        err)));
  }

  /** Closes the metrics listener, if any. */
  public Future<Void> close() {
    return metricsServer == null ? Future.succeededFuture() : metricsServer.close();
  }

  private Handler<RoutingContext> scrape() {
    return PrometheusScrapingHandler.create(metrics.prometheus());
  }

  /**
   * Lets through only {@code Authorization: Bearer <metrics.token>} (compared in constant time);
   * with no token set, nothing. Else 401 with {@code WWW-Authenticate: Bearer}.
   */
  private Handler<RoutingContext> bearer() {
    byte[] expected = ("Bearer " + config.metricsToken()).getBytes(StandardCharsets.UTF_8);
    boolean none = config.metricsToken().isEmpty();
    return ctx -> {
      String given = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
      if (none
          || given == null
          || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
        ctx.response()
            .setStatusCode(401)
            .putHeader("WWW-Authenticate", "Bearer realm=\"parley metrics\"")
            .end();
      } else {
        ctx.next();
      }
    };
  }
}

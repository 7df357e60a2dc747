package parley.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rules of /ready and /health, on a real Vert.x with vertx-health-check. */
class ReadinessTest {
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void readyOnlyWhenListeningWithHistoryOpenAndNotStopping() throws Exception {
    AtomicBoolean open = new AtomicBoolean(true);
    Readiness r = new Readiness(open::get, null);
    HealthChecks checks = r.ready(vertx);
    assertEquals(List.of("listeners"), down(checks));
    r.listening();
    assertEquals(List.of(), down(checks));
    open.set(false);
    assertEquals(List.of("history"), down(checks));
    open.set(true);
    r.stopping();
    assertEquals(List.of("shutdown"), down(checks));
  }

  @Test
  void aClusteredNodeIsReadyOnlyOnTheMajoritySide() throws Exception {
    AtomicReference<String> notWritable = new AtomicReference<>("no leader (CANDIDATE)");
    Readiness r = new Readiness(() -> true, notWritable::get);
    r.listening();
    HealthChecks checks = r.ready(vertx);
    CheckResult cut = checks.checkStatus().await(5, TimeUnit.SECONDS);
    assertFalse(cut.getUp());
    assertEquals(List.of("cluster"), down(checks));
    JsonObject cluster = null;
    for (Object o : cut.toJson().getJsonArray("checks")) {
      if ("cluster".equals(((JsonObject) o).getString("id"))) {
        cluster = (JsonObject) o;
      }
    }
    assertEquals("DOWN", cluster.getString("status"));
    assertEquals("no leader (CANDIDATE)", cluster.getJsonObject("data").getString("reason"));
    notWritable.set(null);
    assertTrue(checks.checkStatus().await(5, TimeUnit.SECONDS).getUp());
  }

  @Test
  void liveWhenEveryEventLoopAnswers() throws Exception {
    Context a = vertx.getOrCreateContext();
    Context b = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    CheckResult ok =
        Readiness.live(vertx, () -> List.of(a, b)).checkStatus().await(5, TimeUnit.SECONDS);
    assertTrue(ok.getUp(), ok.toJson().encode());
    assertEquals(
        2,
        ok.toJson()
            .getJsonArray("checks")
            .getJsonObject(0)
            .getJsonObject("data")
            .getInteger("eventLoops"));
    // a loop that is stuck in a task does not answer within the timeout
    b.runOnContext(
        v -> {
          try {
            Thread.sleep(Readiness.TIMEOUT_MS + 1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    CheckResult stuck =
        Readiness.live(vertx, () -> List.of(a, b)).checkStatus().await(10, TimeUnit.SECONDS);
    assertFalse(stuck.getUp(), stuck.toJson().encode());
  }

  private static List<String> down(HealthChecks checks) throws Exception {
    CheckResult result = checks.checkStatus().await(5, TimeUnit.SECONDS);
    List<String> down = new java.util.ArrayList<>();
    for (Object o : result.toJson().getJsonArray("checks")) {
      JsonObject c = (JsonObject) o;
      if (!"UP".equals(c.getString("status"))) {
        down.add(c.getString("id"));
      }
    }
    assertEquals(down.isEmpty(), result.getUp());
    return down;
  }
}

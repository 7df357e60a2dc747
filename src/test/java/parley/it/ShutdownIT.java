package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.Http;
import parley.support.LineClient;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * SIGTERM during a conversation: everyone is told, the process ends within 5 s, history is intact.
 */
class ShutdownIT {

  @Test
  void sigtermTellsEveryoneAndKeepsHistory(@TempDir Path data) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      try (ParleyProcess p = ParleyProcess.startLocal(data);
          LineClient alice = LineClient.login(p.telnetPort(), "alice");
          WsClient bob = WsClient.login(vertx, p.httpPort(), "bob")) {
        for (int i = 1; i <= 10; i++) {
          alice.send("before " + i);
          bob.expectMessage("before " + i);
        }
        long start = System.nanoTime();
        p.terminate();
        alice.expectContaining("The server is shutting down");
        alice.expectClosed();
        JsonObject notice =
            bob.expect(
                f ->
                    "notice".equals(f.getString("type"))
                        && f.getString("text").contains("shutting down"),
                "shutdown notice");
        assertTrue(notice.getString("text").contains("shutting down"));
        bob.expectClosed();
        int status = p.awaitExit(Duration.ofSeconds(10));
        assertTrue(
            status == 143 || status == 0,
            "a JVM ended by SIGTERM exits 143 after its shutdown hooks: " + status);
        long millis = (System.nanoTime() - start) / 1_000_000;
        // the drain (shutdown.drainMs, 2 s by default), then closing within 5 s
        assertTrue(millis < 7000, "closed within 7 s, took " + millis + " ms");
      }
      try (ParleyProcess p = ParleyProcess.startLocal(data);
          WsClient carol = WsClient.login(vertx, p.httpPort(), "carol")) {
        JsonArray history = carol.expect("history").getJsonArray("messages");
        assertEquals(10, history.size());
        assertEquals("before 10", history.getJsonObject(9).getString("text"));
      }
    } finally {
      vertx.close();
    }
  }

  /**
   * What a balancer sees on SIGTERM: {@code /ready} answers 503 (naming the shutdown) before the
   * listeners close, while {@code /health} still answers 200; then connections are refused.
   */
  @Test
  void readyGoesDownOnSigtermBeforeTheListenersClose(@TempDir Path data) throws Exception {
    try (ParleyProcess p = ParleyProcess.startLocal(data)) {
      assertEquals(200, Http.get(p.httpPort(), "/health").statusCode());
      assertEquals(200, Http.get(p.httpPort(), "/ready").statusCode());
      p.terminate();
      int notReady = 0;
      int healthDuringDrain = -1;
      String body = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (true) {
        HttpResponse<String> r;
        try {
          r = Http.get(p.httpPort(), "/ready");
        } catch (IOException refused) {
          break;
        }
        if (r.statusCode() == 503) {
          notReady++;
          if (body == null) {
            body = r.body();
            healthDuringDrain = Http.get(p.httpPort(), "/health").statusCode();
          }
        } else {
          assertEquals(200, r.statusCode(), r.body());
          assertEquals(0, notReady, "ready again after it went down: " + r.body());
        }
        assertTrue(System.nanoTime() < deadline, "the listeners did not close within 20 s");
        Thread.sleep(20);
      }
      assertTrue(notReady > 0, "/ready never answered 503 before the listeners closed");
      JsonObject outcome = new JsonObject(body);
      assertEquals("DOWN", outcome.getString("outcome"));
      assertTrue(
          outcome.getJsonArray("checks").stream()
              .map(JsonObject.class::cast)
              .anyMatch(
                  c ->
                      "shutdown".equals(c.getString("id")) && "DOWN".equals(c.getString("status"))),
          body);
      assertEquals(200, healthDuringDrain, "/health while draining");
      int status = p.awaitExit(Duration.ofSeconds(10));
      assertTrue(status == 143 || status == 0, "exit status after SIGTERM: " + status);
    }
  }
}

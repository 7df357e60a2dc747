package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        assertTrue(millis < 5000, "closed within 5 s, took " + millis + " ms");
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
}

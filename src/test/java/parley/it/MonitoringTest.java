package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import parley.Parley;
import parley.support.Http;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.PromText;
import parley.support.WsClient;

/**
 * {@code /health}, {@code /ready} and {@code /metrics} of a real server, read with a real HTTP
 * client after real telnet and WebSocket traffic; the scrape is parsed ({@link PromText}) and
 * checked with {@code promtool check metrics} (Debian's prometheus package; bin/test installs it).
 */
class MonitoringTest {
  private static final String TOKEN = "s3cret-scrape-token-0123";
  private static final String BEARER = "Bearer " + TOKEN;

  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("metrics", new JsonObject().put("token", TOKEN)));

  @Test
  void countersMatchTheTrafficSent(@TempDir Path tmp) throws Exception {
    int n = 12;
    List<LineClient> telnet = new ArrayList<>();
    List<WsClient> web = new ArrayList<>();
    try {
      telnet.add(LineClient.login(server.telnetPort(), "tina"));
      telnet.add(LineClient.login(server.telnetPort(), "tom"));
      web.add(WsClient.login(server.clientVertx(), server.httpPort(), "wanda"));
      web.add(WsClient.login(server.clientVertx(), server.httpPort(), "walt"));
      int receivers = telnet.size() + web.size();
      telnet.get(0).expectContaining("walt (web) has joined");
      for (int i = 0; i < n; i++) {
        String text = "line " + i;
        if (i % 2 == 0) {
          telnet.get(i % 4 / 2).send(text);
        } else {
          web.get(i % 4 / 2).say(text);
        }
        // every receiver, the sender included, gets the message: N x receivers deliveries
        for (WsClient w : web) {
          w.expectMessage(text);
        }
        for (LineClient t : telnet) {
          t.expectContaining(": " + text);
        }
      }

      String text = scrape();
      PromText m = PromText.parse(text);
      assertEquals(receivers, m.value("parley_logins_total"));
      assertEquals(n, m.value("parley_messages_in_total"));
      assertEquals((double) n * receivers, m.value("parley_deliveries_total", "type", "message"));
      assertEquals(2, m.value("parley_connections", "transport", "telnet"));
      assertEquals(2, m.value("parley_connections", "transport", "web"));
      assertEquals("counter", m.type("parley_deliveries_total"));
      assertEquals("gauge", m.type("parley_connections"));
      assertEquals("histogram", m.type("parley_fanout_seconds"));
      // each message is fanned out (and timed) once per event loop with members in the room
      assertTrue(m.value("parley_fanout_seconds_count") >= n, text);
      assertEquals(0, m.value("parley_drops_total", "rule", "flood"));
      assertEquals(0, m.value("parley_drops_total", "rule", "slow_reader"));
      // every message went to the journal before it was acknowledged
      assertTrue(m.value("parley_journal_write_seconds_count") >= n);
      // every meter of Parley's carries the node's id
      String node = server.parley().service().node();
      for (PromText.Sample s : m.samples()) {
        if (s.name().startsWith("parley_")) {
          assertEquals(node, s.labels().get("node"), s.toString());
        }
      }
      // Vert.x's own metrics are in the same scrape: the four connections, and HTTP requests
      assertFalse(m.find("vertx_net_server_active_connections").isEmpty(), text);
      assertFalse(m.find("vertx_http_server_requests_total").isEmpty(), text);
      assertFalse(m.find("jvm_memory_used_bytes").isEmpty(), text);
      promtoolAccepts(text, tmp);
    } finally {
      for (LineClient t : telnet) {
        t.close();
      }
      web.forEach(WsClient::close);
    }
  }

  @Test
  void floodDropsAreCountedByRule() throws Exception {
    server.start(
        new JsonObject().put("flood", new JsonObject().put("burst", 2).put("maxQueued", 2)));
    try (LineClient fast = LineClient.login(server.telnetPort(), "fast")) {
      for (int i = 0; i < 20; i++) {
        fast.send("spam " + i);
      }
      fast.expectClosed();
    }
    PromText m = PromText.parse(scrape());
    assertEquals(1, m.value("parley_drops_total", "rule", "flood"));
    assertEquals(0, m.value("parley_drops_total", "rule", "slow_reader"));
  }

  @Test
  void metricsOnTheHttpPortNeedTheToken() throws Exception {
    int port = server.httpPort();
    HttpResponse<String> none = Http.get(port, "/metrics");
    assertEquals(401, none.statusCode());
    assertFalse(none.body().contains("parley_"));
    assertEquals(401, Http.get(port, "/metrics", "Authorization", "Bearer wrong").statusCode());
    assertEquals(401, Http.get(port, "/metrics", "Authorization", "Basic " + TOKEN).statusCode());
    HttpResponse<String> ok = Http.get(port, "/metrics", "Authorization", BEARER);
    assertEquals(200, ok.statusCode());
    assertTrue(
        ok.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
        ok.headers().toString());
    assertFalse(PromText.parse(ok.body()).find("parley_logins_total").isEmpty());
  }

  /**
   * The default: {@code /metrics} on the public port, and no token configured: no scrape at all.
   */
  @Test
  void byDefaultTheHttpPortRefusesEveryScrape() throws Exception {
    server.start(new JsonObject().put("metrics", new JsonObject().put("token", "")));
    assertEquals(-1, server.parley().metricsPort());
    assertEquals(401, Http.get(server.httpPort(), "/metrics").statusCode());
    assertEquals(
        401, Http.get(server.httpPort(), "/metrics", "Authorization", "Bearer ").statusCode());
  }

  @Test
  void aMetricsPortOfItsOwnTakesItOffTheHttpPort() throws Exception {
    Parley p =
        server.start(
            new JsonObject().put("metrics", new JsonObject().put("port", 0).put("token", "")));
    assertTrue(p.metricsPort() > 0);
    assertEquals(404, Http.get(p.httpPort(), "/metrics", "Authorization", BEARER).statusCode());
    HttpResponse<String> ok = Http.get("127.0.0.1", p.metricsPort(), "/metrics");
    assertEquals(200, ok.statusCode());
    assertFalse(PromText.parse(ok.body()).find("parley_connections").isEmpty());
    // the chat page is not served there
    assertEquals(404, Http.get("127.0.0.1", p.metricsPort(), "/chat").statusCode());
  }

  @Test
  void metricsOffServeNothing() throws Exception {
    Parley p =
        server.start(new JsonObject().put("metrics", new JsonObject().put("enabled", false)));
    assertEquals(404, Http.get(p.httpPort(), "/metrics", "Authorization", BEARER).statusCode());
    assertEquals(200, Http.get(p.httpPort(), "/ready").statusCode());
  }

  @Test
  void healthAndReadyAnswerWithTheirChecks() throws Exception {
    HttpResponse<String> health = Http.get(server.httpPort(), "/health");
    assertEquals(200, health.statusCode(), health.body());
    JsonObject h = new JsonObject(health.body());
    assertEquals("UP", h.getString("outcome"));
    assertEquals(List.of("eventLoops"), ids(h.getJsonArray("checks")));

    HttpResponse<String> ready = Http.get(server.httpPort(), "/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    JsonObject r = new JsonObject(ready.body());
    assertEquals("UP", r.getString("outcome"));
    assertEquals(List.of("listeners", "history", "shutdown"), ids(r.getJsonArray("checks")));
  }

  /** A stop takes /ready down first and keeps serving for the drain; /health stays up. */
  @Test
  void readyGoesDownTheMomentAStopBegins() throws Exception {
    Parley p =
        server.start(new JsonObject().put("shutdown", new JsonObject().put("drainMs", 3000)));
    try (LineClient alice = LineClient.login(p.telnetPort(), "alice")) {
      var stopped = p.stop();
      HttpResponse<String> ready = Http.get(p.httpPort(), "/ready");
      assertEquals(503, ready.statusCode());
      JsonObject r = new JsonObject(ready.body());
      assertEquals("DOWN", r.getString("outcome"));
      JsonObject shutdown = check(r, "shutdown");
      assertEquals("DOWN", shutdown.getString("status"));
      assertEquals("shutting down: draining", shutdown.getJsonObject("data").getString("reason"));
      assertEquals("UP", check(r, "listeners").getString("status"));
      assertEquals(200, Http.get(p.httpPort(), "/health").statusCode());
      // still serving during the drain: users chat on until it ends
      alice.send("still here");
      alice.expectContaining("still here");
      alice.expectContaining("The server is shutting down");
      stopped.await(10, TimeUnit.SECONDS);
    }
    try {
      Http.get(p.httpPort(), "/ready");
      throw new AssertionError("the HTTP listener is still open after the stop");
    } catch (IOException refused) {
      // closed, as it should be
    }
  }

  private static JsonObject check(JsonObject outcome, String id) {
    for (Object o : outcome.getJsonArray("checks")) {
      JsonObject c = (JsonObject) o;
      if (id.equals(c.getString("id"))) {
        return c;
      }
    }
    throw new AssertionError("no check " + id + " in " + outcome);
  }

  private static List<String> ids(JsonArray checks) {
    List<String> ids = new ArrayList<>();
    for (Object o : checks) {
      ids.add(((JsonObject) o).getString("id"));
    }
    return ids;
  }

  private static String scrape() throws Exception {
    HttpResponse<String> r = Http.get(server.httpPort(), "/metrics", "Authorization", BEARER);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  /** Debian's promtool (the reference validator of the format) accepts the scrape. */
  private static void promtoolAccepts(String text, Path tmp) throws Exception {
    Path file = tmp.resolve("scrape.txt");
    Files.writeString(file, text);
    Process p =
        new ProcessBuilder("promtool", "check", "metrics")
            .redirectInput(file.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    // exit 0: valid; 1: invalid; 3: valid, with lint warnings, which Micrometer's JVM metrics get
    // (jvm_compilation_time_ms_total, process_cpu_time_ns_total, system_cpu_count); Parley's none
    int status = p.exitValue();
    assertTrue(status == 0 || status == 3, "promtool check metrics: " + status + "\n" + out);
    assertFalse(out.contains("parley_"), out);
    assertFalse(out.contains("error while linting"), out);
  }
}

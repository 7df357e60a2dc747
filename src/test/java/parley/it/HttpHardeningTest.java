package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.Http;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.TrustAll;
import parley.support.WsClient;

/**
 * HTTP connections that never finish a request, idle keep-alive connections, and the connection
 * limits counting every connection on every port. Loopback's 127.0.0.0/8 gives the tests several
 * client addresses: the attacker is 127.0.0.2, a real user 127.0.0.3.
 */
class HttpHardeningTest {
  private static final String ATTACKER = "127.0.0.2";
  private static final String USER = "127.0.0.3";

  @RegisterExtension
  static final ParleyServerExtension server = ParleyServerExtension.onDemand(new JsonObject());

  private static JsonObject config(int headerTimeout, int idleTimeout, int perIp) {
    return new JsonObject()
        .put(
            "http",
            new JsonObject()
                .put("headerTimeoutSeconds", headerTimeout)
                .put("idleTimeoutSeconds", idleTimeout))
        .put("limits", new JsonObject().put("maxConnectionsPerIp", perIp));
  }

  /** One attacking connection: when it connected, and when the server closed it (0: open). */
  private static final class Probe {
    final SocketChannel channel;
    final long connectedAt;
    long closedAt;

    Probe(SocketChannel channel, long connectedAt) {
      this.channel = channel;
      this.connectedAt = connectedAt;
    }
  }

  @Test
  void halfOpenRequestsAreCutOffAndOthersChatThroughout() throws Exception {
    int perIp = 100;
    int headerTimeout = 8;
    int attackers = 1000;
    int drippers = 20;
    server.start(config(headerTimeout, 60, perIp));
    int port = server.httpPort();
    byte[] requestLine = "GET /chat HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] dripped = "Host: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes();
    List<Probe> probes = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < attackers; i++) {
        SocketChannel ch = SocketChannel.open();
        ch.bind(new InetSocketAddress(ATTACKER, 0));
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        Probe p = new Probe(ch, System.nanoTime());
        probes.add(p);
        try {
          ch.write(ByteBuffer.wrap(requestLine));
          ch.configureBlocking(false);
          ch.register(selector, SelectionKey.OP_READ, p);
        } catch (IOException refusedAlready) {
          p.closedAt = System.nanoTime();
        }
        watch(selector, 0);
      }
      // those beyond the limit are closed at once, the others are held
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(headerTimeout + 10);
      while (open(probes) > perIp && System.nanoTime() < until) {
        watch(selector, 100);
      }
      // meanwhile a real user from another address logs in over WebSocket and telnet, and chats
      try (WsClient web =
              WsClient.login(
                  server.clientVertx(),
                  new WebSocketClientOptions().setLocalAddress(USER),
                  port,
                  "webber");
          LineClient telnet = LineClient.login("127.0.0.1", server.telnetPort(), USER, "telly")) {
        web.say("hello from the web");
        telnet.expectContaining("webber: hello from the web");
        // the first connections drip their head a byte at a time: never idle, never complete
        int sent = 0;
        while (open(probes) > 0 && System.nanoTime() < until) {
          watch(selector, 200);
          for (int i = 0; sent < dripped.length && i < drippers; i++) {
            Probe p = probes.get(i);
            if (p.closedAt == 0) {
              try {
                p.channel.write(ByteBuffer.wrap(dripped, sent, 1));
              } catch (IOException closed) {
                // seen as closed by watch
              }
            }
          }
          sent++;
        }
        // the user was never disturbed and still chats
        telnet.send("still here");
        web.expectMessage("still here");
      }
    } finally {
      for (Probe p : probes) {
        p.channel.close();
      }
    }
    // "at once" is well before the deadline; "at the deadline" allows for the timer's granularity
    long deadline = TimeUnit.SECONDS.toNanos(headerTimeout);
    long early = probes.stream().filter(p -> p.closedAt - p.connectedAt < deadline / 2).count();
    long late =
        probes.stream()
            .filter(
                p -> p.closedAt - p.connectedAt >= deadline - TimeUnit.MILLISECONDS.toNanos(500))
            .count();
    String times =
        probes.stream()
            .map(p -> TimeUnit.NANOSECONDS.toMillis(p.closedAt - p.connectedAt))
            .filter(ms -> ms >= headerTimeout * 500L)
            .sorted()
            .toList()
            .toString();
    assertEquals(0, open(probes), "every half-open connection was closed");
    assertEquals(attackers - perIp, early, "those beyond the per-address limit, at once: " + times);
    assertEquals(perIp, late, "those within the limit, once the header deadline passed: " + times);
  }

  /** Notes which connections the server closed, waiting at most {@code ms} for one (0: no wait). */
  private static void watch(Selector selector, long ms) throws IOException {
    if (ms == 0) {
      selector.selectNow();
    } else {
      selector.select(ms);
    }
    ByteBuffer sink = ByteBuffer.allocate(4096);
    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
    while (keys.hasNext()) {
      SelectionKey k = keys.next();
      keys.remove();
      Probe p = (Probe) k.attachment();
      int n;
      try {
        n = p.channel.read(sink);
      } catch (IOException reset) {
        n = -1;
      }
      assertTrue(n <= 0, "a connection without a whole request head got a response");
      if (n < 0) {
        p.closedAt = System.nanoTime();
        k.cancel();
      }
    }
  }

  private static long open(List<Probe> probes) {
    return probes.stream().filter(p -> p.closedAt == 0).count();
  }

  @Test
  void idleKeepAliveConnectionIsClosedButAQuietWebSocketIsNot() throws Exception {
    server.start(config(1, 2, 50));
    int port = server.httpPort();
    try (WsClient quiet = WsClient.login(server.clientVertx(), port, "quiet");
        Socket http = new Socket("127.0.0.1", port)) {
      http.setSoTimeout(10_000);
      InputStream in = http.getInputStream();
      // keep-alive works: two requests on one connection, each answered
      for (int i = 0; i < 2; i++) {
        http.getOutputStream()
            .write(
                "GET /chat/index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        assertTrue(readResponse(in).startsWith("HTTP/1.1 200"));
      }
      long answered = System.nanoTime();
      assertEquals(-1, in.read(), "the idle connection is closed");
      long idleFor = System.nanoTime() - answered;
      assertTrue(
          idleFor >= TimeUnit.MILLISECONDS.toNanos(1900),
          "it was kept for the idle timeout first (" + idleFor / 1_000_000 + " ms)");
      // the WebSocket was quiet longer than both deadlines, and is still there
      quiet.say("still connected");
      quiet.expectMessage("still connected");
    }
  }

  /** Reads one response with a Content-Length body; returns its head. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      assertTrue(b >= 0, "response head cut short: " + head);
      head.write(b);
    }
    String h = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    assertEquals(length, in.readNBytes(length).length);
    return h;
  }

  @Test
  void perAddressLimitCountsEveryConnectionOnEveryPort() throws Exception {
    server.start(
        config(10, 60, 3)
            .put("tls", new JsonObject().put("telnetPort", 0).put("selfSigned", true)));
    int telnetPort = server.telnetPort();
    int httpPort = server.httpPort();
    // (a TLS connection is counted once its handshake is done: that is when Vert.x hands it over)
    LineClient tls =
        new LineClient(TrustAll.connect(ATTACKER, "127.0.0.1", server.parley().telnetTlsPort()));
    try (LineClient telnet = new LineClient("127.0.0.1", telnetPort, ATTACKER);
        Socket http = new Socket()) {
      // each is counted once the server has taken it: it prompts, or answers a request
      tls.expectPrompt("Nickname:");
      telnet.expectPrompt("Nickname:");
      http.bind(new InetSocketAddress(ATTACKER, 0));
      http.connect(new InetSocketAddress("127.0.0.1", httpPort));
      http.setSoTimeout(10_000);
      http.getOutputStream()
          .write("GET /chat/ HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(readResponse(http.getInputStream()).startsWith("HTTP/1.1 200"));
      // three connections from the attacker's address, on three ports: the next is refused
      try (LineClient fourth = new LineClient("127.0.0.1", telnetPort, ATTACKER)) {
        fourth.expectContaining("too many connections from your address (the limit is 3)");
        fourth.expectClosed();
      }
      try (Socket fourth = new Socket()) {
        fourth.bind(new InetSocketAddress(ATTACKER, 0));
        fourth.connect(new InetSocketAddress("127.0.0.1", httpPort));
        fourth.setSoTimeout(10_000);
        assertEquals(-1, fourth.getInputStream().read(), "closed at once, with no response");
      }
      // another address is not affected
      try (LineClient other = LineClient.login("127.0.0.1", telnetPort, USER, "other");
          WsClient web =
              WsClient.login(
                  server.clientVertx(),
                  new WebSocketClientOptions().setLocalAddress(USER),
                  httpPort,
                  "otherweb")) {
        web.say("unaffected");
        other.expectContaining("otherweb: unaffected");
      }
      // closing one frees its slot; a WebSocket session on it counts once, with its connection
      http.close();
      WsClient ws =
          Eventually.within(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(
                  () ->
                      WsClient.login(
                          server.clientVertx(),
                          new WebSocketClientOptions().setLocalAddress(ATTACKER),
                          httpPort,
                          "third"),
                  c -> c != null);
      try (ws) {
        try (LineClient fourth = new LineClient("127.0.0.1", telnetPort, ATTACKER)) {
          fourth.expectContaining("too many connections from your address");
        }
      }
      // and the WebSocket's close frees it again
      Eventually.within(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                try (LineClient again =
                    LineClient.login("127.0.0.1", telnetPort, ATTACKER, "again")) {
                  assertFalse(again.seen().stream().anyMatch(l -> l.contains("too many")));
                }
              });
    } finally {
      tls.close();
    }
  }

  @Test
  void theServerLimitCountsConnectionsNotSessions() throws Exception {
    server.start(new JsonObject().put("limits", new JsonObject().put("maxConnections", 2)));
    try (Socket a = new Socket();
        Socket b = new Socket()) {
      a.bind(new InetSocketAddress(ATTACKER, 0));
      b.bind(new InetSocketAddress("127.0.0.4", 0));
      for (Socket s : List.of(a, b)) {
        s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()));
        s.setSoTimeout(10_000);
        // answered, so surely counted; kept alive, so still counted
        s.getOutputStream()
            .write("GET /chat/ HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readResponse(s.getInputStream()).startsWith("HTTP/1.1 200"));
      }
      try (LineClient refused = new LineClient("127.0.0.1", server.telnetPort(), USER)) {
        refused.expectContaining("the server is full (2 connections); try again later");
        refused.expectClosed();
      }
      b.close();
      // a freed connection makes room again
      Eventually.within(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                try (LineClient in =
                    LineClient.login("127.0.0.1", server.telnetPort(), USER, "in")) {
                  assertTrue(in.seen().stream().noneMatch(l -> l.contains("full")));
                }
              });
    }
  }

  @Test
  void plainHttpSendsNoHstsAndThePageKeepsItsHeaders() throws Exception {
    server.start(new JsonObject());
    HttpResponse<String> page = Http.get(server.httpPort(), "/chat");
    assertEquals(200, page.statusCode());
    assertNull(header(page, "Strict-Transport-Security"));
    assertEquals(
        "default-src 'self'; connect-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        header(page, "Content-Security-Policy"));
    assertEquals("nosniff", header(page, "X-Content-Type-Options"));
    assertEquals("no-cache", header(page, "Cache-Control"));
    HttpResponse<String> script = Http.get(server.httpPort(), "/chat/app.js");
    assertEquals(200, script.statusCode());
    assertNull(header(script, "Content-Security-Policy"), "only the page has a policy");
    assertEquals("nosniff", header(script, "X-Content-Type-Options"));
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }
}

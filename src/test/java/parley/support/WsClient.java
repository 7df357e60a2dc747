package parley.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real WebSocket client (Vert.x's) speaking Parley's JSON protocol, with blocking waits for
 * tests.
 */
public final class WsClient implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);

  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  private volatile boolean closed;
  private final AtomicInteger pings = new AtomicInteger();

  private WsClient(WebSocketClient client, ClientWebSocket ws) {
    this.client = client;
    this.ws = ws;
    // handlers go on before connecting: a server may send a frame and close at once
    ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    ws.closeHandler(v -> closed = true);
    // Vert.x answers each ping with a pong itself, as browsers do
    ws.frameHandler(
        f -> {
          if (f.type() == WebSocketFrameType.PING) {
            pings.incrementAndGet();
          }
        });
  }

  public static WsClient connect(Vertx vertx, int port) throws Exception {
    return connect(
        vertx, new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/chat/ws"));
  }

  public static WsClient connect(Vertx vertx, WebSocketConnectOptions options) throws Exception {
    return connect(vertx, new WebSocketClientOptions(), options);
  }

  public static WsClient connect(
      Vertx vertx, WebSocketClientOptions clientOptions, WebSocketConnectOptions options)
      throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(clientOptions);
    WsClient c = new WsClient(client, client.webSocket());
    ((ClientWebSocket) c.ws).connect(options).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return c;
  }

  /** Connects, says hello and waits until the session has joined its room. */
  public static WsClient login(Vertx vertx, int port, String nick) throws Exception {
    return login(vertx, new WebSocketClientOptions(), port, nick);
  }

  /** The same with those client options (e.g. a small socket receive buffer). */
  public static WsClient login(
      Vertx vertx, WebSocketClientOptions clientOptions, int port, String nick) throws Exception {
    return login(vertx, clientOptions, "127.0.0.1", port, nick);
  }

  /** The same on that host (e.g. a node in a network namespace). */
  public static WsClient login(Vertx vertx, String host, int port, String nick) throws Exception {
    return login(vertx, new WebSocketClientOptions(), host, port, nick);
  }

  /** The same on that host with those client options. */
  public static WsClient login(
      Vertx vertx, WebSocketClientOptions clientOptions, String host, int port, String nick)
      throws Exception {
    WsClient c =
        connect(
            vertx,
            new WebSocketClientOptions(clientOptions)
                .setConnectTimeout(Math.toIntExact(WAIT.toMillis())),
            new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/chat/ws"));
    c.send(new JsonObject().put("type", "hello").put("nick", nick));
    c.expect("joined");
    return c;
  }

  public void send(JsonObject frame) throws Exception {
    ws.writeTextMessage(frame.encode()).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void sendText(String text) throws Exception {
    ws.writeTextMessage(text).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void say(String text) throws Exception {
    send(new JsonObject().put("type", "say").put("text", text));
  }

  public JsonObject expect(Predicate<JsonObject> match, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError(
            "no frame " + what + " within " + WAIT.toSeconds() + " s; saw: " + seen);
      }
      seen.add(f);
      if (match.test(f)) {
        return f;
      }
    }
  }

  public JsonObject expect(String type) throws InterruptedException {
    return expect(f -> type.equals(f.getString("type")), "of type " + type);
  }

  public JsonObject expectMessage(String text) throws InterruptedException {
    return expect(
        f -> "message".equals(f.getString("type")) && text.equals(f.getString("text")),
        "message \"" + text + "\"");
  }

  /**
   * Says {@code text} on a clustered node until it comes back with a seq, within {@code within}: a
   * {@code read_only} refusal (an election is going on; nothing was done) is retried after 500 ms;
   * a {@code not_confirmed} one is awaited, and sent again if it does not show up (the leader died
   * with it). Any other error fails. Returns the seq.
   */
  public long sayAcked(String text, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      say(text);
      JsonObject f =
          expect(
              m ->
                  ("message".equals(m.getString("type")) && text.equals(m.getString("text")))
                      || "error".equals(m.getString("type")),
              "\"" + text + "\" back, or an error");
      if ("message".equals(f.getString("type"))) {
        return f.getLong("seq");
      }
      if ("not_confirmed".equals(f.getString("code"))) {
        try {
          return expectMessage(text).getLong("seq");
        } catch (AssertionError e) {
          assertTrue(System.nanoTime() < deadline, "not confirmed, not seen for " + within);
          continue;
        }
      }
      assertTrue("read_only".equals(f.getString("code")), "only a refusal may be retried: " + f);
      assertTrue(System.nanoTime() < deadline, "still refused after " + within + ": " + f);
      Thread.sleep(500);
    }
  }

  public void expectClosed() {
    Eventually.within(WAIT)
        .untilAsserted(() -> assertTrue(closed, () -> "websocket still open; saw " + seen));
  }

  /**
   * Stops reading from the socket (once Vert.x's small inbound queue is full), as a stuck client
   * would.
   */
  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  /** Ping frames received from the server. */
  public int pings() {
    return pings.get();
  }

  public boolean isClosed() {
    return closed;
  }

  public int localPort() {
    return ws.localAddress().port();
  }

  public List<JsonObject> seen() {
    return seen;
  }

  public List<JsonObject> unread() {
    return new ArrayList<>(frames);
  }

  @Override
  public void close() {
    if (!closed) {
      ws.close();
    }
    client.close();
  }
}

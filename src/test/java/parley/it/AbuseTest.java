package parley.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import parley.room.BaseSession;
import parley.support.ClientTest;
import parley.support.LineClient;
import parley.support.TestServer;
import parley.support.WsClient;

/** Abuse resistance: flooding, slow readers, cross-origin sockets, moderation, random junk. */
class AbuseTest extends ClientTest {

  @Test
  void floodingIsDelayedThenDisconnectedWhileTheRoomStaysResponsive() throws Exception {
    server = TestServer.start();
    try (LineClient flooder = LineClient.login(server.telnetPort(), "flooder");
        WsClient bob = WsClient.login(clientVertx, server.httpPort(), "bob")) {
      // 15 lines: the burst of 10 goes at once, 5 are delayed, none is lost
      StringBuilder b = new StringBuilder();
      for (int i = 1; i <= 15; i++) {
        b.append("line ").append(i).append("\r\n");
      }
      flooder.sendRaw(b.toString().getBytes(StandardCharsets.UTF_8));
      flooder.expectContaining("your lines are being delayed");
      for (int i = 1; i <= 15; i++) {
        bob.expectMessage("line " + i);
      }
      // now a real flood: more than 20 lines waiting gets the sender disconnected
      b.setLength(0);
      for (int i = 1; i <= 60; i++) {
        b.append("spam ").append(i).append("\r\n");
      }
      flooder.sendRaw(b.toString().getBytes(StandardCharsets.UTF_8));
      flooder.expectContaining("flooding");
      flooder.expectClosed();
      // the room is still fine for everyone else
      try (LineClient carol = LineClient.login(server.telnetPort(), "carol")) {
        carol.send("anyone there?");
        bob.expectMessage("anyone there?");
      }
    }
  }

  @Test
  void floodRulesApplyToWebSocketsToo() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put(
                    "flood",
                    new JsonObject().put("burst", 3).put("ratePerSecond", 2).put("maxQueued", 5)));
    try (WsClient web = WsClient.login(clientVertx, server.httpPort(), "web")) {
      for (int i = 0; i < 20; i++) {
        try {
          web.say("w" + i);
        } catch (Exception closedByServer) {
          break; // the server may close the socket before all 20 are written
        }
      }
      web.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("delayed"),
          "delay notice");
      JsonObject bye = web.expect("bye");
      assertTrue(bye.getString("reason").startsWith("flooding"), bye.encode());
      web.expectClosed();
    }
  }

  /*
   * Slow readers, end to end: one case per rule of SlowReaderPolicy on real sockets (its edges are unit-tested in
   * SlowReaderPolicyTest), plus what only real sockets show: the memory held stays bounded, the socket is closed
   * after the grace (over TLS and WebSocket too), a reader that keeps up is not dropped while the kernel shows its
   * progress in steps, and the goodbye reaches a client whose socket is backed up.
   */

  /**
   * The transports whose queues the outbox measures, where a case depends on it: they queue writes
   * differently.
   */
  static Stream<String> transports() {
    return Stream.of("io_uring", "epoll");
  }

  /**
   * Starts a server on that transport; reported as skipped where this kernel or sandbox lacks it.
   */
  private static TestServer startOn(String transport, JsonObject config) throws Exception {
    Transport t = transport.equals("io_uring") ? Transport.IO_URING : Transport.EPOLL;
    Assumptions.assumeTrue(
        t.available(), () -> transport + " is not available here: " + t.unavailabilityCause());
    return TestServer.start(config.put("transport", transport));
  }

  /** Collects what the sessions log (the slow-consumer rule says there which part of it fired). */
  private static ListAppender<ILoggingEvent> sessionLog() {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(BaseSession.class)).addAppender(log);
    return log;
  }

  private static void stopLog(ListAppender<ILoggingEvent> log) {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(BaseSession.class))
        .detachAppender(log);
  }

  private static String dropReason(ListAppender<ILoggingEvent> log, String nick) {
    ILoggingEvent e = dropEvent(log, nick);
    return e == null ? "" : e.getFormattedMessage();
  }

  private static ILoggingEvent dropEvent(ListAppender<ILoggingEvent> log, String nick) {
    synchronized (log.list) {
      return log.list.stream()
          .filter(
              e ->
                  e.getFormattedMessage().contains("(" + nick + ")")
                      && e.getFormattedMessage().contains("is not reading"))
          .findFirst()
          .orElse(null);
    }
  }

  /** The talker sends {@code lines} numbered lines of {@code size} bytes in one write. */
  private static void burst(LineClient talker, int lines, int size, char fill)
      throws java.io.IOException {
    String payload = String.valueOf(fill).repeat(size);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      b.append(i).append(' ').append(payload).append("\r\n");
    }
    talker.sendRaw(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Waits until the talker has seen {@code nick} dropped for not reading, and its own line number
   * {@code last}.
   */
  private static void awaitDropAndLastLine(LineClient talker, String nick, int last)
      throws InterruptedException {
    boolean dropped = false;
    boolean all = false;
    while (!dropped || !all) {
      String line =
          talker.expect(
              l -> l.contains(nick + " has left") || l.contains("talker: " + last + " "),
              "the drop of " + nick + " and line " + last);
      dropped |= line.contains(nick + " has left #lobby (not reading)");
      all |= line.contains("talker: " + last + " ");
    }
  }

  /** A config whose flood limits never get in the way of a burst, with those {@code limits}. */
  private static JsonObject unflooded(JsonObject limits) {
    return new JsonObject()
        .put("flood", new JsonObject().put("burst", 100000).put("ratePerSecond", 100000))
        .put("limits", limits);
  }

  /**
   * A telnet client with a small receive buffer that logs in as {@code nick} and then reads
   * nothing.
   */
  private static Socket stalledClient(int port, String nick) throws java.io.IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    s.getOutputStream().write((nick + "\r\n").getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    return s;
  }

  /**
   * Over TLS too, a dropped reader's socket closes after the grace, not after TLS's 3 s
   * close_notify wait.
   */
  @Test
  void aStalledTlsReaderIsClosedAfterTheGrace() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put("tls", new JsonObject().put("telnetPort", 0).put("selfSigned", true))
                .put("flood", new JsonObject().put("burst", 100000).put("ratePerSecond", 100000))
                .put(
                    "limits",
                    new JsonObject()
                        .put("slowConsumerGraceMs", 100)
                        .put("slowConsumerWindowMs", 2000)));
    int tlsPort = server.parley().telnetTlsPort();
    ListAppender<ILoggingEvent> log = sessionLog();
    javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
    trustAll.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        javax.net.ssl.SSLSocket stalled =
            (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", tlsPort));
      stalled.startHandshake();
      stalled.getOutputStream().write("tlsstalled\r\n".getBytes(StandardCharsets.UTF_8));
      stalled.getOutputStream().flush();
      talker.expectContaining("tlsstalled (");
      assertEquals(
          "01",
          serverSideState(tlsPort, stalled.getLocalPort()),
          "established, seen by the kernel");
      burst(talker, 3000, 1500, 't');
      ILoggingEvent drop =
          await("the drop of the stalled TLS reader")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(10))
              .until(() -> dropEvent(log, "tlsstalled"), Objects::nonNull);
      awaitServerSideClosed(tlsPort, stalled.getLocalPort());
      long took = System.currentTimeMillis() - drop.getTimeStamp();
      assertTrue(took < 2500, "closed " + took + " ms after the drop (grace 100 ms)");
    } finally {
      stopLog(log);
    }
  }

  /**
   * The rule "took nothing in a window", on each transport (the outbox measures what Netty's queue
   * holds, which each fills differently): the stalled reader is dropped, the memory held for it
   * stays bounded, its socket is closed after the grace although it never reads, and the others get
   * every line meanwhile.
   */
  @ParameterizedTest
  @MethodSource("transports")
  void aClientThatStopsReadingIsDroppedAndOthersKeepReceiving(String transport) throws Exception {
    server =
        startOn(
            transport,
            unflooded(
                new JsonObject()
                    .put("slowConsumerGraceMs", 100)
                    .put("slowConsumerWindowMs", 2000)));
    ListAppender<ILoggingEvent> log = sessionLog();
    Socket stalled = stalledClient(server.telnetPort(), "stalled");
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        WsClient watcher = WsClient.login(clientVertx, server.httpPort(), "watcher")) {
      talker.send("/who");
      talker.expect(l -> l.contains("stalled") && l.contains("telnet"), "the stalled user is in");
      assertEquals(
          "01",
          serverSideState(server.telnetPort(), stalled.getLocalPort()),
          "established, seen by the kernel");
      String payload = "z".repeat(1500);
      long before = usedMemory();
      int sent = 3000;
      for (int i = 0; i < sent; i++) {
        talker.sendRaw((i + " " + payload + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
      java.util.Set<Integer> got = new java.util.HashSet<>();
      boolean dropped = false;
      while (!dropped || got.size() < sent) {
        JsonObject f =
            watcher.expect(
                x -> true, "more frames (" + got.size() + " messages, dropped " + dropped + ")");
        if ("message".equals(f.getString("type"))) {
          got.add(
              Integer.parseInt(f.getString("text").substring(0, f.getString("text").indexOf(' '))));
        } else if ("leave".equals(f.getString("type")) && "stalled".equals(f.getString("nick"))) {
          assertEquals("not reading", f.getString("reason"));
          dropped = true;
        }
      }
      assertTrue(dropReason(log, "stalled").contains("took nothing"), dropReason(log, "stalled"));
      // what was held for it is bounded (16 MB at most by the rule; the outboxes' buffers are
      // direct memory)
      long after = usedMemory();
      assertTrue(
          after - before < 64L * 1024 * 1024,
          "memory grew by " + (after - before) / 1024 / 1024 + " MB");
      // it never read, so the polite close (which first writes out the queue) cannot finish: the
      // server closes its socket anyway once the grace has passed, instead of holding it and its
      // queue forever
      awaitServerSideClosed(server.telnetPort(), stalled.getLocalPort());
      // the stalled client gets what the kernel already held, then the end of the connection
      readToEnd(stalled);
    } finally {
      stalled.close();
      stopLog(log);
    }
  }

  /**
   * The rule "over 64 times the limit at once": a client whose history replay on joining is far
   * over 64 times its limit is dropped while the replay is appended, with no window to wait for (it
   * is ten minutes here), and its socket is closed after the grace.
   */
  @Test
  void aClientOwingOverTheCeilingIsDroppedAtOnce() throws Exception {
    server =
        TestServer.start(
            unflooded(
                    new JsonObject()
                        .put("outboxBytes", 16 * 1024)
                        .put("slowConsumerGraceMs", 100)
                        .put("slowConsumerWindowMs", 600_000))
                .put("history", new JsonObject().put("replay", 1500)));
    ListAppender<ILoggingEvent> log = sessionLog();
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker")) {
      // 1.5 MB of history, over 1 MB (the ceiling), sent in steps that the talker takes as they
      // come
      for (int step = 0; step < 5; step++) {
        burst(talker, 300, 1000, (char) ('a' + step));
        talker.expectContaining("talker: 299 " + (char) ('a' + step));
      }
      try (Socket hoarder = stalledClient(server.telnetPort(), "hoarder")) {
        ILoggingEvent drop =
            await("the drop of hoarder")
                .atMost(Duration.ofSeconds(10))
                .until(() -> dropEvent(log, "hoarder"), Objects::nonNull);
        assertTrue(
            drop.getFormattedMessage().contains("64 times the limit"), drop.getFormattedMessage());
        awaitServerSideClosed(server.telnetPort(), hoarder.getLocalPort());
      }
    } finally {
      stopLog(log);
    }
  }

  /** A WebSocket client that stops reading: dropped, then its socket is closed after the grace. */
  @Test
  void aWebSocketThatStopsReadingIsDroppedAndClosed() throws Exception {
    server =
        TestServer.start(
            unflooded(
                new JsonObject()
                    .put("slowConsumerGraceMs", 100)
                    .put("slowConsumerWindowMs", 2000)));
    ListAppender<ILoggingEvent> log = sessionLog();
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        WsClient stuck =
            WsClient.login(
                clientVertx,
                new io.vertx.core.http.WebSocketClientOptions().setReceiveBufferSize(4096),
                server.httpPort(),
                "stuck")) {
      talker.expectContaining("stuck (web) has joined");
      int port = stuck.localPort();
      assertEquals(
          "01", serverSideState(server.httpPort(), port), "established, seen by the kernel");
      stuck.pause();
      burst(talker, 3000, 1500, 'w');
      awaitDropAndLastLine(talker, "stuck", 2999);
      assertTrue(dropReason(log, "stuck").contains("took"), dropReason(log, "stuck"));
      awaitServerSideClosed(server.httpPort(), port);
      // reading again, it gets what the kernel held, then finds the connection closed
      stuck.resume();
      stuck.expectClosed();
    } finally {
      stopLog(log);
    }
  }

  /**
   * The rule "took less than the limit in a window while owing over eight times it": a client that
   * reads, but far slower than the room talks, falls ever further behind and is dropped (for that,
   * or for the server seeing nothing taken: the kernel's send buffer shows progress only in steps).
   */
  @Test
  void aReaderFarSlowerThanTheRoomIsDropped() throws Exception {
    server =
        TestServer.start(
            unflooded(
                new JsonObject()
                    .put("outboxBytes", 64 * 1024)
                    .put("slowConsumerGraceMs", 100)
                    .put("slowConsumerWindowMs", 2000)));
    ListAppender<ILoggingEvent> log = sessionLog();
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        Socket slow = stalledClient(server.telnetPort(), "slowpoke")) {
      talker.expectContaining("slowpoke (telnet) has joined");
      assertEquals(
          "01",
          serverSideState(server.telnetPort(), slow.getLocalPort()),
          "established, seen by the kernel");
      // it reads 1 KB every 100 ms or so: it keeps taking bytes, but the room sends 3 MB at once
      java.util.concurrent.atomic.AtomicBoolean hurry =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread reader =
          new Thread(
              () -> {
                byte[] buf = new byte[1024];
                try (InputStream in = slow.getInputStream()) {
                  while (in.read(buf) >= 0) {
                    if (!hurry.get()) {
                      Thread.sleep(100); // the pace of a slow link, not a wait for an event
                    }
                  }
                } catch (Exception ignored) {
                  // closed under us at the end of the test
                }
              });
      reader.start();
      burst(talker, 3000, 1000, 's');
      // the talker, who reads, gets every line of its own burst, and sees the slow reader dropped
      // on the way
      awaitDropAndLastLine(talker, "slowpoke", 2999);
      // it kept reading, yet the server may have seen no progress at all: the kernel's send buffer
      // (megabytes on loopback) reports room again only once much of it has drained, so either rule
      // may be the one that fired
      String why = dropReason(log, "slowpoke");
      assertTrue(why.contains("took only") || why.contains("took nothing"), why);
      awaitServerSideClosed(server.telnetPort(), slow.getLocalPort());
      // reading at full speed now, it gets what the kernel held and then the end of the connection
      hurry.set(true);
      reader.join(20_000);
      assertFalse(reader.isAlive(), "the slow reader saw the end of its connection");
    } finally {
      stopLog(log);
    }
  }

  /**
   * A client on a slower link that keeps reading is not dropped while a history replay far over its
   * limit goes out to it for seconds, although the kernel's send buffer lets its progress show only
   * in steps seconds apart (with a 2 s window this reader was dropped near the end of the replay).
   * On the default transport: the steps come from the kernel, and the policy's side of it is in
   * SlowReaderPolicyTest.
   */
  @Test
  void aSteadyReaderGetsAReplayFarOverItsLimit() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put("history", new JsonObject().put("replay", 5000))
                .put("flood", new JsonObject().put("burst", 100000).put("ratePerSecond", 100000))
                .put(
                    "limits",
                    new JsonObject()
                        .put("outboxBytes", 128 * 1024)
                        .put("slowConsumerGraceMs", 100)));
    int lines = 5000;
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        Socket reader = new Socket()) {
      burst(talker, lines, 1000, 'h');
      talker.expectContaining("talker: " + (lines - 1) + " ");
      // 5 MB of replay, 40 times the limit, read in 4 KB steps about 10 ms apart (some 300 KB/s):
      // 15 s or so, longer than the 10 s window, sent as one buffer
      reader.setReceiveBufferSize(4096);
      reader.connect(new java.net.InetSocketAddress("127.0.0.1", server.telnetPort()));
      reader.getOutputStream().write("steady\r\n".getBytes(StandardCharsets.UTF_8));
      reader.getOutputStream().flush();
      reader.setSoTimeout(20_000);
      StringBuilder got = new StringBuilder();
      InputStream in = reader.getInputStream();
      byte[] buf = new byte[4096];
      boolean saidDone = false;
      while (got.indexOf("talker: done", Math.max(0, got.length() - 5000)) < 0) {
        int n = in.read(buf);
        assertTrue(
            n >= 0,
            "connection closed after "
                + got.length()
                + " bytes: "
                + got.substring(Math.max(0, got.length() - 300)));
        got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        if (!saidDone
            && got.indexOf("talker: " + (lines - 1) + " ", Math.max(0, got.length() - 5000)) >= 0) {
          talker.send("done");
          saidDone = true;
        }
        Thread.sleep(10); // the pace of a slower link, not a wait for an event
      }
      String all = got.toString();
      for (int i = 0, at = 0; i < lines; i++) {
        at = all.indexOf("talker: " + i + " h", at);
        assertTrue(at >= 0, "replayed line " + i + " in order");
      }
      assertFalse(all.contains("not reading fast enough"), "not dropped");
    }
  }

  /**
   * On each transport, the goodbye goes out after what is queued, and the connection closes once it
   * is read.
   */
  @ParameterizedTest
  @MethodSource("transports")
  void theGoodbyeReachesAClientWhoseSocketIsBackedUp(String transport) throws Exception {
    server =
        startOn(
            transport,
            unflooded(
                new JsonObject()
                    .put("outboxBytes", 32 * 1024 * 1024)
                    .put("slowConsumerGraceMs", 20000)));
    try (LineClient talker = LineClient.login(server.telnetPort(), "talker");
        Socket backedUp = stalledClient(server.telnetPort(), "backedup")) {
      talker.expectContaining("backedup (telnet) has joined");
      // 2 MB that this client does not read yet: much of it waits in the server's queue, past the
      // kernel's
      String payload = "y".repeat(1000);
      int lines = 2000;
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < lines; i++) {
        b.append("line ").append(i).append(' ').append(payload).append("\r\n");
      }
      talker.sendRaw(b.toString().getBytes(StandardCharsets.UTF_8));
      talker.expectContaining("talker: line " + (lines - 1) + " ");
      backedUp.getOutputStream().write("/quit\r\n".getBytes(StandardCharsets.UTF_8));
      backedUp.getOutputStream().flush();
      // the server has handled the /quit while the output is still backed up
      talker.expectContaining("backedup has left #lobby (quit)");
      // reading now drains everything, and the goodbye comes last, before the server closes the
      // connection
      backedUp.setSoTimeout(20000);
      String all = new String(backedUp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(all.contains("talker: line " + (lines - 1) + " "), "every line arrived");
      assertTrue(
          all.stripTrailing().endsWith("*** Goodbye (quit)"),
          "the goodbye is the last line: " + all.substring(Math.max(0, all.length() - 200)));
    }
  }

  /**
   * Waits until the server's end of the connection from {@code clientPort} has left ESTABLISHED
   * (the server closed it), whatever the client did; read from the kernel's socket table, so the
   * client need not read. FIN_WAIT1 (closed, the kernel still owes data), a later state, or gone
   * all count.
   */
  private static void awaitServerSideClosed(int serverPort, int clientPort) {
    await("the server closing its end of the connection from port " + clientPort)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> serverSideState(serverPort, clientPort), state -> !"01".equals(state));
  }

  /**
   * Reads and drops what the server sends until it ends the connection; fails if one read waits 20
   * s.
   */
  private static void readToEnd(Socket s) throws java.io.IOException {
    s.setSoTimeout(20_000);
    s.getInputStream().transferTo(OutputStream.nullOutputStream());
  }

  /**
   * The TCP state (hex, as in /proc/net/tcp) of the socket local to {@code serverPort} and remote
   * {@code clientPort}.
   */
  private static String serverSideState(int serverPort, int clientPort) throws Exception {
    String local = String.format(":%04X", serverPort);
    String remote = String.format(":%04X", clientPort);
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      for (String line : java.nio.file.Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(local) && f[2].endsWith(remote)) {
          return f[3];
        }
      }
    }
    return null;
  }

  /**
   * Heap in use plus the direct memory of Netty's pooled allocator (where outbox and socket buffers
   * live).
   */
  private static long usedMemory() {
    System.gc();
    Runtime r = Runtime.getRuntime();
    return r.totalMemory()
        - r.freeMemory()
        + PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
  }

  @Test
  void connectionsPerAddressAreLimitedWithAClearMessage() throws Exception {
    server =
        TestServer.start(
            new JsonObject().put("limits", new JsonObject().put("maxConnectionsPerIp", 2)));
    try (LineClient one = new LineClient(server.telnetPort());
        LineClient two = new LineClient(server.telnetPort())) {
      one.expectPrompt("Nickname:");
      two.expectPrompt("Nickname:");
      try (LineClient three = new LineClient(server.telnetPort())) {
        three.expectContaining("too many connections from your address (the limit is 2)");
        three.expectClosed();
      }
      // an HTTP connection counts too: beyond the limit it is closed before any upgrade
      assertThrows(Exception.class, () -> WsClient.connect(clientVertx, server.httpPort()));
    }
  }

  @Test
  void crossOriginWebSocketGets403() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put(
                    "web",
                    new JsonObject()
                        .put(
                            "allowedOrigins",
                            new io.vertx.core.json.JsonArray().add("https://chat.example.org"))));
    WebSocketConnectOptions evil =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(server.httpPort())
            .setURI("/chat/ws")
            .addHeader("Origin", "http://evil.example.com");
    Exception e = assertThrows(Exception.class, () -> WsClient.connect(clientVertx, evil));
    Throwable cause = e instanceof CompletionException ? e.getCause() : e;
    while (cause != null && !(cause instanceof UpgradeRejectedException)) {
      cause = cause.getCause();
    }
    assertTrue(cause != null, "rejected before the upgrade: " + e);
    assertEquals(403, ((UpgradeRejectedException) cause).getStatus());
    WebSocketConnectOptions same =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(server.httpPort())
            .setURI("/chat/ws")
            .addHeader("Origin", "http://127.0.0.1:" + server.httpPort());
    try (WsClient ok = WsClient.connect(clientVertx, same)) {
      ok.send(new JsonObject().put("type", "hello").put("nick", "same"));
      ok.expect("welcome");
    }
    WebSocketConnectOptions listed =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(server.httpPort())
            .setURI("/chat/ws")
            .addHeader("Origin", "https://chat.example.org");
    try (WsClient ok = WsClient.connect(clientVertx, listed)) {
      ok.send(new JsonObject().put("type", "hello").put("nick", "listed"));
      ok.expect("welcome");
    }
  }

  @Test
  void operatorsKickBanAndMuteAndWrongPasswordsAreLimited(@TempDir Path data) throws Exception {
    JsonObject config =
        new JsonObject()
            .put("operatorPassword", "s3cret")
            .put("dataDir", data.toString())
            .put("accounts", new JsonObject().put("hashIterations", 100_000));
    server = TestServer.start(config);
    try (LineClient op = LineClient.login(server.telnetPort(), "op");
        WsClient troll = WsClient.login(clientVertx, server.httpPort(), "troll");
        LineClient guesser = LineClient.login(server.telnetPort(), "guesser")) {
      op.send("/kick troll");
      op.expectContaining("for operators");
      // the operator password counts only for an account (it makes the first admin)
      guesser.send("/register guesser-password");
      guesser.expectContaining("is registered to you");
      for (int i = 0; i < 3; i++) {
        guesser.send("/op wrong" + i);
        guesser.expectContaining("wrong operator password");
      }
      guesser.send("/op s3cret");
      guesser.expectContaining("too many wrong passwords");

      op.send("/register op-password");
      op.expectContaining("is registered to you");
      op.send("/op s3cret");
      op.expectContaining("You are now an admin");
      op.send("/mute troll 1h");
      op.expectContaining("Done: mute troll");
      troll.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("muted"),
          "mute notice");
      troll.say("can I talk?");
      assertEquals("muted", troll.expect("error").getString("code"));
      op.send("/mute troll 0");
      troll.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("talk again"),
          "unmute");

      op.send("/kick troll enough");
      JsonObject bye = troll.expect("bye");
      assertTrue(bye.getString("reason").contains("kicked by op: enough"), bye.encode());
      troll.expectClosed();
      op.expectContaining("troll has left #lobby");
    }
    // a ban by address holds across a restart
    try (LineClient op = new LineClient(server.telnetPort())) {
      op.expectPrompt("Nickname:");
      op.send("op");
      op.expectPrompt("Password for op:");
      op.send("op-password");
      op.expectContaining("You are an admin");
      op.send("/ban 127.0.0.1 1h");
      op.expectContaining("Banned 127.0.0.1");
      op.expectClosed();
    }
    server.close();
    server = TestServer.start(config);
    try (LineClient banned = new LineClient(server.telnetPort())) {
      banned.expectContaining("you are banned");
      banned.expectClosed();
    }
    assertTrue(java.nio.file.Files.readString(data.resolve("bans.json")).contains("127.0.0.1"));
  }

  @Test
  void aMuteIsKeptPerNicknameSoReconnectingDoesNotLiftIt() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put("operatorPassword", "s3cret")
                .put("accounts", new JsonObject().put("hashIterations", 100_000)));
    try (LineClient op = LineClient.firstAdmin(server.telnetPort(), "op", "s3cret")) {
      try (WsClient troll = WsClient.login(clientVertx, server.httpPort(), "troll")) {
        op.send("/mute troll 1h");
        op.expectContaining("Done: mute troll");
        troll.expect(
            f ->
                "notice".equals(f.getString("type"))
                    && f.getString("text").contains("You are muted by op for"),
            "mute notice");
      }
      op.expectContaining("troll has left #lobby");

      try (LineClient again = LineClient.login(server.telnetPort(), "Troll")) {
        again.send("I am back, with a new connection");
        again.expectContaining("you are muted for another");
        again.send("/nick notatroll");
        again.expectContaining("while muted");

        op.send("/mute troll 0");
        op.expectContaining("Done: unmute troll");
        again.expectContaining("You may talk again.");
        again.send("thank you");
        op.expectContaining("thank you");
        op.send("/mute troll 0");
        op.expectContaining("troll was not muted");

        op.send("/unban 10.9.9.9");
        op.expectContaining("No ban on 10.9.9.9");
        // a ban by nickname: the user's node knows the address (here everyone's, 127.0.0.1)
        op.send("/ban troll 1m");
        again.expectContaining("banned by op");
        again.expectClosed();
      }
    }
    try (LineClient refused = new LineClient(server.telnetPort())) {
      refused.expectContaining("you are banned");
      refused.expectClosed();
    }
  }

  @Test
  void randomJunkNeverBreaksTheServerOrReachesAUserAsAnError() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put("flood", new JsonObject().put("burst", 100000).put("ratePerSecond", 100000))
                .put("limits", new JsonObject().put("maxConnectionsPerIp", 10000)));
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(clientVertx, server.httpPort(), "bob")) {
      Random random = new Random(7);
      for (int i = 0; i < 300; i++) {
        try (Socket junk = new Socket("127.0.0.1", server.telnetPort())) {
          byte[] bytes = new byte[1 + random.nextInt(3000)];
          random.nextBytes(bytes);
          if (i % 3 == 0) {
            bytes[0] = 'j';
            bytes[1 % bytes.length] = '\n';
          }
          junk.getOutputStream().write(bytes);
          junk.getOutputStream().flush();
        } catch (java.io.IOException closedByServer) {
          // fine: random bytes may say "quit" (Ctrl-D in character mode) or overflow a limit
        }
        if (i % 50 == 0) {
          alice.send("still chatting " + i);
          bob.expectMessage("still chatting " + i);
        }
      }
      try (WsClient junk = WsClient.connect(clientVertx, server.httpPort())) {
        junk.sendText("{\"type\":");
        junk.sendText("[1,2,3]");
        junk.sendText("null");
        junk.sendText("{\"type\":\"hello\",\"nick\":{\"a\":1}}");
        junk.sendText("{\"type\":\"say\",\"text\":\"x\"}");
        junk.send(
            new JsonObject().put("type", "hello").put("nick", "junk").put("since", "yesterday"));
        junk.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "junk")
                .put("since", new JsonObject().put("bad room!", 1)));
        for (int i = 0; i < 7; i++) {
          JsonObject err = junk.expect("error");
          assertFalse(err.getString("message").contains("Exception"), err.encode());
        }
      }
      // an oversized frame closes that socket only
      try (WsClient big = WsClient.connect(clientVertx, server.httpPort())) {
        try {
          big.sendText("{\"type\":\"say\",\"text\":\"" + "x".repeat(100_000) + "\"}");
        } catch (Exception closedWhileWriting) {
          // the server closes an over-limit frame's connection (1009), possibly before it is all
          // written
        }
        big.expectClosed();
      }
      alice.send("after the junk");
      bob.expectMessage("after the junk");
      assertTrue(alice.seen().stream().noneMatch(l -> l.contains("Exception")));
    }
  }
}

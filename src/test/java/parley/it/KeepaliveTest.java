package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.telnet.TelnetClient;
import org.apache.commons.net.telnet.TelnetNotificationHandler;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Clients that are still there are never dropped for being quiet: with a 3 s deadline (probes every
 * second) a commons-net telnet client (it answers each {@code DO TIMING-MARK} with {@code WONT}), a
 * Vert.x WebSocket client (it answers pings with pongs, as browsers do) and a raw TCP client that
 * never speaks telnet (only TCP keepalive, answered by its kernel, covers it) keep their sessions
 * through many probe intervals; the raw client never gets a probe's IAC bytes. And the accepted
 * sockets carry the short TCP keepalive timers on every transport. Vanished clients are {@code
 * VanishIT}'s.
 */
class KeepaliveTest {
  private static final int SECONDS = 3;
  private static final int TM = 6;
  private static final byte[] IAC_DO_TM = {(byte) 255, (byte) 253, TM};

  /** Five deadlines, fifteen probe intervals. */
  private static final Duration QUIET = Duration.ofSeconds(5L * SECONDS);

  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("keepalive", new JsonObject().put("seconds", SECONDS)));

  @Test
  void quietClientsThatAnswerKeepTheirSessionsAndRawClientsGetNoIac() throws Exception {
    TelnetClient tina = new TelnetClient();
    AtomicInteger timingMarks = new AtomicInteger();
    tina.registerNotifHandler(
        (code, option) -> {
          if (code == TelnetNotificationHandler.RECEIVED_DO && option == TM) {
            timingMarks.incrementAndGet();
          }
        });
    tina.connect("127.0.0.1", server.telnetPort());
    ByteArrayOutputStream tinaSaw = new ByteArrayOutputStream();
    Thread tinaReader = drain(tina.getInputStream(), tinaSaw);
    try (Socket ray = new Socket("127.0.0.1", server.telnetPort());
        WsClient wendy = WsClient.login(server.clientVertx(), server.httpPort(), "wendy")) {
      ByteArrayOutputStream raySaw = new ByteArrayOutputStream();
      Thread rayReader = drain(ray.getInputStream(), raySaw);
      tina.getOutputStream().write("tina\r\n".getBytes(StandardCharsets.US_ASCII));
      tina.getOutputStream().flush();
      ray.getOutputStream().write("ray\n".getBytes(StandardCharsets.US_ASCII));
      Eventually.within(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertEquals(
                      3,
                      server.parley().service().localUsers(),
                      () -> "tina saw " + text(tinaSaw) + "\nray saw " + text(raySaw)));
      int greeting = indexOf(text(raySaw), "Welcome");

      // nobody says anything for five deadlines; everyone stays
      Awaitility.await()
          .during(QUIET)
          .atMost(QUIET.plusSeconds(5))
          .untilAsserted(
              () -> {
                assertEquals(
                    3,
                    server.parley().service().localUsers(),
                    () ->
                        "users; tina saw "
                            + text(tinaSaw)
                            + "\nray saw "
                            + text(raySaw)
                            + "\nwendy saw "
                            + wendy.unread());
                assertFalse(wendy.isClosed(), "wendy's websocket closed");
                assertTrue(
                    tinaReader.isAlive(), () -> "tina's connection closed: " + text(tinaSaw));
                assertTrue(rayReader.isAlive(), () -> "ray's connection closed: " + text(raySaw));
              });

      // probed all along: about one probe per quiet second
      assertTrue(timingMarks.get() >= 10, "TIMING-MARK probes to tina: " + timingMarks.get());
      assertTrue(wendy.pings() >= 10, "pings to wendy: " + wendy.pings());
      // the raw client got the greeting's negotiation only, no probe
      byte[] rayBytes = bytes(raySaw);
      assertEquals(-1, indexOf(rayBytes, IAC_DO_TM), "a probe reached the raw client");
      for (int i = greeting; i < rayBytes.length; i++) {
        assertTrue(rayBytes[i] != (byte) 255, "an IAC byte after the greeting, at " + i);
      }

      // and they still chat
      try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
        ray.getOutputStream().write("still here\n".getBytes(StandardCharsets.US_ASCII));
        bob.expectContaining("ray: still here");
        wendy.say("me too");
        bob.expectContaining("wendy: me too");
        tina.getOutputStream().write("and me\r\n".getBytes(StandardCharsets.US_ASCII));
        tina.getOutputStream().flush();
        bob.expectContaining("tina: and me");
      }
      assertFalse(text(tinaSaw).contains("connection lost"), text(tinaSaw));
      assertFalse(text(raySaw).contains("connection lost"), text(raySaw));
    } finally {
      tina.disconnect();
    }
  }

  /**
   * The accepted telnet socket's and WebSocket's keepalive timers run on the short idle time (the
   * kernel's default is 2 hours), whatever the transport.
   */
  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll", "nio"})
  void acceptedSocketsGetShortKeepaliveTimers(String transport) throws Exception {
    server.start(new JsonObject().put("transport", transport));
    try (Socket telnet = new Socket("127.0.0.1", server.telnetPort());
        WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
      assertKeepaliveWithin(transport + " telnet", telnet.getLocalPort());
      assertKeepaliveWithin(transport + " websocket", web.localPort());
    }
  }

  /** ss shows the server side's timer as timer:(keepalive,LEFT,PROBES). */
  private static void assertKeepaliveWithin(String what, int clientPort) {
    Pattern timer = Pattern.compile("timer:\\(keepalive,([0-9.]+)(ms|sec|min)");
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              String ss =
                  run("ss", "-tnoH", "state", "established", "dport", "=", ":" + clientPort);
              Matcher m = timer.matcher(ss);
              assertTrue(m.find(), what + ": no keepalive timer: " + ss);
              double left = Double.parseDouble(m.group(1));
              double seconds =
                  switch (m.group(2)) {
                    case "ms" -> left / 1000;
                    case "sec" -> left;
                    default -> left * 60;
                  };
              assertTrue(seconds <= SECONDS, what + ": keepalive in " + ss);
            });
  }

  private static Thread drain(InputStream in, ByteArrayOutputStream into) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[4096];
              try {
                for (int n; (n = in.read(buf)) > 0; ) {
                  synchronized (into) {
                    into.write(buf, 0, n);
                  }
                }
              } catch (IOException ignored) {
                // closed
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static byte[] bytes(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.toByteArray();
    }
  }

  private static String text(ByteArrayOutputStream b) {
    return new String(bytes(b), StandardCharsets.ISO_8859_1);
  }

  private static int indexOf(String s, String what) {
    int i = s.indexOf(what);
    assertTrue(i >= 0, "no \"" + what + "\" in " + s);
    return i;
  }

  private static int indexOf(byte[] data, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= data.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import parley.support.LineClient;
import parley.support.NetNamespaces;
import parley.support.NetNamespaces.Direction;
import parley.support.TestServer;
import parley.support.VanishingClients;
import parley.support.WsClient;

/**
 * Clients that vanish without a FIN or RST: a telnet client, a raw (nc-like) client and a WebSocket
 * client run in a network namespace ({@link VanishingClients}), log in, and then their link is
 * blackholed both ways. With {@code keepalive.seconds} of 6, the server must end all three sessions
 * as "connection lost" and free their nicknames within about that time, both while the room is busy
 * (data in flight to them: TCP retransmits, which keepalive does not cover) and while it is quiet
 * (nothing in flight: only probes and keepalive notice). A user in the root namespace watches the
 * leave notices and then takes the freed nicknames. Needs root: fails (does not skip) without.
 *
 * <p>{@code -Dvanish.seconds=60} runs it with the default deadline, to measure it.
 */
class VanishIT {
  private static final int SECONDS = Integer.getInteger("vanish.seconds", 6);

  /** Beyond the deadline: the probe timer's and the kernel's retransmit and keepalive rounding. */
  private static final Duration SLACK = Duration.ofSeconds(4);

  @Test
  void vanishedClientsAreNoticedInABusyAndAQuietRoom() throws Exception {
    try (NetNamespaces net = NetNamespaces.create(2);
        TestServer server =
            TestServer.start(
                new JsonObject()
                    .put("host", "0.0.0.0")
                    .put("keepalive", new JsonObject().put("seconds", SECONDS)))) {
      Vertx vertx = Vertx.vertx();
      try {
        Map<String, Long> busy = vanish(net, 1, server, true, vertx);
        Map<String, Long> quiet = vanish(net, 2, server, false, vertx);
        System.out.println(
            "VanishIT: keepalive.seconds "
                + SECONDS
                + "; ms from the cut to the nick's release, busy room "
                + busy
                + ", quiet room "
                + quiet);
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Starts the clients in namespace {@code ns}, cuts it off and waits for the three leave notices.
   *
   * @return ms from the cut to each leave notice, by nickname
   */
  private static Map<String, Long> vanish(
      NetNamespaces net, int ns, TestServer server, boolean busy, Vertx vertx) throws Exception {
    String host = net.bridgeAddress();
    List<String> nicks = List.of("tel" + ns, "raw" + ns, "web" + ns);
    AtomicBoolean talking = new AtomicBoolean(busy);
    Thread talker = null;
    Process clients = null;
    try (LineClient watcher = LineClient.login(host, server.telnetPort(), "watch" + ns)) {
      clients =
          net.exec(
                  ns,
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx64m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  VanishingClients.class.getName(),
                  host,
                  String.valueOf(server.telnetPort()),
                  String.valueOf(server.httpPort()),
                  nicks.get(0),
                  nicks.get(1),
                  nicks.get(2))
              .redirectErrorStream(true)
              .start();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertEquals("ready", first, "the clients in namespace " + ns + " did not log in");
      List<String> joining = new ArrayList<>(nicks);
      while (!joining.isEmpty()) {
        String line =
            watcher.expect(
                l -> joining.stream().anyMatch(n -> l.contains("* " + n + " (")),
                "a join notice of " + joining);
        joining.removeIf(n -> line.contains("* " + n + " ("));
      }
      if (busy) {
        // a line every 250 ms (within the flood limit): always something in flight to them
        talker =
            new Thread(
                () -> {
                  try (LineClient chatter = LineClient.login(host, server.telnetPort(), "chat")) {
                    for (int i = 0; talking.get(); i++) {
                      chatter.send("line " + i + " " + "x".repeat(200));
                      Thread.sleep(250);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        talker.start();
        watcher.expectContaining("chat: line 3 ");
      }

      net.cutOneWay(ns, Direction.TO_NODE);
      net.cutOneWay(ns, Direction.FROM_NODE);
      long cut = System.nanoTime();
      Map<String, Long> left = new LinkedHashMap<>();
      long within = Duration.ofSeconds(SECONDS).plus(SLACK).toMillis();
      List<String> pending = new ArrayList<>(nicks);
      while (!pending.isEmpty()) {
        String line = leaveNotice(watcher, pending, within);
        long ms = (System.nanoTime() - cut) / 1_000_000;
        String nick =
            pending.stream().filter(n -> line.contains("* " + n + " has left")).findAny().get();
        pending.remove(nick);
        left.put(nick, ms);
        assertTrue(line.endsWith("(connection lost)"), line);
        assertTrue(
            ms <= within,
            nick + " left " + ms + " ms after the cut; the deadline is " + SECONDS + " s");
      }

      // the nicknames are free: new users take them at once
      try (LineClient tel = LineClient.login(host, server.telnetPort(), nicks.get(0));
          LineClient raw = LineClient.login(host, server.telnetPort(), nicks.get(1));
          WsClient web = WsClient.login(vertx, host, server.httpPort(), nicks.get(2))) {
        tel.send("back");
        watcher.expectContaining(nicks.get(0) + ": back");
        web.say("back too");
        watcher.expectContaining(nicks.get(2) + ": back too");
      }
      return left;
    } finally {
      talking.set(false);
      if (talker != null) {
        talker.join(10_000);
      }
      if (clients != null) {
        clients.destroyForcibly();
        clients.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The next leave notice of one of {@code nicks}, waiting up to {@code withinMs}. */
  private static String leaveNotice(LineClient watcher, List<String> nicks, long withinMs)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMs);
    while (true) {
      try {
        return watcher.expect(
            l -> nicks.stream().anyMatch(n -> l.contains("* " + n + " has left")),
            "a leave notice of " + nicks);
      } catch (AssertionError e) { // LineClient waits 10 s at a time
        if (System.nanoTime() > end) {
          throw e;
        }
      }
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import parley.support.LineClient;
import parley.support.NetCluster;
import parley.support.NetNamespaces;
import parley.support.WsClient;

/**
 * The fault-test harness itself: three nodes from target/parley.jar, each a JVM in its own network
 * namespace, clients (telnet and web) in the root namespace. They chat across namespaces; node 3's
 * link is cut (a connect to it then fails quickly, nodes 1 and 2 keep serving) and healed (node 3
 * is reachable again and users on nodes 1 and 3 chat again); node 3 is isolated from the other
 * nodes while the test still reaches it, and rejoins; a client bound to the second host address
 * connects; at the end nothing of the run is left. It does not check what the cluster lost during
 * the cut: that is {@link ClusterFaultIT}'s job. Needs root: fails (does not skip) without.
 */
class NetNamespaceHarnessIT {
  /** A connect to a cut node must give up within this. */
  private static final Duration CONNECT = Duration.ofSeconds(2);

  /** The majority notices the cut (a new leader if it was node 3's): generous. */
  private static final Duration SERVED_AFTER_CUT = Duration.ofSeconds(45);

  /** Node 3 catches up and is writable again (a login on it needs that): generous. */
  private static final Duration CHAT_AFTER_HEAL = Duration.ofSeconds(60);

  @Test
  void nodesInNamespacesChatSurviveACutAndHealAndLeaveNothingBehind() throws Exception {
    String tag;
    long begin = System.nanoTime();
    try (NetCluster c = NetCluster.create(3)) {
      NetNamespaces net = c.net();
      tag = net.tag();
      c.startAll();
      log("cluster formed", begin);
      for (int i = 1; i <= 3; i++) { // the JVM itself (not a wrapper) runs in namespace i
        long pid = c.node(i).pid();
        assertEquals(net.namespace(i), NetNamespaces.namespaceOf(pid), "node " + i);
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).endsWith("java"));
        assertEquals(List.of(pid), net.pids(i), "node " + i);
      }

      Vertx vertx = Vertx.vertx();
      try (LineClient alice = c.telnet(1, "alice");
          WsClient bob = c.web(vertx, 2, "bob");
          LineClient carol = c.telnet(3, "carol")) {
        alice.send("hello from namespace 1");
        carol.expectContaining("alice: hello from namespace 1");
        bob.expectMessage("hello from namespace 1");
        carol.send("hello from namespace 3");
        alice.expectContaining("carol: hello from namespace 3");
        bob.say("hello from namespace 2");
        alice.expectContaining("bob: hello from namespace 2");
        carol.expectContaining("bob: hello from namespace 2");
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }

      net.cut(3);
      long cut = System.nanoTime();
      assertFalse(net.connects(3, NetCluster.TELNET_PORT, CONNECT), "node 3 reachable while cut");
      assertTrue(
          System.nanoTime() - cut < CONNECT.plusSeconds(1).toNanos(), "the connect gave up late");
      assertTrue(net.connects(1, NetCluster.TELNET_PORT, CONNECT), "node 1 does not accept");
      assertTrue(net.connects(2, NetCluster.TELNET_PORT, CONNECT), "node 2 does not accept");
      AtomicInteger attempt = new AtomicInteger();
      awaitChat(c, 1, 2, "during", attempt, SERVED_AFTER_CUT);
      log("users on nodes 1 and 2 chat, " + ms(cut) + " ms after the cut", begin);

      net.heal(3);
      long healed = System.nanoTime();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollDelay(Duration.ZERO)
          .until(() -> net.connects(3, NetCluster.TELNET_PORT, CONNECT));
      log("node 3 reachable " + ms(healed) + " ms after the heal", begin);
      awaitChat(c, 3, 1, "after", attempt, CHAT_AFTER_HEAL);
      log("users on nodes 3 and 1 chat, " + ms(healed) + " ms after the heal", begin);

      // isolate: the nodes lose each other, the test still reaches every one of them
      net.isolate(3);
      assertTrue(net.connects(3, NetCluster.TELNET_PORT, CONNECT), "the test lost node 3");
      assertFalse(reaches(net, 3, 1), "node 3 reaches node 1 while isolated");
      assertFalse(reaches(net, 2, 3), "node 2 reaches node 3 while isolated");
      assertTrue(reaches(net, 1, 2), "node 1 does not reach node 2");
      net.rejoin(3);
      assertTrue(reaches(net, 3, 1), "node 3 does not reach node 1 after rejoin");
      net.isolateOutgoing(3);
      assertFalse(reaches(net, 3, 2), "node 3 reaches node 2 with its outgoing traffic dropped");
      net.rejoin(3);
      assertTrue(reaches(net, 3, 2), "node 3 does not reach node 2 after rejoin");

      // a client can connect from the second host address
      String second = net.secondHostAddress();
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress(second, 0));
        s.connect(new InetSocketAddress(net.address(1), NetCluster.TELNET_PORT), 2000);
        assertEquals(second, s.getLocalAddress().getHostAddress());
      }
      log("isolate, rejoin and the second host address work", begin);

      // kill -9 and SIGTERM reach the JVMs in the namespaces
      long pid2 = c.node(2).pid();
      c.kill9(2);
      assertFalse(ProcessHandle.of(pid2).map(ProcessHandle::isAlive).orElse(false));
      assertEquals(List.of(), net.pids(2));
      int status = c.terminate(3);
      assertTrue(status == 143 || status == 0, "SIGTERM: node 3 exited with " + status);
      assertEquals(List.of(), net.pids(3));
    }
    assertEquals(List.of(), NetNamespaces.leftovers(tag), "left behind by run " + tag);
    log("done", begin);
  }

  /**
   * Retries until new users on nodes {@code a} and {@code b} (fresh nicknames each attempt) see
   * each other's message.
   */
  private static void awaitChat(
      NetCluster c, int a, int b, String when, AtomicInteger attempt, Duration within) {
    Awaitility.await()
        .atMost(within)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              int n = attempt.incrementAndGet();
              try (LineClient x = c.telnet(a, "x" + n);
                  LineClient y = c.telnet(b, "y" + n)) {
                x.send(when + " " + n + " from node " + a);
                y.expectContaining("x" + n + ": " + when + " " + n + " from node " + a);
                y.send(when + " " + n + " from node " + b);
                x.expectContaining("y" + n + ": " + when + " " + n + " from node " + b);
              }
            });
  }

  /**
   * Whether a TCP connection from namespace {@code from} to node {@code to}'s telnet port opens.
   */
  private static boolean reaches(NetNamespaces net, int from, int to) throws Exception {
    Process p =
        net.exec(
                from,
                "timeout",
                "3",
                "bash",
                "-c",
                "exec 3<>/dev/tcp/" + net.address(to) + "/" + NetCluster.TELNET_PORT)
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static void log(String what, long begin) {
    System.out.println("NetNamespaceHarnessIT: " + what + " (at " + ms(begin) + " ms)");
  }
}

package parley.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The namespace harness itself, with a TCP listener (a tiny JVM) inside a namespace: reachable from
 * the root namespace and from the other namespace; unreachable while cut (both ways, and each
 * one-way cut); reachable again after healing; nothing left after close. Needs root: fails (does
 * not skip) without.
 */
class NetNamespacesTest {
  private static final int PORT = 7000;
  private static final Duration QUICK = Duration.ofSeconds(1);

  /** {@code java -cp test-classes parley.support.NetNamespacesTest$Listener HOST PORT}. */
  public static final class Listener {
    private Listener() {}

    public static void main(String[] args) throws IOException {
      // bound to the namespace's address only, as Parley is
      try (ServerSocket server =
          new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getByName(args[0]))) {
        System.out.println("listening");
        System.out.flush();
        while (true) {
          try (Socket s = server.accept()) {
            s.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
          }
        }
      }
    }
  }

  @Test
  void cutHealOneWayAndCleanUp() throws Exception {
    String tag;
    try (NetNamespaces net = NetNamespaces.create(2)) {
      tag = net.tag();
      Process listener = null;
      try {
        assertEquals(
            5, net.leftovers().size(), "2 namespaces, 2 veths, 1 bridge: " + net.leftovers());

        Path classes =
            Path.of(
                NetNamespacesTest.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        listener =
            net.exec(
                    1,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx32m",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    classes.toString(),
                    Listener.class.getName(),
                    net.address(1),
                    String.valueOf(PORT))
                .redirectErrorStream(true)
                .start();
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("listening", out.readLine());
        // ip netns exec execs the command: the Process is the JVM itself, inside the namespace
        assertEquals(net.namespace(1), NetNamespaces.namespaceOf(listener.pid()));
        assertTrue(
            Files.readSymbolicLink(Path.of("/proc", String.valueOf(listener.pid()), "exe"))
                .endsWith("java"));
        assertEquals(List.of(listener.pid()), net.pids(1));

        assertTrue(net.connects(1, PORT, QUICK), "root namespace -> 1");
        assertTrue(fromNamespace2(net), "namespace 2 -> 1");

        net.cut(1);
        assertUnreachable(net);
        assertFalse(fromNamespace2(net), "namespace 2 -> 1 while 1 is cut");
        net.heal(1);
        awaitReachable(net);
        assertTrue(fromNamespace2(net), "namespace 2 -> 1 after heal");

        for (NetNamespaces.Direction d : NetNamespaces.Direction.values()) {
          net.cutOneWay(1, d);
          assertUnreachable(net);
          net.healOneWay(1);
          awaitReachable(net);
        }
      } finally {
        if (listener != null) {
          listener.destroyForcibly();
          listener.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
    assertEquals(List.of(), NetNamespaces.leftovers(tag));
  }

  private static void assertUnreachable(NetNamespaces net) {
    long start = System.nanoTime();
    assertFalse(net.connects(1, PORT, QUICK), "root namespace -> 1 while cut");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < QUICK.toMillis() + 1000, "a connect to a cut namespace took " + ms + " ms");
  }

  private static void awaitReachable(NetNamespaces net) {
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(() -> assertTrue(net.connects(1, PORT, QUICK), "root -> 1 after heal"));
  }

  /** A TCP connect from namespace 2 to namespace 1's listener (bash's /dev/tcp, 1 s at most). */
  private static boolean fromNamespace2(NetNamespaces net) throws Exception {
    Process p =
        net.exec(2, "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + net.address(1) + "/" + PORT)
            .redirectErrorStream(true)
            .start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return p.exitValue() == 0;
  }

  @Test
  void sweepRemovesWhatADeadRunLeft() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String ns = NetNamespaces.PREFIX + gone.pid() + "-dead00-1";
    Process add = new ProcessBuilder("ip", "netns", "add", ns).redirectErrorStream(true).start();
    assertEquals(0, add.waitFor(), new String(add.getInputStream().readAllBytes(), UTF8));
    try {
      assertEquals(List.of("netns " + ns), NetNamespaces.leftovers("dead00"));
      NetNamespaces.sweep();
      assertEquals(List.of(), NetNamespaces.leftovers("dead00"));
    } finally {
      new ProcessBuilder("ip", "netns", "del", ns).start().waitFor();
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
}

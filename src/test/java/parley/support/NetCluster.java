package parley.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * {@code n} Parley nodes from target/parley.jar, node {@code i} (1-based) in namespace {@code i} of
 * its own {@link NetNamespaces}: Hazelcast, the event bus, telnet and HTTP all bound to the
 * namespace's address, on the same ports in every namespace ({@link #HAZELCAST_PORT}, {@link
 * #TELNET_PORT}, {@link #HTTP_PORT}: each namespace has its own ports, so they never clash with
 * another run), and {@code cluster.members} lists every node's address. {@code cluster.raftPort} is
 * {@link #RAFT_PORT} and {@code cluster.voters} lists every node's {@code address:RAFT_PORT}. Every
 * node has the operator password {@link #OPERATOR_PASSWORD}. Each node has its own data directory,
 * kept across restarts. The test talks to the nodes from the root namespace through the bridge
 * ({@link #telnet}, {@link #web}, {@link #address}), and breaks links with {@link #net()}.
 *
 * <pre>{@code
 * try (NetCluster c = NetCluster.create(3)) {
 *   c.startAll();
 *   c.net().cut(3); ... c.net().heal(3);
 *   c.kill9(2); c.start(2);
 * }
 * }</pre>
 */
public final class NetCluster implements AutoCloseable {
  /** Small heaps and a quick JIT: three JVMs share two cores with everything else. */
  public static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  public static final int HAZELCAST_PORT = 5701;
  public static final int TELNET_PORT = 4000;
  public static final int HTTP_PORT = 8080;

  /** Every node's Raft port (each namespace has its own ports). */
  public static final int RAFT_PORT = 6701;

  /** {@code operatorPassword} of every node: {@code /op secret}. */
  public static final String OPERATOR_PASSWORD = "secret";

  private static final Pattern USERS = Pattern.compile("Users on the server \\((\\d+)\\):");

  private final NetNamespaces net;
  private final Path root;
  private final ParleyProcess[] nodes;

  private NetCluster(NetNamespaces net, Path root) {
    this.net = net;
    this.root = root;
    this.nodes = new ParleyProcess[net.size()];
  }

  /** Creates the namespaces and writes each node's configuration; starts no node. */
  public static NetCluster create(int n) throws IOException, InterruptedException {
    NetNamespaces net = NetNamespaces.create(n);
    try {
      NetCluster c = new NetCluster(net, Files.createTempDirectory("parley-netns-" + net.tag()));
      c.writeConfigs();
      return c;
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
  }

  private void writeConfigs() throws IOException {
    String members =
        IntStream.rangeClosed(1, nodes.length)
            .mapToObj(i -> "\"" + net.address(i) + ":" + HAZELCAST_PORT + "\"")
            .collect(Collectors.joining(", "));
    String voters =
        IntStream.rangeClosed(1, nodes.length)
            .mapToObj(i -> "\"" + net.address(i) + ":" + RAFT_PORT + "\"")
            .collect(Collectors.joining(", "));
    for (int i = 1; i <= nodes.length; i++) {
      Files.writeString(
          config(i),
          "{\"operatorPassword\": \""
              + OPERATOR_PASSWORD
              + "\", \"cluster\": {\"enabled\": true, \"name\": \"parley-netns-"
              + net.tag()
              + "\", \"host\": \""
              + net.address(i)
              + "\", \"port\": "
              + HAZELCAST_PORT
              + ", \"members\": ["
              + members
              + "], \"raftPort\": "
              + RAFT_PORT
              + ", \"voters\": ["
              + voters
              + "]}}");
    }
  }

  public NetNamespaces net() {
    return net;
  }

  public int size() {
    return nodes.length;
  }

  public Path config(int i) {
    return root.resolve("node" + i + ".json");
  }

  public Path dataDir(int i) {
    return root.resolve("data" + i);
  }

  /** Node {@code i}'s address (its namespace's), where its listeners are. */
  public String address(int i) {
    return net.address(i);
  }

  /** The running (or last started) process of node {@code i}; null if never started. */
  public ParleyProcess node(int i) {
    return nodes[i - 1];
  }

  /** Starts node {@code i} in its namespace without waiting (it must not be running). */
  public ParleyProcess launch(int i) throws IOException {
    ParleyProcess old = nodes[i - 1];
    if (old != null && old.isAlive()) {
      throw new IllegalStateException("node " + i + " is running (pid " + old.pid() + ")");
    }
    nodes[i - 1] =
        ParleyProcess.launchIn(
            net,
            i,
            JVM,
            "--config",
            config(i).toString(),
            "--host",
            net.address(i),
            "--telnet-port",
            String.valueOf(TELNET_PORT),
            "--http-port",
            String.valueOf(HTTP_PORT),
            "--data-dir",
            dataDir(i).toString(),
            "--cluster");
    return nodes[i - 1];
  }

  /** Starts node {@code i} and waits until it listens. */
  public ParleyProcess start(int i) throws IOException {
    launch(i).awaitPorts(Duration.ofMinutes(2));
    return nodes[i - 1];
  }

  /** Starts every node at once, waits until they listen and form one cluster. */
  public void startAll() throws Exception {
    for (int i = 1; i <= nodes.length; i++) {
      launch(i);
    }
    for (ParleyProcess p : nodes) {
      p.awaitPorts(Duration.ofSeconds(150));
    }
    awaitFormed(Duration.ofSeconds(90));
  }

  /**
   * A telnet user on each node; done when every node lists all of them in /who. Logins are retried
   * with new nicknames: a node refuses them until it reaches a majority of the voters.
   */
  public void awaitFormed(Duration within) throws Exception {
    AtomicInteger attempt = new AtomicInteger();
    String tag = net.tag().substring(0, 3);
    Awaitility.await()
        .atMost(within)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              int n = attempt.incrementAndGet();
              List<LineClient> probes = new ArrayList<>();
              try {
                for (int i = 1; i <= nodes.length; i++) {
                  probes.add(telnet(i, "probe" + i + "x" + tag + "a" + n));
                }
                for (int i = 1; i <= probes.size(); i++) {
                  int users = users(probes.get(i - 1));
                  assertTrue(
                      users >= nodes.length,
                      "node "
                          + i
                          + " sees "
                          + users
                          + " users, not the "
                          + nodes.length
                          + " probes");
                }
              } finally {
                for (LineClient c : probes) {
                  c.close();
                }
              }
            });
  }

  /** Whether node {@code i}'s process is running. */
  public boolean isAlive(int i) {
    return nodes[i - 1] != null && nodes[i - 1].isAlive();
  }

  /** The last lines node {@code i} printed (stdout, then stderr), for failure messages. */
  public String output(int i, int lastLines) {
    ParleyProcess p = nodes[i - 1];
    if (p == null) {
      return "node " + i + " never started";
    }
    List<String> all = new ArrayList<>(p.stdout());
    all.addAll(p.stderr());
    return "node "
        + i
        + ":\n  "
        + String.join("\n  ", all.subList(Math.max(0, all.size() - lastLines), all.size()));
  }

  /** How many users /who lists on that client's node. */
  private static int users(LineClient c) throws IOException, InterruptedException {
    c.send("/who");
    Matcher m = USERS.matcher(c.expect(l -> USERS.matcher(l).find(), "/who"));
    assertTrue(m.find());
    return Integer.parseInt(m.group(1));
  }

  /** A telnet user logged in on node {@code i}, connected from the root namespace. */
  public LineClient telnet(int i, String nick) throws IOException, InterruptedException {
    return LineClient.login(address(i), TELNET_PORT, nick);
  }

  /** A web (WebSocket) user logged in on node {@code i}, connected from the root namespace. */
  public WsClient web(Vertx vertx, int i, String nick) throws Exception {
    return WsClient.login(vertx, address(i), HTTP_PORT, nick);
  }

  /** kill -9 of node {@code i}'s JVM; returns when it is gone. */
  public void kill9(int i) throws InterruptedException {
    nodes[i - 1].kill9();
  }

  /** SIGTERM to node {@code i}, and waits for it to exit; returns its exit status. */
  public int terminate(int i) throws InterruptedException {
    nodes[i - 1].terminate();
    return nodes[i - 1].awaitExit(Duration.ofSeconds(60));
  }

  /** Kills every node, removes the namespaces and the data directories. */
  @Override
  public void close() throws Exception {
    Exception failure = null;
    for (ParleyProcess p : nodes) {
      if (p != null) {
        try {
          p.close();
        } catch (Exception | AssertionError e) {
          failure = failure == null ? new Exception("closing the cluster", e) : failure;
        }
      }
    }
    try {
      net.close();
    } catch (Exception e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    if (failure != null) {
      throw failure;
    }
  }
}

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a message costs when it crosses nodes: the latency from a telnet client sending a line to other telnet
 * clients receiving it, at the same load, on one node and on a three-voter Raft cluster.
 *
 * <p>Load: {@code clients} telnet clients in #lobby, half on node A and half on node B; {@code senders} of the
 * node-A clients each send {@code rate / senders} lines per second ({@code rate} lines/s in all), so every line
 * is delivered to every client. Latency is measured by the clients (this JVM's clock): sent-at is in the line.
 * <ul>
 *   <li>{@code single}: one Parley node (no cluster); "node A" and "node B" are the same node.</li>
 *   <li>{@code cluster}: three Parley nodes with {@code --cluster}, each a Raft voter ({@code --raft-port});
 *       node C has no clients. A message is committed by a majority (with fsync) and delivered by each node
 *       when it applies it, so receivers on A and on B both pay for the commit; which node is the Raft leader
 *       (printed) decides who applies first. Measuring starts once a probe message sent on A arrives on B.</li>
 * </ul>
 * Run from the project root after {@code ./mvnw -q -o -DskipTests package}:
 * <pre>
 *   java bench/cluster/CrossNodeLatency.java [clients=100] [rate=100] [seconds=30] [senders=10]
 * </pre>
 * It starts and stops the Parley processes itself ({@code target/parley.jar}, or the jar in {@code PARLEY_JAR};
 * 512 MB heap each, data in a temp dir; extra JVM flags in {@code PARLEY_JVM_FLAGS}). Each row also shows the
 * 1-minute load average before and after it, from /proc/loadavg.
 */
public class CrossNodeLatency {
  private static final Pattern PORT = Pattern.compile("(telnet|http): (\\d+)");
  private static final Pattern PROBE = Pattern.compile("lat (\\d+) (\\d+)");

  public static void main(String[] args) throws Exception {
    int clients = arg(args, 0, 100);
    int rate = arg(args, 1, 100);
    int seconds = arg(args, 2, 30);
    int senders = arg(args, 3, 10);
    Path dir = Files.createTempDirectory("parley-bench-cluster");
    System.out.printf("load: %d clients in one room (half on node A, half on node B), %d senders on node A, %d msgs/s in all, %d s measured%n",
        clients, senders, rate, seconds);
    System.out.println("node logs in " + dir);
    Path config = dir.resolve("bench.json");
    int base = 6100 + 20 * (int) (Math.random() * 100);
    int raftA = base + 10;
    int raftB = base + 11;
    int raftC = base + 12;
    Files.writeString(config, "{\"flood\": {\"burst\": 1000, \"ratePerSecond\": 1000, \"maxQueued\": 1000},"
        + " \"limits\": {\"maxConnectionsPerIp\": 100000},"
        + " \"cluster\": {\"name\": \"parley-bench-" + base + "\", \"port\": " + base
        + ", \"members\": [\"127.0.0.1:" + base + "\", \"127.0.0.1:" + (base + 1) + "\", \"127.0.0.1:" + (base + 2) + "\"]"
        + ", \"voters\": [\"127.0.0.1:" + raftA + "\", \"127.0.0.1:" + raftB + "\", \"127.0.0.1:" + raftC + "\"]}}");
    // Ratis logs role changes at INFO (logger RaftServer$Division): that is how the bench tells who the leader is
    Path logback = dir.resolve("logback.xml");
    Files.writeString(logback, "<configuration><appender name=\"E\" class=\"ch.qos.logback.core.ConsoleAppender\">"
        + "<target>System.err</target><encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>"
        + "</appender><logger name=\"io.netty\" level=\"WARN\"/><logger name=\"com.hazelcast\" level=\"WARN\"/>"
        + "<logger name=\"org.apache.ratis\" level=\"WARN\"/>"
        + "<logger name=\"org.apache.ratis.server.RaftServer$Division\" level=\"INFO\"/>"
        + "<logger name=\"io.vertx.core.eventbus.impl.MessageConsumerImpl\" level=\"ERROR\"/>"
        + "<root level=\"INFO\"><appender-ref ref=\"E\"/></root></configuration>");

    List<String> rows = new ArrayList<>();
    try (Node single = Node.start(config, logback, dir.resolve("single"), 0)) {
      String before = load();
      Result r = run(single, single, clients, senders, rate, seconds);
      rows.add(r.row("single node", r.all(), before + " -> " + load()));
    }
    System.out.println("(single node done; starting the 3-voter cluster)");
    try (Node a = Node.start(config, logback, dir.resolve("a"), raftA);
        Node b = Node.start(config, logback, dir.resolve("b"), raftB);
        Node c = Node.start(config, logback, dir.resolve("c"), raftC)) {
      awaitWritable(a, b, 120);
      String before = load();
      Result r = run(a, b, clients, senders, rate, seconds);
      String after = load();
      String leader = a.isLeader() ? "A (sender's node)" : b.isLeader() ? "B" : c.isLeader() ? "C (no clients)" : "unknown";
      rows.add(r.row("cluster, receiver on A", r.onA, before + " -> " + after));
      rows.add(r.row("cluster, receiver on B", r.onB, before + " -> " + after));
      rows.add("Raft leader during the cluster run: node " + leader
          + (a.leaderChanges() + b.leaderChanges() + c.leaderChanges() > 1 ? " (leadership changed during the run)" : ""));
    }
    System.out.println();
    System.out.printf("%-26s %8s %8s %8s %8s %8s %10s   %s%n", "row", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost",
        "samples", "load 1m before -> after");
    rows.forEach(System.out::println);
  }

  /** The 1-minute load average (Linux). */
  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  /**
   * Waits until the cluster takes writes and delivers on B: a probe logged in on A (nick claims are Raft
   * writes too, so logging in may fail while there is no majority) sends a line every 500 ms until a probe
   * client on B receives one.
   */
  static void awaitWritable(Node a, Node b, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long t0 = System.nanoTime();
    String tag = Long.toString(System.nanoTime() % 100000, 36);
    Client sender = null;
    Client listener = null;
    try {
      while (System.nanoTime() < deadline) {
        if (sender == null || !sender.tryLogin(3)) {
          if (sender != null) {
            sender.close();
          }
          sender = new Client(a.telnet, "probea" + tag);
          continue;
        }
        if (listener == null || !listener.tryLogin(3)) {
          if (listener != null) {
            listener.close();
          }
          listener = new Client(b.telnet, "probeb" + tag);
          continue;
        }
        sender.send("probe-" + tag);
        Thread.sleep(500);
        if (listener.sawProbe) {
          System.out.printf("cluster takes writes and delivers A -> B after %.1f s%n", (System.nanoTime() - t0) / 1e9);
          return;
        }
      }
      throw new IllegalStateException("the cluster did not take writes within " + seconds + " s; A: " + tail(a.err())
          + " B: " + tail(b.err()));
    } finally {
      if (sender != null) {
        sender.close();
      }
      if (listener != null) {
        listener.close();
      }
    }
  }

  static List<String> tail(List<String> l) {
    return l.subList(Math.max(0, l.size() - 10), l.size());
  }

  private static int arg(String[] args, int i, int def) {
    return args.length > i ? Integer.parseInt(args[i]) : def;
  }

  record Result(long[] onA, long[] onB, long expected, long received) {
    long[] all() {
      long[] all = Arrays.copyOf(onA, onA.length + onB.length);
      System.arraycopy(onB, 0, all, onA.length, onB.length);
      return all;
    }

    /** Lost counts both sides' missing deliveries (a row per side shares it). */
    String row(String what, long[] lat, String load) {
      Arrays.sort(lat);
      return String.format("%-26s %8.2f %8.2f %8.2f %8.2f %8d %10d   %s", what, pct(lat, 50), pct(lat, 90), pct(lat, 99),
          lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6, Math.max(0, expected - received), lat.length, load);
    }

    static double pct(long[] sorted, double p) {
      if (sorted.length == 0) {
        return 0;
      }
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] / 1e6;
    }
  }

  static Result run(Node a, Node b, int clients, int senders, int rate, int seconds) throws Exception {
    List<Client> onA = new ArrayList<>();
    List<Client> onB = new ArrayList<>();
    String tag = Long.toString(System.nanoTime() % 100000, 36);
    // in batches of 10: on the cluster every login is two Raft writes (nick claim, room join), and a burst of
    // 100 logins at once ran into the 3 s write timeout on this loaded machine (the client then retries the nick)
    List<Client> batch = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      boolean nodeA = i % 2 == 0;
      Client c = new Client(nodeA ? a.telnet : b.telnet, (nodeA ? "a" : "b") + tag + i);
      (nodeA ? onA : onB).add(c);
      batch.add(c);
      if (batch.size() == 10 || i == clients - 1) {
        for (Client x : batch) {
          x.awaitLogin();
        }
        batch.clear();
      }
    }
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    long periodNanos = 1_000_000_000L * senders / rate;
    AtomicLong sent = new AtomicLong();
    int warmup = 5;
    long measureFrom = System.nanoTime() + warmup * 1_000_000_000L;
    long measureTo = measureFrom + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(senders);
    for (int s = 0; s < senders; s++) {
      Client sender = onA.get(s);
      long offset = periodNanos * s / senders;
      timer.scheduleAtFixedRate(new Runnable() {
        @Override
        public void run() {
          long now = System.nanoTime();
          if (now > measureTo) {
            done.countDown();
            throw new RuntimeException("finished"); // cancels this schedule
          }
          if (now >= measureFrom) {
            sent.incrementAndGet();
          }
          sender.send("lat " + now + " " + (now >= measureFrom ? 1 : 0));
        }
      }, offset, periodNanos, TimeUnit.NANOSECONDS);
    }
    done.await(seconds + warmup + 30, TimeUnit.SECONDS);
    Thread.sleep(2000); // the last lines arrive
    timer.shutdownNow();
    long received = 0;
    List<Long> la = new ArrayList<>();
    List<Long> lb = new ArrayList<>();
    for (Client c : onA) {
      received += c.collect(la);
    }
    for (Client c : onB) {
      received += c.collect(lb);
    }
    for (Client c : onA) {
      c.close();
    }
    for (Client c : onB) {
      c.close();
    }
    return new Result(la.stream().mapToLong(Long::longValue).toArray(), lb.stream().mapToLong(Long::longValue).toArray(),
        sent.get() * (clients - 1), received); // a sender does not count its own echo
  }

  /** A telnet client that answers no negotiation (like nc) and records the latency of every probe line. */
  static final class Client {
    private final Socket socket;
    private final OutputStream out;
    private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    private final CountDownLatch loggedIn = new CountDownLatch(1);
    private final String nick;
    volatile boolean sawProbe;

    Client(int port, String nick) throws IOException {
      this.nick = nick;
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      Thread t = new Thread(this::read, "client-" + nick);
      t.setDaemon(true);
      t.start();
    }

    void awaitLogin() throws InterruptedException {
      if (!loggedIn.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(nick + " did not get in");
      }
    }

    boolean tryLogin(int seconds) throws InterruptedException {
      return loggedIn.await(seconds, TimeUnit.SECONDS);
    }

    synchronized void send(String line) {
      try {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new RuntimeException(nick + ": " + e, e);
      }
    }

    private void read() {
      try (InputStream in = socket.getInputStream()) {
        byte[] buf = new byte[65536];
        StringBuilder line = new StringBuilder();
        int skip = 0;
        boolean sb = false;
        boolean nickSent = false;
        int n;
        while ((n = in.read(buf)) > 0) {
          long now = System.nanoTime();
          for (int i = 0; i < n; i++) {
            int b = buf[i] & 0xff;
            if (skip > 0) {
              skip--;
              if (b == 250) {
                sb = true;
                skip = 0;
              }
              continue;
            }
            if (sb) {
              sb = b != 240;
              continue;
            }
            if (b == 255) {
              skip = 2;
              continue;
            }
            if (b == '\n') {
              String l = line.toString();
              line.setLength(0);
              nickSent = false; // a failed login prompts again: answer the next prompt
              if (l.contains("You are in #")) {
                loggedIn.countDown();
              }
              if (l.contains("probe-")) {
                sawProbe = true;
              }
              Matcher m = PROBE.matcher(l);
              if (m.find() && m.group(2).equals("1") && !l.contains(" " + nick + ": ")) { // not its own echo
                latencies.add(now - Long.parseLong(m.group(1)));
              }
            } else if (b != '\r') {
              line.append((char) b);
              if (!nickSent && loggedIn.getCount() > 0 && line.indexOf("Nickname:") >= 0) {
                nickSent = true;
                send(nick);
              }
            }
          }
        }
      } catch (IOException ignored) {
        // closed
      }
    }

    long collect(List<Long> into) {
      into.addAll(latencies);
      return latencies.size();
    }

    void close() throws IOException {
      socket.close();
    }
  }

  /** A Parley process. */
  static final class Node implements AutoCloseable {
    final Process process;
    final Path log;
    volatile int telnet = -1;

    private Node(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    /** The node's stderr (its log) so far. */
    List<String> err() {
      try {
        return Files.readAllLines(log);
      } catch (IOException e) {
        return List.of();
      }
    }

    static Node start(Path config, Path logback, Path data, int raftPort) throws Exception {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m", "-Dlogback.configurationFile=" + logback));
      String extra = System.getenv("PARLEY_JVM_FLAGS"); // e.g. -Dhazelcast.partition.count=31 to experiment
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      String jar = System.getenv().getOrDefault("PARLEY_JAR", "target/parley.jar");
      cmd.addAll(List.of("-jar", jar, "--config", config.toString(), "--host", "127.0.0.1",
          "--telnet-port", "0", "--http-port", "0", "--data-dir", data.toString()));
      if (raftPort > 0) {
        cmd.addAll(List.of("--cluster", "--raft-port", Integer.toString(raftPort)));
      }
      Path log = data.resolveSibling(data.getFileName() + ".log");
      Node node = new Node(new ProcessBuilder(cmd).redirectError(log.toFile()).start(), log);
      node.pump();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (node.telnet < 0) {
        if (!node.process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("parley did not start: " + node.err());
        }
        Thread.sleep(20);
      }
      return node;
    }

    private void pump() {
      Thread o = new Thread(() -> {
        try (var r = process.inputReader()) {
          String l;
          while ((l = r.readLine()) != null) {
            Matcher m = PORT.matcher(l);
            if (m.matches() && m.group(1).equals("telnet")) {
              telnet = Integer.parseInt(m.group(2));
            }
          }
        } catch (IOException ignored) {
          // ended
        }
      });
      o.setDaemon(true);
      o.start();
    }

    /** Whether Ratis last logged this node becoming leader (role changes are logged at INFO, see main). */
    boolean isLeader() {
      String last = null;
      for (String l : err()) {
        if (l.contains("changes role from")) {
          last = l;
        }
      }
      return last != null && last.contains(" to LEADER");
    }

    int leaderChanges() {
      return (int) err().stream().filter(l -> l.contains("changes role from") && l.contains(" to LEADER")).count();
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}

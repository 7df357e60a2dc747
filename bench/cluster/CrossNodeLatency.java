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
 * clients receiving it, at the same load, on one node and on a two-node cluster.
 *
 * <p>Load: {@code clients} telnet clients in #lobby, half on node A and half on node B; {@code senders} of the
 * node-A clients each send {@code rate / senders} lines per second ({@code rate} lines/s in all), so every line
 * is delivered to every client. Latency is measured by the clients (this JVM's clock): sent-at is in the line.
 * <ul>
 *   <li>{@code single}: one Parley node (no cluster); "node A" and "node B" are the same node.</li>
 *   <li>{@code cluster}: two Parley nodes with {@code --cluster}; receivers on B see cross-node latency,
 *       receivers on A same-node latency inside a cluster.</li>
 * </ul>
 * Run from the project root after {@code mvn -DskipTests package}:
 * <pre>
 *   java bench/cluster/CrossNodeLatency.java [clients=100] [rate=100] [seconds=30] [senders=10]
 * </pre>
 * It starts and stops the Parley processes itself (target/parley.jar, 512 MB heap each, data in a temp dir).
 */
public class CrossNodeLatency {
  private static final Pattern PORT = Pattern.compile("(telnet|http): (\\d+)");
  private static final Pattern PROBE = Pattern.compile("lat (\\d+) (\\d+)");

  public static void main(String[] args) throws Exception {
    int clients = arg(args, 0, 100);
    int rate = arg(args, 1, 100);
    int seconds = arg(args, 2, 30);
    int senders = arg(args, 3, 10);
    System.out.printf("load: %d clients in one room (half per node), %d senders on node A, %d msgs/s in all, %d s measured%n",
        clients, senders, rate, seconds);
    System.out.printf("%-30s %8s %8s %8s %8s %8s %10s%n", "", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost", "samples");
    Path dir = Files.createTempDirectory("parley-bench-cluster");
    Path config = dir.resolve("bench.json");
    int base = 6100 + 2 * (int) (Math.random() * 200);
    Files.writeString(config, "{\"flood\": {\"burst\": 1000, \"ratePerSecond\": 1000, \"maxQueued\": 1000},"
        + " \"limits\": {\"maxConnectionsPerIp\": 100000},"
        + " \"cluster\": {\"name\": \"parley-bench-" + base + "\", \"port\": " + base
        + ", \"members\": [\"127.0.0.1:" + base + "\", \"127.0.0.1:" + (base + 1) + "\"]}}");

    try (Node single = Node.start(config, dir.resolve("single"), false)) {
      Result r = run(single, single, clients, senders, rate, seconds);
      r.print("single node", r.onB);
    }
    try (Node a = Node.start(config, dir.resolve("a"), true); Node b = Node.start(config, dir.resolve("b"), true)) {
      a.awaitLine("joined the cluster", 60);
      b.awaitClusterOf(2, a, 60);
      Result r = run(a, b, clients, senders, rate, seconds);
      r.print("cluster, receiver on node B", r.onB);
      r.print("cluster, receiver on node A", r.onA);
    }
  }

  private static int arg(String[] args, int i, int def) {
    return args.length > i ? Integer.parseInt(args[i]) : def;
  }

  record Result(long[] onA, long[] onB, long expected, long received) {
    void print(String what, long[] lat) {
      Arrays.sort(lat);
      System.out.printf("%-30s %8.2f %8.2f %8.2f %8.2f %8d %10d%n", what, pct(lat, 50), pct(lat, 90), pct(lat, 99),
          lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6, Math.max(0, expected - received), lat.length);
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
    for (int i = 0; i < clients; i++) {
      boolean nodeA = i % 2 == 0;
      Client c = new Client(nodeA ? a.telnet : b.telnet, (nodeA ? "a" : "b") + tag + i);
      (nodeA ? onA : onB).add(c);
    }
    for (Client c : onA) {
      c.awaitLogin();
    }
    for (Client c : onB) {
      c.awaitLogin();
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

    synchronized void send(String line) {
      try {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new RuntimeException(e);
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
              if (l.contains("You are in #")) {
                loggedIn.countDown();
              }
              Matcher m = PROBE.matcher(l);
              if (m.find() && m.group(2).equals("1") && !l.contains(" " + nick + ": ")) { // not its own echo
                latencies.add(now - Long.parseLong(m.group(1)));
              }
            } else if (b != '\r') {
              line.append((char) b);
              if (!nickSent && line.indexOf("Nickname:") >= 0) {
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
    final List<String> err = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile int telnet = -1;

    private Node(Process process) {
      this.process = process;
    }

    static Node start(Path config, Path data, boolean cluster) throws Exception {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m"));
      String extra = System.getenv("PARLEY_JVM_FLAGS"); // e.g. -Dhazelcast.partition.count=31 to experiment
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.addAll(List.of("-jar", "target/parley.jar", "--config", config.toString(), "--host", "127.0.0.1",
          "--telnet-port", "0", "--http-port", "0", "--data-dir", data.toString()));
      if (cluster) {
        cmd.add("--cluster");
      }
      Node node = new Node(new ProcessBuilder(cmd).start());
      node.pump();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (node.telnet < 0) {
        if (!node.process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("parley did not start: " + node.err);
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
      Thread e = new Thread(() -> {
        try (var r = process.errorReader()) {
          String l;
          while ((l = r.readLine()) != null) {
            err.add(l);
          }
        } catch (IOException ignored) {
          // ended
        }
      });
      o.setDaemon(true);
      e.setDaemon(true);
      o.start();
      e.start();
    }

    void awaitLine(String text, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (err.stream().noneMatch(l -> l.contains(text))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no \"" + text + "\" in " + err);
        }
        Thread.sleep(20);
      }
    }

    /** Waits until a user on this node is seen by /who on the other node. */
    void awaitClusterOf(int n, Node other, int seconds) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      String ping = "ping" + System.nanoTime() % 100000;
      Client probe = new Client(telnet, ping);
      probe.awaitLogin();
      try (Socket s = new Socket("127.0.0.1", other.telnet)) {
        s.setSoTimeout(1000);
        s.getOutputStream().write("asker\r\n".getBytes(StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
          s.getOutputStream().write("/who\r\n".getBytes(StandardCharsets.UTF_8));
          Thread.sleep(500);
          try {
            byte[] buf = new byte[65536];
            int r = s.getInputStream().read(buf);
            if (r > 0) {
              seen.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
            }
          } catch (java.net.SocketTimeoutException ignored) {
            // nothing yet
          }
          if (seen.indexOf(ping) >= 0) {
            probe.close();
            return;
          }
        }
      }
      throw new IllegalStateException("the nodes did not form a cluster of " + n);
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

package parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parley under test: {@code java <jvm flags> -jar target/parley.jar --config FILE --telnet-port 0
 * --http-port 0 --data-dir DIR}, run from the project root; ports are read from the "telnet: N" and
 * "http: N" lines it prints once listening. A fresh data dir per start, so no history carries over.
 */
final class ParleyServer implements ServerUnderTest {
  private static final Pattern PORT_LINE = Pattern.compile("^\\s*(telnet|http):\\s*(\\d+)\\s*$");

  private final ServerProcess proc;
  private volatile int telnetPort = -1;
  private volatile int httpPort = -1;
  private final String jvm;

  private ParleyServer(ServerProcess proc, String jvm) {
    this.proc = proc;
    this.jvm = jvm;
  }

  private ParleyServer(String jvm) {
    this.proc = null;
    this.jvm = jvm;
  }

  static ParleyServer start(Options o, String tag) throws IOException, InterruptedException {
    Path jar = o.parleyJar.toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          "Parley jar not found: " + jar + " (build it with mvn -q -DskipTests package)");
    }
    Path cfg = o.parleyConfig.toAbsolutePath().normalize();
    Path dir = o.workDir.toAbsolutePath().normalize().resolve("parley-" + tag);
    deleteTree(dir);
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(o.parleyJvm.trim().split("\\s+")));
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "--config",
            cfg.toString(),
            "--telnet-port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            data.toString()));
    CountDownLatch ready = new CountDownLatch(2);
    ParleyServer[] self = new ParleyServer[1];
    int[] ports = {-1, -1};
    ServerProcess sp =
        ServerProcess.start(
            cmd,
            o.projectRoot.toAbsolutePath().normalize(),
            dir.resolve("parley.log"),
            line -> {
              Matcher m = PORT_LINE.matcher(line);
              if (m.matches()) {
                int idx = m.group(1).equals("telnet") ? 0 : 1;
                if (ports[idx] < 0) {
                  ports[idx] = Integer.parseInt(m.group(2));
                  ready.countDown();
                }
              }
            });
    ParleyServer s = new ParleyServer(sp, o.parleyJvm);
    self[0] = s;
    long end = System.currentTimeMillis() + o.serverStartTimeoutSec * 1000;
    while (!ready.await(200, TimeUnit.MILLISECONDS)) {
      if (!sp.process.isAlive() || System.currentTimeMillis() > end) {
        sp.stop(2000);
        throw new IOException(
            "Parley did not print its ports (exit="
                + (sp.process.isAlive() ? "still running" : sp.process.exitValue())
                + "); log tail:\n"
                + ServerProcess.tail(sp.logFile, 30)
                + "\n"
                + ServerProcess.tail(sp.logFile.resolveSibling("parley.log.stderr"), 30));
      }
    }
    s.telnetPort = ports[0];
    s.httpPort = ports[1];
    return s;
  }

  @Override
  public String name() {
    return "parley";
  }

  @Override
  public long pid() {
    return proc.pid();
  }

  @Override
  public boolean supports(Proto p) {
    return p == Proto.TELNET || p == Proto.WS;
  }

  @Override
  public int port(Proto p) {
    return switch (p) {
      case TELNET -> telnetPort;
      case WS -> httpPort;
      default -> throw new IllegalArgumentException("Parley does not speak " + p);
    };
  }

  @Override
  public String describe() {
    return "parley.jar with JVM flags `" + jvm + "`";
  }

  @Override
  public void close() {
    proc.stop(15000);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

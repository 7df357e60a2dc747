package parley.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starting, watching and stopping one server process; its output goes to a log file. */
final class ServerProcess {
  private static final Logger log = LoggerFactory.getLogger(ServerProcess.class);

  final Process process;
  final Path logFile;

  private ServerProcess(Process process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts {@code cmd} in {@code dir}. Stdout is copied line by line to {@code logFile} and also
   * given to {@code onLine}; stderr goes to the same file.
   */
  static ServerProcess start(List<String> cmd, Path dir, Path logFile, Consumer<String> onLine)
      throws IOException {
    Files.createDirectories(logFile.getParent());
    Path errFile = logFile.resolveSibling(logFile.getFileName() + ".stderr");
    log.info("starting: {} (in {}), log {}", String.join(" ", cmd), dir, logFile);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectError(errFile.toFile());
    Process p = pb.start();
    PrintWriter w = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  w.println(line);
                  if (onLine != null) {
                    onLine.accept(line);
                  }
                }
              } catch (IOException e) {
                // process gone
              } finally {
                w.close();
              }
            },
            "stdout-" + cmd.get(0));
    t.setDaemon(true);
    t.start();
    return new ServerProcess(p, logFile);
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  void stop(long graceMs) {
    if (!process.isAlive()) {
      log.warn("server process {} had already exited with {}", process.pid(), process.exitValue());
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
        log.warn("server {} did not stop in {} ms, killing", process.pid(), graceMs);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Polls a TCP connect to the port until it succeeds. */
  static boolean waitForPort(String host, int port, long timeoutMs, Process p)
      throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      if (p != null && !p.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 500);
        return true;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    return false;
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String tail(Path f, int lines) {
    try {
      List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(no log)";
    }
  }
}

package parley.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parley as a separate JVM process running target/parley.jar, as a user starts it. */
public final class ParleyProcess implements AutoCloseable {
  private static final Pattern PORT = Pattern.compile("(telnet|http): (\\d+)");

  private final Process process;

  /** Where clients reach it: loopback, or its namespace's address. */
  private final String host;

  /** Its network namespace when started by {@link #launchIn}, else null. */
  private final String namespace;

  private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
  private volatile int telnetPort = -1;
  private volatile int httpPort = -1;
  private final List<Thread> pumps = new ArrayList<>();

  private ParleyProcess(Process process, String host, String namespace) {
    this.process = process;
    this.host = host;
    this.namespace = namespace;
    pump(
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
        stdout,
        true);
    pump(
        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
        stderr,
        false);
  }

  public static Path jar() {
    return Path.of(System.getProperty("parley.jar", "target/parley.jar"));
  }

  /** Starts {@code java -jar parley.jar args...} without waiting. */
  public static ParleyProcess launch(String... args) throws IOException {
    return launch(List.of("-Xmx512m"), args);
  }

  /** Starts {@code java JVM-FLAGS... -jar parley.jar args...} without waiting. */
  public static ParleyProcess launch(List<String> jvmFlags, String... args) throws IOException {
    return new ParleyProcess(
        new ProcessBuilder(command(jvmFlags, args)).start(), "127.0.0.1", null);
  }

  /**
   * Starts {@code java -jar parley.jar args...} with these variables added to this JVM's
   * environment, without waiting.
   */
  public static ParleyProcess launchWithEnv(Map<String, String> env, String... args)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(List.of("-Xmx512m"), args));
    pb.environment().putAll(env);
    return new ParleyProcess(pb.start(), "127.0.0.1", null);
  }

  /**
   * Starts {@code java JVM-FLAGS... -jar parley.jar args...} inside network namespace {@code i} of
   * {@code net}, without waiting. Clients reach it at {@code net.address(i)}: pass that as {@code
   * --host} (see {@link NetCluster} for a whole cluster). {@link #pid()} is the JVM's own PID
   * ({@code ip netns exec} execs java).
   */
  public static ParleyProcess launchIn(
      NetNamespaces net, int i, List<String> jvmFlags, String... args) throws IOException {
    ProcessBuilder pb = net.exec(i, command(jvmFlags, args));
    return new ParleyProcess(pb.start(), net.address(i), net.namespace(i));
  }

  private static List<String> command(List<String> jvmFlags, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.add("-jar");
    cmd.add(jar().toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts it and waits until both listeners are up. */
  /**
   * A node on 127.0.0.1 with free telnet and HTTP ports, keeping its history in {@code dataDir}.
   */
  public static ParleyProcess startLocal(Path dataDir) throws Exception {
    return start(
        "--host",
        "127.0.0.1",
        "--telnet-port",
        "0",
        "--http-port",
        "0",
        "--data-dir",
        dataDir.toString());
  }

  public static ParleyProcess start(String... args) throws Exception {
    ParleyProcess p = launch(args);
    p.awaitPorts(Duration.ofSeconds(60));
    return p;
  }

  private void pump(BufferedReader in, List<String> into, boolean ports) {
    Thread t =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = in.readLine()) != null) {
                  into.add(line);
                  Matcher m = PORT.matcher(line);
                  if (ports && m.matches()) {
                    if (m.group(1).equals("telnet")) {
                      telnetPort = Integer.parseInt(m.group(2));
                    } else {
                      httpPort = Integer.parseInt(m.group(2));
                    }
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    t.setDaemon(true);
    t.start();
    pumps.add(t);
  }

  public void awaitPorts(Duration timeout) {
    Eventually.within(timeout)
        .failFast(
            "parley ended before printing its ports",
            () ->
                assertTrue(
                    process.isAlive(),
                    () ->
                        "exit " + process.exitValue() + "; stdout " + stdout + " stderr " + stderr))
        .untilAsserted(
            () ->
                assertTrue(
                    telnetPort >= 0 && httpPort >= 0,
                    () ->
                        "parley did not print its ports; stdout " + stdout + " stderr " + stderr));
  }

  /** The address its listeners are reached at from this JVM. */
  public String host() {
    return host;
  }

  /** Its network namespace, or null when it runs in this JVM's. */
  public String namespace() {
    return namespace;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int telnetPort() {
    return telnetPort;
  }

  public int httpPort() {
    return httpPort;
  }

  public long pid() {
    return process.pid();
  }

  public List<String> stdout() {
    return List.copyOf(stdout);
  }

  public List<String> stderr() {
    return List.copyOf(stderr);
  }

  /** Waits for the process to end; returns its exit status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("parley still running after " + timeout);
    }
    for (Thread pump : pumps) { // the pumps read the last lines, up to the end of the pipes
      pump.join(TimeUnit.SECONDS.toMillis(10));
    }
    return process.exitValue();
  }

  /** kill -9 (of the JVM and anything it started). */
  public void kill9() throws InterruptedException {
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("parley (pid " + process.pid() + ") still alive after kill -9");
    }
  }

  /** SIGHUP, as {@code systemctl reload} sends it. */
  public void hangUp() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP");
  }

  /** SIGTERM, as a service manager stops it. */
  public void terminate() {
    process.toHandle().destroy();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill9();
    }
  }
}

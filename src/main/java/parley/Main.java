package parley;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.cluster.Clustering;
import parley.config.ConfigException;
import parley.config.ParleyConfig;
import sun.misc.Signal;

/**
 * {@code java -jar parley.jar [--config FILE] [--host H] [--telnet-port N] [--http-port N]
 * [--data-dir DIR] [--cluster] [--raft-port N] [--tls-self-signed] [--witness]}. Prints {@code
 * telnet: PORT} and {@code http: PORT} once both listeners are up; with {@code --witness}, runs
 * only the cluster's Raft voter ({@link Witness}) and prints {@code witness: raft HOST:PORT (voter
 * ID)}. A bad flag or config value is one line on stderr and exit status 2. Every setting can also
 * come from a {@code PARLEY_*} environment variable (README.md, Configuration). {@code --version}
 * prints the version; {@code --check-config} checks the configuration and what start-up would check
 * of it, then exits. SIGHUP re-reads the TLS certificate files.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  static final String USAGE =
      "usage: java -jar parley.jar [--config FILE] [--host H] [--telnet-port N] "
          + "[--http-port N] [--data-dir DIR] [--cluster] [--raft-port N] [--tls-self-signed] "
          + "[--witness] [--check-config] [--version] [--help]; "
          + "settings also from PARLEY_* environment variables (README.md, Configuration)";

  private Main() {}

  public static void main(String[] args) {
    if (List.of(args).contains("--version")) {
      System.out.println("parley " + version());
      return;
    }
    ParleyConfig config;
    try {
      config = configure(args, System.getenv());
      if (config != null && List.of(args).contains("--check-config")) {
        checkStartup(config);
        System.out.println("config OK");
        return;
      }
    } catch (ConfigException e) {
      System.err.println("parley: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config == null) {
      System.out.println(USAGE);
      return;
    }
    if (List.of(args).contains("--witness")) {
      witness(config);
      return;
    }
    Logging.useDataDir(config.dataDir());
    Parley parley;
    try {
      parley = Parley.start(config).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // a wrapper of await's, or the failure itself (whose message already says what failed)
      boolean wrapper =
          e instanceof java.util.concurrent.ExecutionException
              || e instanceof java.util.concurrent.CompletionException;
      Throwable cause = wrapper && e.getCause() != null ? e.getCause() : e;
      String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      int nl = message.indexOf('\n');
      System.err.println(
          "parley: could not start: " + (nl < 0 ? message : message.substring(0, nl)).strip());
      System.exit(1);
      return;
    }
    System.out.println("telnet: " + parley.telnetPort());
    System.out.println("http: " + parley.httpPort());
    if (parley.telnetTlsPort() >= 0) {
      System.out.println("telnet-tls: " + parley.telnetTlsPort());
    }
    if (parley.metricsPort() >= 0) {
      System.out.println("metrics: " + parley.metricsPort());
    }
    System.out.flush();
    try {
      Signal.handle(new Signal("HUP"), signal -> parley.reloadCertificates());
    } catch (IllegalArgumentException e) { // e.g. java -Xrs
      LOG.warn("SIGHUP can't reload the TLS certificate here: {}", e.getMessage());
    }
    // the drain (shutdown.drainMs), then: stop accepting, tell everyone, flush the history journal:
    // within 5 s (a cluster node also leaves the cluster, which can take longer)
    long stopWaitMs = config.ops().drainMs() + (config.cluster().enabled() ? 20_000 : 5_000);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    parley.stop().await(stopWaitMs, TimeUnit.MILLISECONDS);
                  } catch (Exception ignored) {
                    // exiting anyway
                  }
                },
                "parley-shutdown"));
  }

  /** {@code --witness}: the Raft voter alone, until SIGTERM. */
  private static void witness(ParleyConfig config) {
    try {
      Witness.run(config);
    } catch (ConfigException e) {
      System.err.println("parley: " + e.getMessage());
      System.exit(2);
    } catch (IOException | RuntimeException e) {
      System.err.println(
          "parley: could not start: the cluster's Raft node could not start: "
              + Clustering.reason(e));
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The jar's version (its manifest's Implementation-Version). */
  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "(unknown version: not run from parley.jar)" : v;
  }

  /**
   * What start-up would find wrong with a valid configuration, found without starting: the network
   * transport, the data directory and the TLS certificate files. A {@link ConfigException} naming
   * the key.
   */
  static void checkStartup(ParleyConfig config) {
    try {
      Parley.transport(config.transport());
    } catch (IllegalStateException e) {
      throw new ConfigException(e.getMessage().lines().findFirst().orElse(""));
    }
    Path dir = config.dataDir().toAbsolutePath();
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    String problem =
        existing == null || !Files.isDirectory(existing)
            ? "is not a directory"
            : Files.isWritable(existing) ? null : "is not writable";
    if (problem != null) {
      throw new ConfigException(
          "dataDir "
              + dir
              + (dir.equals(existing) ? " " : " can't be created: " + existing + " ")
              + problem);
    }
    ParleyConfig.Tls tls = config.tls();
    if (tls.needsCertificate() && !tls.selfSigned()) {
      Vertx vertx = Vertx.vertx();
      try {
        Parley.certificate(vertx, tls);
      } finally {
        vertx.close();
      }
    }
  }

  /** Reads flags, the environment and the config file. Returns null for --help. */
  static ParleyConfig configure(String[] args, Map<String, String> env) {
    Path file = null;
    JsonObject overrides = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      switch (flag) {
        case "--help", "-h" -> {
          return null;
        }
        case "--config" -> file = Path.of(value(args, ++i, flag));
        case "--host" -> overrides.put("host", value(args, ++i, flag));
        case "--telnet-port" ->
            section(overrides, "telnet").put("port", port(value(args, ++i, flag), flag));
        case "--http-port" ->
            section(overrides, "http").put("port", port(value(args, ++i, flag), flag));
        case "--data-dir" -> overrides.put("dataDir", value(args, ++i, flag));
        case "--cluster" -> section(overrides, "cluster").put("enabled", true);
        case "--raft-port" ->
            section(overrides, "cluster").put("raftPort", port(value(args, ++i, flag), flag));
        case "--tls-self-signed" -> section(overrides, "tls").put("selfSigned", true);
        case "--witness" -> section(overrides, "cluster").put("enabled", true);
        case "--check-config" -> {
          // main checks the configuration and exits
        }
        default -> throw new ConfigException("unknown option " + flag + "; " + USAGE);
      }
    }
    JsonObject json;
    if (file != null) {
      json = ParleyConfig.readFile(file);
    } else if (Files.exists(Path.of("config.json"))) {
      json = ParleyConfig.readFile(Path.of("config.json"));
    } else {
      json = new JsonObject();
    }
    ParleyConfig config = ParleyConfig.read(json, overrides, env);
    if (config.cluster().enabled()) {
      Clustering.address(config.cluster().host());
    }
    return config;
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new ConfigException(flag + " needs a value; " + USAGE);
    }
    return args[i];
  }

  private static int port(String value, String flag) {
    try {
      int p = Integer.parseInt(value);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException(
        flag + " must be a port number from 0 to 65535 (got \"" + value + "\")");
  }

  private static JsonObject section(JsonObject json, String name) {
    JsonObject s = json.getJsonObject(name);
    if (s == null) {
      s = new JsonObject();
      json.put(name, s);
    }
    return s;
  }
}

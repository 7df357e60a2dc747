package parley;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import parley.cluster.Clustering;
import parley.config.ConfigException;
import parley.config.ParleyConfig;

/**
 * {@code java -jar parley.jar [--config FILE] [--host H] [--telnet-port N] [--http-port N]
 * [--data-dir DIR] [--cluster] [--raft-port N] [--tls-self-signed] [--witness]}. Prints {@code
 * telnet: PORT} and {@code http: PORT} once both listeners are up; with {@code --witness}, runs
 * only the cluster's Raft voter ({@link Witness}) and prints {@code witness: raft HOST:PORT (voter
 * ID)}. A bad flag or config value is one line on stderr and exit status 2.
 */
public final class Main {
  static final String USAGE =
      "usage: java -jar parley.jar [--config FILE] [--host H] [--telnet-port N] "
          + "[--http-port N] [--data-dir DIR] [--cluster] [--raft-port N] [--tls-self-signed] [--witness]";

  private Main() {}

  public static void main(String[] args) {
    ParleyConfig config;
    try {
      config = configure(args);
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

  /** Reads flags and the config file. Returns null for --help. */
  static ParleyConfig configure(String[] args) {
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
    json = json.mergeIn(overrides, true);
    ParleyConfig config = ParleyConfig.fromJson(json);
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

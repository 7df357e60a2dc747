package parley.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: runs the selected scenarios against Parley and ngircd (each scenario starts a fresh
 * server process), prints the results table and writes it as markdown.
 */
public final class BenchMain {
  private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    List<ResultRow> rows = new ArrayList<>();
    List<String> servers = new ArrayList<>();
    Scenarios sc = new Scenarios(o);
    long started = System.currentTimeMillis();
    for (String scenario : o.scenarios) {
      for (String target : o.targets) {
        try {
          runOne(o, sc, scenario, target, rows, servers);
        } catch (Exception e) {
          log.error("{} against {} failed", scenario, target, e);
          ResultRow r = ResultRow.of(scenario, target, null, "-");
          r.result = "ERROR: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
          rows.add(r);
        }
      }
    }
    String table = Report.text(rows);
    System.out.println();
    System.out.println(table);
    String md = markdown(o, rows, servers, (System.currentTimeMillis() - started) / 1000.0, args);
    Path out = o.out.toAbsolutePath().normalize();
    Files.createDirectories(out.getParent());
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println("results written to " + out);
    System.exit(0);
  }

  private static void runOne(
      Options o,
      Scenarios sc,
      String scenario,
      String target,
      List<ResultRow> rows,
      List<String> servers)
      throws Exception {
    switch (target) {
      case "parley" -> {
        switch (scenario) {
          case "ladder" -> {
            for (Proto p : o.parleyLadderProtos) {
              try (ServerUnderTest s = ParleyServer.start(o, "ladder-" + p.label())) {
                note(servers, s);
                rows.addAll(sc.ladder(s, p));
              }
            }
          }
          case "joinstorm" -> {
            try (ServerUnderTest s = ParleyServer.start(o, "joinstorm")) {
              note(servers, s);
              rows.add(sc.joinStorm(s, o.joinProtoParley));
            }
          }
          case "idle" -> {
            try (ServerUnderTest s = ParleyServer.start(o, "idle")) {
              note(servers, s);
              rows.addAll(sc.idle(s, Proto.TELNET));
            }
          }
          case "history" -> {
            try (ServerUnderTest s = ParleyServer.start(o, "history")) {
              note(servers, s);
              rows.addAll(sc.history(s));
            }
          }
          default -> throw new IllegalArgumentException(scenario);
        }
      }
      case "ngircd" -> {
        if (scenario.equals("history")) {
          ResultRow r =
              ResultRow.of("history replay", "ngircd", Proto.IRC, o.historyLines + " lines");
          r.result = "n/a: IRC servers keep no history";
          rows.add(r);
          return;
        }
        try (ServerUnderTest s = NgircdServer.start(o, scenario)) {
          note(servers, s);
          switch (scenario) {
            case "ladder" -> rows.addAll(sc.ladder(s, Proto.IRC));
            case "joinstorm" -> rows.add(sc.joinStorm(s, Proto.IRC));
            case "idle" -> rows.addAll(sc.idle(s, Proto.IRC));
            default -> throw new IllegalArgumentException(scenario);
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown target " + target);
    }
  }

  private static void note(List<String> servers, ServerUnderTest s) {
    String d = s.name() + ": " + s.describe();
    if (!servers.contains(d)) {
      servers.add(d);
    }
  }

  private static String markdown(
      Options o, List<ResultRow> rows, List<String> servers, double secs, String[] args) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Parley vs ngircd: benchmark results\n\n");
    sb.append("- date: ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
        .append('\n');
    sb.append("- machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(memTotal())
        .append(", host ")
        .append(hostname())
        .append('\n');
    List<String> quoted = new ArrayList<>();
    for (String a : args) {
      quoted.add(a.isEmpty() || a.contains(" ") ? "\"" + a + "\"" : a);
    }
    sb.append("- command: `java -jar target/parley-bench.jar ")
        .append(String.join(" ", quoted))
        .append("`\n");
    sb.append("- load generator: JVM ")
        .append(System.getProperty("java.version"))
        .append(", ")
        .append(o.threads)
        .append(" event loop(s), flags `")
        .append(
            String.join(
                " ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()))
        .append("`\n");
    for (String s : servers) {
      sb.append("- ").append(s).append('\n');
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "- ladder: N=%d clients in one room, senders=%s, rates %s msgs/s, warm-up %s s, measure %s s, drain %s s, "
                + "payload %d bytes\n",
            o.clients,
            o.senders <= 0 ? "all" : String.valueOf(o.senders),
            o.rates,
            Scenarios.trim(o.warmupSec),
            Scenarios.trim(o.measureSec),
            Scenarios.trim(o.drainSec),
            o.payload));
    sb.append(
        String.format(
            Locale.ROOT,
            "- join storm: %d clients, window %d; idle: %d clients; history: %d lines\n",
            o.joinClients,
            o.joinWindow,
            o.idleClients,
            o.historyLines));
    sb.append(String.format(Locale.ROOT, "- total run time: %.0f s\n\n", secs));
    sb.append(Report.markdown(rows));
    sb.append(
        """

        How to read: delivered/s = chat lines from other users received by all clients during the
        measurement window, divided by its length; expected/s = lines sent in the window x (N-1) / window.
        loss = expected deliveries of lines sent in the window that never arrived (counted after the drain).
        Latencies are send-to-receive times of lines sent in the window (System.nanoTime, same process).
        dup = duplicate deliveries, ooo = out of order per sender, late = arrived during the drain.
        Join storm: latency columns are per-client connect-to-joined times. History: latency columns are
        nickname/hello-sent to last replayed line. See bench/README.md.
        """);
    return sb.toString();
  }

  private static String memTotal() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          long kb = Long.parseLong(l.replaceAll("\\D+", ""));
          return String.format(Locale.ROOT, "%.1f GiB RAM", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // ignore
    }
    return "? RAM";
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

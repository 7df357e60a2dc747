package parley.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options of the harness. Every option is {@code --name value} or {@code
 * --name=value}.
 */
final class Options {
  // what to run
  List<String> scenarios = new ArrayList<>(List.of("ladder", "joinstorm", "idle", "history"));
  List<String> targets = new ArrayList<>(List.of("parley", "ngircd"));
  List<Proto> parleyLadderProtos = new ArrayList<>(List.of(Proto.TELNET, Proto.WS));

  // fan-out ladder
  int clients = 1000;
  int senders = -1; // -1: all clients send
  List<Double> rates = new ArrayList<>(List.of(100.0, 300.0, 1000.0));
  double warmupSec = 5;
  double measureSec = 10;
  double drainSec = 5;
  double drainMaxSec = 30; // drain goes on past drainSec while lines still arrive
  int payload = 64; // length of the chat text in bytes (marker + padding)

  // join storm
  int joinClients = 15000;
  int joinWindow = 10; // max clients connecting/logging in at once (ngircd listen backlog is 10)
  Proto joinProtoParley = Proto.TELNET;
  long joinTimeoutSec = 600;

  // idle memory
  int idleClients = 1000;
  double idleSettleSec = 5;

  // history replay
  int historyLines = 1000;
  int historyRepeats = 5;

  // clients
  int threads = 1; // client event loops
  String clientIo = "epoll"; // client transport: epoll, io_uring or nio
  int window = 10; // connect window for ladder/idle
  int connectTimeoutMs = 60000;
  String room = "bench"; // IRC channel name (Parley uses its default room)
  String wsPath = "/chat/ws";

  /** Parley's line once the nickname is accepted and the room joined. */
  String telnetWelcome = "You are in #";

  String telnetReject = "(?i)already (in use|used|taken)|invalid nick|not allowed";
  String host = "127.0.0.1";

  // servers
  Path projectRoot = Path.of("..");
  Path parleyJar = null; // default <projectRoot>/target/parley.jar
  Path parleyConfig = Path.of("parley-bench.json");
  String parleyJvm = "-Xms512m -Xmx2g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError";
  String ngircd = "/usr/sbin/ngircd";
  Path workDir = Path.of("target/bench-work");
  Path out = Path.of("results/latest.md");
  long serverStartTimeoutSec = 90;

  static Options parse(String[] args) {
    Options o = new Options();
    Map<String, String> kv = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        String k = a.substring(2);
        String v;
        int eq = k.indexOf('=');
        if (eq >= 0) {
          v = k.substring(eq + 1);
          k = k.substring(0, eq);
        } else if (k.equals("help")) {
          v = "true";
        } else {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value for --" + k);
          }
          v = args[++i];
        }
        kv.put(k, v);
      } else {
        positional.add(a);
      }
    }
    if (kv.containsKey("help")) {
      System.out.println(usage());
      System.exit(0);
    }
    if (!positional.isEmpty()) {
      o.scenarios = new ArrayList<>();
      for (String p : positional) {
        if (p.equals("all")) {
          o.scenarios.addAll(List.of("ladder", "joinstorm", "idle", "history"));
        } else if (List.of("ladder", "joinstorm", "idle", "history").contains(p)) {
          o.scenarios.add(p);
        } else {
          throw new IllegalArgumentException("unknown scenario: " + p + "\n" + usage());
        }
      }
    }
    for (Map.Entry<String, String> e : kv.entrySet()) {
      String v = e.getValue();
      switch (e.getKey()) {
        case "targets" -> o.targets = new ArrayList<>(Arrays.asList(v.split(",")));
        case "parley-protos" -> {
          o.parleyLadderProtos = new ArrayList<>();
          for (String p : v.split(",")) {
            o.parleyLadderProtos.add(Proto.parse(p));
          }
        }
        case "clients" -> o.clients = Integer.parseInt(v);
        case "senders" -> o.senders = Integer.parseInt(v);
        case "rates" -> {
          o.rates = new ArrayList<>();
          for (String r : v.split(",")) {
            o.rates.add(Double.parseDouble(r));
          }
        }
        case "warmup" -> o.warmupSec = Double.parseDouble(v);
        case "measure" -> o.measureSec = Double.parseDouble(v);
        case "drain" -> o.drainSec = Double.parseDouble(v);
        case "drain-max" -> o.drainMaxSec = Double.parseDouble(v);
        case "payload" -> o.payload = Integer.parseInt(v);
        case "join-clients" -> o.joinClients = Integer.parseInt(v);
        case "join-window" -> o.joinWindow = Integer.parseInt(v);
        case "join-proto" -> o.joinProtoParley = Proto.parse(v);
        case "join-timeout" -> o.joinTimeoutSec = Long.parseLong(v);
        case "idle-clients" -> o.idleClients = Integer.parseInt(v);
        case "idle-settle" -> o.idleSettleSec = Double.parseDouble(v);
        case "history-lines" -> o.historyLines = Integer.parseInt(v);
        case "history-repeats" -> o.historyRepeats = Integer.parseInt(v);
        case "threads" -> o.threads = Integer.parseInt(v);
        case "client-io" -> {
          if (!List.of("epoll", "io_uring", "nio").contains(v)) {
            throw new IllegalArgumentException(
                "--client-io takes epoll, io_uring or nio, not " + v);
          }
          o.clientIo = v;
        }
        case "window" -> o.window = Integer.parseInt(v);
        case "connect-timeout-ms" -> o.connectTimeoutMs = Integer.parseInt(v);
        case "room" -> o.room = v;
        case "ws-path" -> o.wsPath = v;
        case "telnet-welcome" -> o.telnetWelcome = v;
        case "telnet-reject" -> o.telnetReject = v;
        case "project-root" -> o.projectRoot = Path.of(v);
        case "parley-jar" -> o.parleyJar = Path.of(v);
        case "parley-config" -> o.parleyConfig = Path.of(v);
        case "parley-jvm" -> o.parleyJvm = v;
        case "ngircd" -> o.ngircd = v;
        case "work-dir" -> o.workDir = Path.of(v);
        case "out" -> o.out = Path.of(v);
        case "server-start-timeout" -> o.serverStartTimeoutSec = Long.parseLong(v);
        default ->
            throw new IllegalArgumentException("unknown option --" + e.getKey() + "\n" + usage());
      }
    }
    if (o.parleyJar == null) {
      o.parleyJar = o.projectRoot.resolve("target/parley.jar");
    }
    return o;
  }

  int effectiveSenders(int joined) {
    int s = senders <= 0 ? joined : Math.min(senders, joined);
    return Math.max(1, s);
  }

  static String usage() {
    return """
        usage: java -jar parley-bench.jar [scenario...] [--option value ...]
          scenarios: ladder joinstorm idle history (default: all)
          --targets parley,ngircd      servers to run against
          --parley-protos telnet,ws    Parley transports for the ladder
          --clients 1000               ladder clients (all in one room)
          --senders N                  senders among them (default: all clients)
          --rates 100,300,1000         aggregate msgs/s, one rung each
          --warmup 5 --measure 10 --drain 5   seconds per rung
          --drain-max 30               keep draining while lines still arrive, up to this
          --payload 64                 chat text length in bytes
          --join-clients 15000 --join-window 10 --join-timeout 600 --join-proto telnet
          --idle-clients 1000 --idle-settle 5
          --history-lines 1000 --history-repeats 5
          --threads 1                  client event loops
          --client-io epoll            client transport: epoll, io_uring or nio
          --window 10                  connect window for ladder/idle clients
          --project-root ..  --parley-jar ../target/parley.jar  --parley-config parley-bench.json
          --parley-jvm "-Xms512m -Xmx2g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
          --ngircd /usr/sbin/ngircd    --work-dir target/bench-work   --out results/latest.md
          --telnet-welcome REGEX       line that marks a telnet login as done
        """;
  }
}

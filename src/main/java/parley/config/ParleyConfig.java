package parley.config;

import io.netty.util.NetUtil;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import parley.chat.Credentials;
import parley.chat.Nick;
import parley.chat.RoomName;

/**
 * Parley's whole configuration: defaults, the values read from {@code config.json}, and the checks
 * that turn a bad value into one clear line naming its key. See README.md, Configuration, for every
 * key.
 */
public record ParleyConfig(
    String host,
    int telnetPort,
    int httpPort,
    String room,
    Path dataDir,
    String motd,
    History history,
    Limits limits,
    Flood flood,
    Cluster cluster,
    Tls tls,
    Web web,
    String operatorPassword,
    int eventLoops,
    String transport,
    Proxy proxy,
    Http http,
    Keepalive keepalive,
    Ops ops,
    Accounts accounts) {

  /**
   * @param replay lines of history replayed on join
   * @param retain messages kept per room (memory and journal)
   * @param retainDays days kept per room, 0 for no age limit
   * @param fsync {@code always} or {@code batched}
   * @param fsyncDelayMs the bound on the batched fsync delay
   */
  public record History(int replay, int retain, int retainDays, String fsync, int fsyncDelayMs) {}

  public record Limits(
      int maxLineBytes,
      int nickLength,
      int roomNameLength,
      int maxConnections,
      int maxConnectionsPerIp,
      int idleTimeoutSeconds,
      int nickTimeoutSeconds,
      int maxRoomsPerSession,
      int outboxBytes,
      int slowConsumerGraceMs,
      int slowConsumerWindowMs,
      int wsMaxMessageBytes,
      int joinNoticeThreshold) {}

  /** Token bucket per connection: {@code burst} lines, refilled at {@code ratePerSecond}. */
  public record Flood(int burst, int ratePerSecond, int maxQueued) {}

  /**
   * @param name the Hazelcast cluster name: only nodes with the same name form a cluster
   * @param members {@code host:port} of the nodes to join over TCP-IP (Hazelcast: the event bus)
   * @param raftPort this node's Raft port; 0: the first of {@code voters} on {@code host} that this
   *     node's data dir remembers, or else the first one free
   * @param voters {@code host:port} of every voter's Raft port, the same list on every node: a
   *     write needs a majority of this list
   */
  public record Cluster(
      boolean enabled,
      String name,
      String host,
      int port,
      List<String> members,
      int raftPort,
      List<String> voters) {
    public Cluster {
      members = List.copyOf(members);
      voters = List.copyOf(voters);
    }
  }

  /**
   * @param telnetPort the telnet-over-TLS port; -1 when off
   */
  public record Tls(
      int telnetPort, boolean https, String certFile, String keyFile, boolean selfSigned) {
    public boolean needsCertificate() {
      return telnetPort >= 0 || https;
    }
  }

  public record Web(List<String> allowedOrigins) {}

  /**
   * Registered nicknames (docs/ACCOUNTS.md).
   *
   * @param hashIterations PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP: 600,000)
   * @param required whether every user needs an account: a nickname that is not registered is
   *     refused at login (it may be registered there), so there are no guests
   */
  public record Accounts(int hashIterations, boolean required) {}

  /**
   * @param trustedAddresses addresses and CIDR ranges of the proxies in front of Parley: only they
   *     may send a PROXY protocol header or an X-Forwarded-For header; empty: PROXY protocol off
   * @param headerTimeoutMs how long a trusted proxy's connection may take to send its header
   */
  public record Proxy(List<String> trustedAddresses, int headerTimeoutMs) {
    public Proxy {
      trustedAddresses = List.copyOf(trustedAddresses);
    }

    public boolean enabled() {
      return !trustedAddresses.isEmpty();
    }

    /** Why an entry is not an IP address or a CIDR range (address/prefix length), or null. */
    static String problem(String entry) {
      int slash = entry.indexOf('/');
      String ip = slash < 0 ? entry : entry.substring(0, slash);
      boolean v4 = NetUtil.isValidIpV4Address(ip);
      if (!v4 && !NetUtil.isValidIpV6Address(ip)) {
        return "it is not an IP address (names are not allowed)";
      }
      if (slash < 0) {
        return null;
      }
      int max = v4 ? 32 : 128;
      try {
        int bits = Integer.parseInt(entry.substring(slash + 1));
        if (bits >= 0 && bits <= max) {
          return null;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      return "the prefix length after / must be a number from 0 to " + max;
    }
  }

  /**
   * Deadlines of HTTP connections that are not WebSockets.
   *
   * @param headerTimeoutSeconds a new connection must have sent a whole request head within this
   *     time, or it is closed
   * @param idleTimeoutSeconds a kept-alive connection must have sent its next request head within
   *     this time after a response, or it is closed
   */
  public record Http(int headerTimeoutSeconds, int idleTimeoutSeconds) {}

  /**
   * How soon a client that vanished without closing its connection (lost signal, closed lid) is
   * noticed and its session ended as "connection lost".
   *
   * @param seconds the deadline: a connection with nothing heard from it for this long is ended;
   *     telnet TIMING-MARK and WebSocket ping probes go out after a third of it
   */
  public record Keepalive(int seconds) {
    /** The application-level probe interval: a third of the deadline. */
    public long probeIntervalMs() {
      return seconds * 1000L / 3;
    }

    public long deadlineMs() {
      return seconds * 1000L;
    }

    /**
     * TCP_USER_TIMEOUT: half the deadline. The kernel drops a connection whose sent data stays
     * unacknowledged this long, or (with keepalive) that answered nothing for this long; data sent
     * just before a quiet connection would have been dropped restarts that clock, so a client that
     * can't be probed (raw TCP) is noticed within twice this: the deadline.
     */
    public int tcpUserTimeoutMs() {
      return seconds * 500;
    }

    /** TCP keepalive: idle time before the first probe. */
    public int tcpIdleSeconds() {
      return Math.max(1, seconds / 6);
    }

    /** TCP keepalive: time between unanswered probes. */
    public int tcpIntervalSeconds() {
      return Math.max(1, seconds / 12);
    }

    /**
     * TCP keepalive: unanswered probes after which the kernel drops the connection, reached at
     * about the user timeout (which decides where the transport sets it).
     */
    public int tcpCount() {
      int rest = tcpUserTimeoutMs() / 1000 - tcpIdleSeconds();
      return Math.max(1, (rest + tcpIntervalSeconds() - 1) / tcpIntervalSeconds());
    }
  }

  /**
   * Monitoring and shutdown: {@code metrics.*} and {@code shutdown.drainMs}.
   *
   * @param metricsEnabled whether {@code /metrics} is served (and Vert.x's metrics collected)
   * @param metricsPort -1: {@code /metrics} is on the HTTP port, behind {@code metricsToken};
   *     otherwise its own listener at {@code metricsHost} (0: a free port)
   * @param metricsToken the bearer token a scrape must send; empty: none (only allowed on a port of
   *     its own)
   * @param drainMs how long a stopping node keeps serving with {@code /ready} down before it tells
   *     its users and closes its listeners
   */
  public record Ops(
      boolean metricsEnabled,
      String metricsHost,
      int metricsPort,
      String metricsToken,
      int drainMs) {}

  /** The configuration of {@code config.json}'s defaults, with nothing read. */
  public static ParleyConfig defaults() {
    return fromJson(new JsonObject());
  }

  /** Reads a config file. A missing file, bad JSON or a bad value is a {@link ConfigException}. */
  public static JsonObject readFile(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("config file " + file + " can't be read: " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException(
          "config file " + file + " is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /** The configuration of a config file's object alone. */
  public static ParleyConfig fromJson(JsonObject json) {
    return read(json, new JsonObject(), Map.of());
  }

  /**
   * The configuration from defaults, the config file's object, the environment's {@code PARLEY_*}
   * variables and the command-line flags' values (in the file's shape), each overriding the one
   * before (see {@link ConfigReader}).
   */
  public static ParleyConfig read(JsonObject file, JsonObject flags, Map<String, String> env) {
    ConfigReader r = new ConfigReader(file, flags, env);
    String host = r.string("host", "0.0.0.0");
    ConfigReader telnet = r.section("telnet");
    int telnetPort = telnet.integer("port", 4000, 0, 65535);
    telnet.rejectUnknown();
    ConfigReader http = r.section("http");
    int httpPort = http.integer("port", 8080, 0, 65535);
    Http httpTimeouts =
        new Http(
            http.integer("headerTimeoutSeconds", 10, 1, 3600),
            http.integer("idleTimeoutSeconds", 60, 1, 86_400));
    http.rejectUnknown();
    String room = RoomName.normalize(r.string("room", "lobby"));
    String roomProblem = RoomName.problem(room, RoomName.MAX_LENGTH);
    if (roomProblem != null) {
      throw r.invalid("room", "is not a usable room name: " + roomProblem);
    }
    String dataDir = r.string("dataDir", "data");
    if (dataDir.isBlank()) {
      throw r.invalid("dataDir", "must name a directory");
    }
    String motd = r.string("motd", "Welcome to Parley. Type /help for commands.");

    ConfigReader h = r.section("history");
    History history =
        new History(
            h.integer("replay", 100, 0, 100_000),
            h.integer("retain", 10_000, 1, 10_000_000),
            h.integer("retainDays", 30, 0, 36_500),
            h.oneOf("fsync", "batched", "always", "batched"),
            h.integer("fsyncDelayMs", 50, 1, 10_000));
    h.rejectUnknown();
    if (history.replay() > history.retain()) {
      throw h.invalid("replay", "can't be more than history.retain (" + history.retain() + ")");
    }

    ConfigReader l = r.section("limits");
    Limits limits =
        new Limits(
            l.integer("maxLineBytes", 2000, 64, 1_000_000),
            l.integer("nickLength", Nick.MAX_LENGTH, 1, Nick.MAX_LENGTH),
            l.integer("roomNameLength", RoomName.MAX_LENGTH, 1, RoomName.MAX_LENGTH),
            l.integer("maxConnections", 20_000, 1, 1_000_000),
            l.integer("maxConnectionsPerIp", 50, 1, 1_000_000),
            l.integer("idleTimeoutSeconds", 3600, 0, 31_536_000),
            l.integer("nickTimeoutSeconds", 60, 1, 3600),
            l.integer("maxRoomsPerSession", 20, 1, 1000),
            l.integer("outboxBytes", 256 * 1024, 4096, 64 * 1024 * 1024),
            l.integer("slowConsumerGraceMs", 2000, 0, 60_000),
            l.integer("slowConsumerWindowMs", 10_000, 1000, 600_000),
            l.integer("wsMaxMessageBytes", 16 * 1024, 256, 1 << 24),
            l.integer("joinNoticeThreshold", 200, 0, 1_000_000));
    l.rejectUnknown();

    ConfigReader f = r.section("flood");
    Flood flood =
        new Flood(
            f.integer("burst", 10, 1, Integer.MAX_VALUE),
            f.integer("ratePerSecond", 5, 1, Integer.MAX_VALUE),
            f.integer("maxQueued", 20, 0, 100_000));
    f.rejectUnknown();

    ConfigReader c = r.section("cluster");
    Cluster cluster =
        new Cluster(
            c.bool("enabled", false),
            c.string("name", "parley"),
            c.string("host", "127.0.0.1"),
            c.integer("port", 5701, 1, 65535),
            c.strings("members", List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703")),
            c.integer("raftPort", 0, 0, 65535),
            c.strings("voters", List.of("127.0.0.1:6701", "127.0.0.1:6702", "127.0.0.1:6703")));
    c.rejectUnknown();
    if (cluster.name().isBlank()) {
      throw c.invalid("name", "must not be empty");
    }
    if (cluster.host().isBlank()) {
      throw c.invalid("host", "must name this node's cluster address");
    }
    if (cluster.members().isEmpty()) {
      throw c.invalid("members", "must list at least one host:port to join");
    }
    for (String member : cluster.members()) {
      String problem = memberProblem(member);
      if (problem != null) {
        throw c.invalid("members", "has a bad entry \"" + member + "\": " + problem);
      }
    }
    if (cluster.voters().isEmpty()) {
      throw c.invalid("voters", "must list the Raft host:port of every voter (3 or 5 of them)");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String voter : cluster.voters()) {
      String problem = memberProblem(voter);
      if (problem == null && voter.indexOf(':') < 0) {
        problem = "write it as host:port";
      }
      if (problem == null && !seen.add(voter.strip())) {
        problem = "it is listed twice";
      }
      if (problem != null) {
        throw c.invalid("voters", "has a bad entry \"" + voter + "\": " + problem);
      }
    }

    ConfigReader t = r.section("tls");
    Tls tls =
        new Tls(
            t.integer("telnetPort", -1, -1, 65535),
            t.bool("https", false),
            t.string("certFile", null),
            t.string("keyFile", null),
            t.bool("selfSigned", false));
    t.rejectUnknown();
    if (tls.selfSigned() && !tls.needsCertificate()) {
      // --tls-self-signed alone: TLS on both sides, telnet-over-TLS on 4443 and HTTPS/WSS on the
      // HTTP port
      tls = new Tls(4443, true, null, null, true);
    }
    if (tls.needsCertificate()
        && !tls.selfSigned()
        && (tls.certFile() == null || tls.keyFile() == null)) {
      throw t.invalid("certFile", "and tls.keyFile are needed for TLS (or use --tls-self-signed)");
    }

    ConfigReader w = r.section("web");
    Web web = new Web(w.strings("allowedOrigins", List.of()));
    w.rejectUnknown();

    String operatorPassword = r.string("operatorPassword", "");
    int eventLoops = r.integer("eventLoops", 0, 0, 1024);
    String transport = r.oneOf("transport", "auto", "auto", "io_uring", "epoll", "nio");
    ConfigReader acc = r.section("accounts");
    Accounts accounts =
        new Accounts(
            acc.integer(
                "hashIterations",
                Credentials.DEFAULT_ITERATIONS,
                Credentials.MIN_ITERATIONS,
                10_000_000),
            acc.bool("required", false));
    acc.rejectUnknown();

    ConfigReader p = r.section("proxy");
    Proxy proxy =
        new Proxy(
            p.strings("trustedAddresses", List.of()),
            p.integer("headerTimeoutMs", 5000, 100, 60_000));
    p.rejectUnknown();
    for (String entry : proxy.trustedAddresses()) {
      String problem = Proxy.problem(entry);
      if (problem != null) {
        throw p.invalid("trustedAddresses", "has a bad entry \"" + entry + "\": " + problem);
      }
    }
    ConfigReader k = r.section("keepalive");
    Keepalive keepalive = new Keepalive(k.integer("seconds", 60, 3, 86_400));
    k.rejectUnknown();
    Ops ops = ops(r);
    r.rejectUnknown();
    return new ParleyConfig(
        host,
        telnetPort,
        httpPort,
        room,
        Path.of(dataDir),
        motd,
        history,
        limits,
        flood,
        cluster,
        tls,
        web,
        operatorPassword,
        eventLoops == 0 ? Runtime.getRuntime().availableProcessors() : eventLoops,
        transport,
        proxy,
        httpTimeouts,
        keepalive,
        ops,
        accounts);
  }

  private static Ops ops(ConfigReader r) {
    ConfigReader m = r.section("metrics");
    boolean enabled = m.bool("enabled", true);
    String host = m.string("host", "127.0.0.1");
    int port = m.integer("port", -1, -1, 65535);
    String token = m.string("token", "");
    m.rejectUnknown();
    if (host.isBlank()) {
      throw m.invalid("host", "must name the address of the metrics listener");
    }
    if (!token.isEmpty() && (token.length() < 16 || token.chars().anyMatch(c -> c <= ' '))) {
      throw m.invalid("token", "must be at least 16 characters, with no spaces");
    }
    ConfigReader s = r.section("shutdown");
    int drainMs = s.integer("drainMs", 2000, 0, 30_000);
    s.rejectUnknown();
    return new Ops(enabled, host, port, token, drainMs);
  }

  /**
   * Why a cluster member entry is not {@code host:port} (or {@code host}, meaning the default port
   * range).
   */
  static String memberProblem(String member) {
    String m = member.strip();
    if (m.isEmpty()) {
      return "it is empty";
    }
    if (m.chars().anyMatch(Character::isWhitespace)) {
      return "it contains a space";
    }
    int colon = m.lastIndexOf(':');
    if (colon < 0 || m.indexOf(':') != colon) {
      return colon < 0 ? null : "write it as host:port";
    }
    if (colon == 0) {
      return "the host is missing";
    }
    String port = m.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65535) {
        return null;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    return "the port must be a number from 1 to 65535";
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }
}

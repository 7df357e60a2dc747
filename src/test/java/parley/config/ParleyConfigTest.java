package parley.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParleyConfigTest {

  private static String error(String json) {
    return assertThrows(ConfigException.class, () -> ParleyConfig.fromJson(new JsonObject(json)))
        .getMessage();
  }

  @Test
  void defaultsMatchTheShippedConfig() throws Exception {
    ParleyConfig d = ParleyConfig.defaults();
    assertEquals(4000, d.telnetPort());
    assertEquals(8080, d.httpPort());
    assertEquals("lobby", d.room());
    assertEquals(100, d.history().replay());
    assertEquals(2000, d.limits().maxLineBytes());
    ParleyConfig shipped = ParleyConfig.fromJson(ParleyConfig.readFile(Path.of("config.json")));
    assertEquals(d, shipped);
  }

  @Test
  void badValuesNameTheirKey() {
    assertTrue(
        error("{\"telnet\":{\"port\":70000}}")
            .startsWith("telnet.port must be a whole number from 0 to 65535"));
    assertTrue(error("{\"http\":{\"port\":\"80\"}}").startsWith("http.port must be"));
    assertTrue(error("{\"telnt\":{}}").startsWith("telnt is not a known setting"));
    assertTrue(
        error("{\"limits\":{\"maxLineByte\":5}}")
            .startsWith("limits.maxLineByte is not a known setting"));
    assertTrue(
        error("{\"history\":{\"fsync\":\"sometimes\"}}")
            .startsWith("history.fsync must be one of always, batched"));
    assertTrue(error("{\"room\":\"no spaces\"}").startsWith("room is not a usable room name"));
    assertTrue(
        error("{\"history\":{\"replay\":500,\"retain\":100}}")
            .startsWith("history.replay can't be more"));
    assertTrue(error("{\"flood\":5}").startsWith("flood must be an object"));
    assertTrue(
        error("{\"transport\":\"kqueue\"}")
            .startsWith("transport must be one of auto, io_uring, epoll, nio"));
    assertTrue(
        error("{\"limits\":{\"slowConsumerWindowMs\":500}}")
            .startsWith("limits.slowConsumerWindowMs must be a whole number from 1000 to 600000"));
  }

  @Test
  void accountHashIterationsHaveOwaspsDefaultAndAFloor() {
    assertEquals(600_000, ParleyConfig.defaults().accounts().hashIterations());
    assertEquals(
        150_000,
        ParleyConfig.fromJson(new JsonObject("{\"accounts\":{\"hashIterations\":150000}}"))
            .accounts()
            .hashIterations());
    assertTrue(
        error("{\"accounts\":{\"hashIterations\":1000}}")
            .startsWith("accounts.hashIterations must be a whole number from 100000 to 10000000"));
    assertTrue(
        error("{\"accounts\":{\"requried\":true}}")
            .startsWith("accounts.requried is not a known setting"));
  }

  @Test
  void accountsRequiredIsOffByDefaultAndABoolean() {
    assertFalse(ParleyConfig.defaults().accounts().required());
    assertTrue(
        ParleyConfig.fromJson(new JsonObject("{\"accounts\":{\"required\":true}}"))
            .accounts()
            .required());
    assertTrue(
        error("{\"accounts\":{\"required\":\"yes\"}}")
            .startsWith("accounts.required must be true or false"));
    assertTrue(withEnv(Map.of("PARLEY_ACCOUNTS_REQUIRED", "true")).accounts().required());
    assertTrue(
        envError(Map.of("PARLEY_ACCOUNTS_REQUIRED", "1"))
            .startsWith("PARLEY_ACCOUNTS_REQUIRED (accounts.required) must be true or false"));
  }

  @Test
  void trustedProxiesAreAddressesOrCidrRanges() {
    ParleyConfig.Proxy off = ParleyConfig.defaults().proxy();
    assertTrue(off.trustedAddresses().isEmpty());
    assertEquals(5000, off.headerTimeoutMs());
    ParleyConfig.Proxy on =
        ParleyConfig.fromJson(
                new JsonObject(
                    "{\"proxy\":{\"trustedAddresses\":"
                        + "[\"127.0.0.1\",\"10.0.0.0/8\",\"::1\",\"fd00::/8\"]}}"))
            .proxy();
    assertEquals(4, on.trustedAddresses().size());
    assertTrue(on.enabled());
    assertEquals(
        "proxy.trustedAddresses has a bad entry \"10.0.0.0/33\": the prefix length after / must"
            + " be a number from 0 to 32",
        error("{\"proxy\":{\"trustedAddresses\":[\"10.0.0.0/33\"]}}"));
    assertTrue(
        error("{\"proxy\":{\"trustedAddresses\":[\"fd00::/x\"]}}").endsWith("from 0 to 128"));
    assertEquals(
        "proxy.trustedAddresses has a bad entry \"lb.example.com\": it is not an IP address"
            + " (names are not allowed)",
        error("{\"proxy\":{\"trustedAddresses\":[\"lb.example.com\"]}}"));
    assertTrue(
        error("{\"proxy\":{\"trustedAddresses\":\"10.0.0.1\"}}")
            .startsWith("proxy.trustedAddresses must be a list of strings"));
    assertTrue(
        error("{\"proxy\":{\"headerTimeoutMs\":0}}")
            .startsWith("proxy.headerTimeoutMs must be a whole number from 100 to 60000"));
    assertTrue(
        error("{\"proxy\":{\"trusted\":[]}}").startsWith("proxy.trusted is not a known setting"));
  }

  @Test
  void httpDeadlinesHaveDefaultsAndNameTheirKey() {
    ParleyConfig.Http d = ParleyConfig.defaults().http();
    assertEquals(10, d.headerTimeoutSeconds());
    assertEquals(60, d.idleTimeoutSeconds());
    ParleyConfig set =
        ParleyConfig.fromJson(
            new JsonObject(
                "{\"http\":{\"port\":81,\"headerTimeoutSeconds\":3,\"idleTimeoutSeconds\":7}}"));
    assertEquals(81, set.httpPort());
    assertEquals(new ParleyConfig.Http(3, 7), set.http());
    assertTrue(
        error("{\"http\":{\"headerTimeoutSeconds\":0}}")
            .startsWith("http.headerTimeoutSeconds must be a whole number from 1 to 3600"));
    assertTrue(
        error("{\"http\":{\"idleTimeoutSeconds\":\"1m\"}}")
            .startsWith("http.idleTimeoutSeconds must be a whole number from 1 to 86400"));
    assertTrue(
        error("{\"http\":{\"idleTimeout\":5}}")
            .startsWith("http.idleTimeout is not a known setting"));
  }

  @Test
  void keepaliveDeadlineDefaultsToAMinuteAndDerivesItsProbes() {
    ParleyConfig.Keepalive k = ParleyConfig.defaults().keepalive();
    assertEquals(60, k.seconds());
    assertEquals(20_000, k.probeIntervalMs());
    assertEquals(60_000, k.deadlineMs());
    // TCP: unacknowledged data or unanswered keepalive for 30 s drops it; keepalive probes after
    // 10 s idle, then every 5 s, 4 of them: also 30 s where there is no user timeout (NIO)
    assertEquals(30_000, k.tcpUserTimeoutMs());
    assertEquals(10, k.tcpIdleSeconds());
    assertEquals(5, k.tcpIntervalSeconds());
    assertEquals(4, k.tcpCount());
    for (int s : new int[] {3, 6, 7, 60, 100, 86_400}) {
      ParleyConfig.Keepalive c =
          ParleyConfig.fromJson(
                  new JsonObject().put("keepalive", new JsonObject().put("seconds", s)))
              .keepalive();
      int kernel = c.tcpIdleSeconds() + c.tcpIntervalSeconds() * c.tcpCount();
      assertTrue(
          kernel * 1000 >= c.tcpUserTimeoutMs() - 999
              && kernel * 2000 <= c.deadlineMs() + 2000L * c.tcpIntervalSeconds(),
          s + " s: kernel " + kernel);
      assertTrue(2L * c.tcpUserTimeoutMs() <= c.deadlineMs(), s + " s");
      assertTrue(c.probeIntervalMs() >= 1000 && c.probeIntervalMs() < c.deadlineMs(), s + " s");
    }
    assertTrue(
        error("{\"keepalive\":{\"seconds\":2}}")
            .startsWith("keepalive.seconds must be a whole number from 3 to 86400"));
    assertTrue(
        error("{\"keepalive\":{\"interval\":2}}")
            .startsWith("keepalive.interval is not a known setting"));
  }

  @Test
  void metricsAndDrainSettings() {
    ParleyConfig.Ops d = ParleyConfig.defaults().ops();
    // by default /metrics is on the HTTP port and refuses every scrape until a token is set
    assertTrue(d.metricsEnabled());
    assertEquals(-1, d.metricsPort());
    assertEquals("127.0.0.1", d.metricsHost());
    assertEquals("", d.metricsToken());
    assertEquals(2000, d.drainMs());
    ParleyConfig.Ops ok =
        ParleyConfig.fromJson(
                new JsonObject(
                    "{\"metrics\":{\"enabled\":false,\"host\":\"10.0.0.5\",\"port\":9464,"
                        + "\"token\":\"0123456789abcdef\"},\"shutdown\":{\"drainMs\":0}}"))
            .ops();
    assertEquals(new ParleyConfig.Ops(false, "10.0.0.5", 9464, "0123456789abcdef", 0), ok);
    assertTrue(
        error("{\"metrics\":{\"port\":-2}}")
            .startsWith("metrics.port must be a whole number from -1 to 65535"));
    assertTrue(error("{\"metrics\":{\"enabled\":\"yes\"}}").startsWith("metrics.enabled must"));
    assertTrue(error("{\"metrics\":{\"host\":\" \"}}").startsWith("metrics.host must name"));
    assertTrue(
        error("{\"metrics\":{\"token\":\"short\"}}")
            .startsWith("metrics.token must be at least 16 characters"));
    assertTrue(
        error("{\"metrics\":{\"token\":\"has a space in it, long\"}}")
            .startsWith("metrics.token must be at least 16 characters, with no spaces"));
    assertTrue(error("{\"metrics\":{\"path\":\"/m\"}}").startsWith("metrics.path is not a known"));
    assertTrue(
        error("{\"shutdown\":{\"drainMs\":60000}}")
            .startsWith("shutdown.drainMs must be a whole number from 0 to 30000"));
  }

  @Test
  void clusterMembersMustBeHostAndPort() {
    ParleyConfig.Cluster c = ParleyConfig.defaults().cluster();
    assertEquals("parley", c.name());
    assertEquals(
        java.util.List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703"), c.members());
    ParleyConfig ok =
        ParleyConfig.fromJson(
            new JsonObject(
                "{\"cluster\":{\"members\":[\"10.0.0.5:5701\",\"node-b\",\"node-c:6000\"]}}"));
    assertEquals(3, ok.cluster().members().size());
    assertTrue(
        error("{\"cluster\":{\"members\":[\"127.0.0.1:57o1\"]}}")
            .startsWith("cluster.members has a bad entry \"127.0.0.1:57o1\": the port must be"));
    assertTrue(error("{\"cluster\":{\"members\":[\":5701\"]}}").contains("the host is missing"));
    assertTrue(
        error("{\"cluster\":{\"members\":[]}}")
            .startsWith("cluster.members must list at least one"));
    assertTrue(
        error("{\"cluster\":{\"name\":\" \"}}").startsWith("cluster.name must not be empty"));
  }

  @Test
  void badFilesAreClear(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{ not json");
    String msg = assertThrows(ConfigException.class, () -> ParleyConfig.readFile(f)).getMessage();
    assertTrue(msg.contains("is not valid JSON"), msg);
    assertTrue(
        assertThrows(ConfigException.class, () -> ParleyConfig.readFile(dir.resolve("none.json")))
            .getMessage()
            .contains("does not exist"));
  }

  private static ParleyConfig withEnv(Map<String, String> env) {
    return ParleyConfig.read(new JsonObject(), new JsonObject(), env);
  }

  private static String envError(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> withEnv(env)).getMessage();
  }

  @Test
  void variableNamesFollowOneRule() {
    assertEquals("PARLEY_TELNET_PORT", ConfigReader.variable("telnet.port"));
    assertEquals(
        "PARLEY_LIMITS_MAX_CONNECTIONS_PER_IP",
        ConfigReader.variable("limits.maxConnectionsPerIp"));
    assertEquals("PARLEY_CLUSTER_MEMBERS", ConfigReader.variable("cluster.members"));
    assertEquals("PARLEY_OPERATOR_PASSWORD", ConfigReader.variable("operatorPassword"));
    assertEquals("PARLEY_TLS_CERT_FILE", ConfigReader.variable("tls.certFile"));
  }

  @Test
  void everyKindOfKeyComesFromTheEnvironment() {
    ParleyConfig c =
        withEnv(
            Map.of(
                "PARLEY_TELNET_PORT", "4100",
                "PARLEY_LIMITS_MAX_CONNECTIONS_PER_IP", " 7 ",
                "PARLEY_CLUSTER_ENABLED", "true",
                "PARLEY_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701",
                "PARLEY_OPERATOR_PASSWORD", "s3cret, with a comma",
                "PARLEY_HISTORY_FSYNC", "always",
                "PARLEY_WEB_ALLOWED_ORIGINS", "",
                "PARLEY_DATA_DIR", "/var/lib/parley"));
    assertEquals(4100, c.telnetPort());
    assertEquals(7, c.limits().maxConnectionsPerIp());
    assertTrue(c.cluster().enabled());
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2:5701"), c.cluster().members());
    assertEquals("s3cret, with a comma", c.operatorPassword());
    assertEquals("always", c.history().fsync());
    assertEquals(List.of(), c.web().allowedOrigins());
    assertEquals(Path.of("/var/lib/parley"), c.dataDir());
    // everything else keeps its default
    assertEquals(ParleyConfig.defaults().httpPort(), c.httpPort());
    assertEquals(ParleyConfig.defaults().limits().maxConnections(), c.limits().maxConnections());
  }

  @Test
  void badEnvironmentValuesNameTheVariableAndTheKey() {
    assertTrue(
        envError(Map.of("PARLEY_TELNET_PORT", "40oo"))
            .startsWith(
                "PARLEY_TELNET_PORT (telnet.port) must be a whole number from 0 to 65535 (got"
                    + " \"40oo\")"));
    assertTrue(
        envError(Map.of("PARLEY_HTTP_PORT", "70000"))
            .startsWith("PARLEY_HTTP_PORT (http.port) must be a whole number from 0 to 65535"));
    assertTrue(
        envError(Map.of("PARLEY_CLUSTER_ENABLED", "yes"))
            .startsWith("PARLEY_CLUSTER_ENABLED (cluster.enabled) must be true or false"));
    assertTrue(
        envError(Map.of("PARLEY_CLUSTER_MEMBERS", "a:1,,b:2"))
            .startsWith(
                "PARLEY_CLUSTER_MEMBERS (cluster.members) has a bad entry \"\": it is empty"));
    assertTrue(
        envError(Map.of("PARLEY_TRANSPORT", "kqueue"))
            .startsWith("PARLEY_TRANSPORT (transport) must be one of auto, io_uring, epoll, nio"));
    assertTrue(
        envError(Map.of("PARLEY_HISTORY_REPLAY", "500", "PARLEY_HISTORY_RETAIN", "100"))
            .startsWith("PARLEY_HISTORY_REPLAY (history.replay) can't be more"));
    assertTrue(
        envError(Map.of("PARLEY_ROOM", "no spaces"))
            .startsWith("PARLEY_ROOM (room) is not a usable room name"));
  }

  @Test
  void unknownVariablesAreErrorsWithASuggestion() {
    assertEquals(
        "environment variable PARLEY_TELNET_PROT is not a known setting; did you mean"
            + " PARLEY_TELNET_PORT? (see README.md, Configuration)",
        envError(Map.of("PARLEY_TELNET_PROT", "4000")));
    assertEquals(
        "environment variable PARLEY_COLOUR is not a known setting (see README.md, Configuration)",
        envError(Map.of("PARLEY_COLOUR", "blue")));
    // a section is not a setting; variables of other programs and of Parley's scripts are ignored
    assertTrue(
        envError(Map.of("PARLEY_TELNET", "1")).startsWith("environment variable PARLEY_TELNET "));
    ParleyConfig c = withEnv(Map.of("PARLEY_JVM_OPTS", "-Xmx1g", "PARLEYX", "1", "HOME", "/root"));
    assertEquals(ParleyConfig.defaults(), c);
  }

  @Test
  void flagsBeatTheEnvironmentWhichBeatsTheFile() {
    JsonObject file =
        new JsonObject(
            "{\"telnet\":{\"port\":4001},\"http\":{\"port\":8081},\"room\":\"fromfile\"}");
    JsonObject flags = new JsonObject("{\"telnet\":{\"port\":4003}}");
    Map<String, String> env =
        Map.of("PARLEY_TELNET_PORT", "4002", "PARLEY_HTTP_PORT", "8082", "PARLEY_MOTD", "hi");
    ParleyConfig c = ParleyConfig.read(file, flags, env);
    assertEquals(4003, c.telnetPort()); // flag over environment over file
    assertEquals(8082, c.httpPort()); // environment over file
    assertEquals("fromfile", c.room()); // file over default
    assertEquals("hi", c.motd()); // environment over default
    // a flag's value hides a bad variable for the same key; a bad variable of another key fails
    assertEquals(
        4003, ParleyConfig.read(file, flags, Map.of("PARLEY_TELNET_PORT", "x")).telnetPort());
    assertTrue(
        assertThrows(
                ConfigException.class,
                () -> ParleyConfig.read(file, flags, Map.of("PARLEY_HTTP_PORT", "x")))
            .getMessage()
            .startsWith("PARLEY_HTTP_PORT (http.port) must be"));
  }
}

package parley.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
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
}

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
}

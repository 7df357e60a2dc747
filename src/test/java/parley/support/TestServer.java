package parley.support;

import io.vertx.core.json.JsonObject;
import parley.Parley;
import parley.config.ParleyConfig;

import java.util.concurrent.TimeUnit;

/** An in-process Parley node on free ports, with the given config overrides. */
public final class TestServer implements AutoCloseable {
  public final Parley parley;

  private TestServer(Parley parley) {
    this.parley = parley;
  }

  public static TestServer start(JsonObject overrides) throws Exception {
    java.nio.file.Path data = java.nio.file.Files.createTempDirectory("parley-test");
    JsonObject json = new JsonObject()
        .put("host", "127.0.0.1")
        .put("dataDir", data.toString())
        .put("telnet", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0))
        .mergeIn(overrides, true);
    return new TestServer(Parley.start(ParleyConfig.fromJson(json)).await(30, TimeUnit.SECONDS));
  }

  public static TestServer start() throws Exception {
    return start(new JsonObject());
  }

  public Parley parley() {
    return parley;
  }

  public int telnetPort() {
    return parley.telnetPort();
  }

  public int httpPort() {
    return parley.httpPort();
  }

  @Override
  public void close() throws Exception {
    parley.stop().await(10, TimeUnit.SECONDS);
  }
}

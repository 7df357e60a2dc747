package parley.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import parley.Parley;
import parley.config.ParleyConfig;

/**
 * An in-process Parley node on free ports and a data directory of its own (deleted on close), with
 * the given config overrides. Tests get one from {@link ParleyServerExtension}.
 */
public final class TestServer implements AutoCloseable {
  public final Parley parley;
  private final Path data;

  private TestServer(Parley parley, Path data) {
    this.parley = parley;
    this.data = data;
  }

  public static TestServer start(JsonObject overrides) throws Exception {
    Path data = Files.createTempDirectory("parley-test");
    JsonObject json =
        new JsonObject()
            .put("host", "127.0.0.1")
            .put("dataDir", data.toString())
            .put("telnet", new JsonObject().put("port", 0))
            .put("http", new JsonObject().put("port", 0))
            // no drain with /ready down before a stop: nothing balances these servers
            .put("shutdown", new JsonObject().put("drainMs", 0))
            .mergeIn(overrides, true);
    try {
      return new TestServer(
          Parley.start(ParleyConfig.fromJson(json)).await(30, TimeUnit.SECONDS), data);
    } catch (Exception | Error e) {
      delete(data);
      throw e;
    }
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
    try {
      parley.stop().await(10, TimeUnit.SECONDS);
    } finally {
      delete(data);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}

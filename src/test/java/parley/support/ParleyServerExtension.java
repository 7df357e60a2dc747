package parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import parley.Parley;

/**
 * An in-process Parley server on free ports for each test of a class, stopped after the test even
 * when it fails, and a client-side Vert.x (for {@link WsClient} and other clients) shared by the
 * class:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final ParleyServerExtension server = ParleyServerExtension.withConfig(new JsonObject()
 *     .put("history", new JsonObject().put("retain", 20)));
 * </pre>
 *
 * The class's config overrides apply to every test; a test may {@link #stop()} its server, or
 * {@link #start} another with further overrides. Register it in a static field: the client Vert.x
 * lives as long as the class.
 */
public final class ParleyServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final JsonObject config;
  private final boolean startEach;
  private Vertx clientVertx;
  private TestServer server;

  private ParleyServerExtension(JsonObject config, boolean startEach) {
    this.config = config;
    this.startEach = startEach;
  }

  /** A server with the defaults for each test. */
  public static ParleyServerExtension withDefaults() {
    return withConfig(new JsonObject());
  }

  /** A server with these config overrides (merged into the defaults) for each test. */
  public static ParleyServerExtension withConfig(JsonObject overrides) {
    return new ParleyServerExtension(overrides, true);
  }

  /**
   * No server until a test calls {@link #start}, with these config overrides under the test's own.
   */
  public static ParleyServerExtension onDemand(JsonObject overrides) {
    return new ParleyServerExtension(overrides, false);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    clientVertx = Vertx.vertx();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (clientVertx != null) {
      clientVertx.close().await(10, TimeUnit.SECONDS);
      clientVertx = null;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (clientVertx == null) {
      throw new ExtensionConfigurationException("register ParleyServerExtension in a static field");
    }
    if (startEach) {
      start(new JsonObject());
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    stop();
  }

  /**
   * Stops this test's server if it runs, and starts one with the class's config and then these
   * overrides (merged deeply: {@code {"flood": {"burst": 3}}} keeps the class's other flood
   * settings).
   */
  public Parley start(JsonObject overrides) throws Exception {
    stop();
    server = TestServer.start(config.copy().mergeIn(overrides, true));
    return server.parley();
  }

  /** Stops this test's server now (it is stopped after the test anyway). */
  public void stop() throws Exception {
    TestServer running = server;
    server = null;
    if (running != null) {
      running.close();
    }
  }

  public Parley parley() {
    return running().parley();
  }

  public int telnetPort() {
    return running().telnetPort();
  }

  public int httpPort() {
    return running().httpPort();
  }

  /** A Vert.x for the test's clients, apart from the server's. */
  public Vertx clientVertx() {
    return clientVertx;
  }

  private TestServer running() {
    if (server == null) {
      throw new IllegalStateException("no Parley server is running in this test");
    }
    return server;
  }
}

package parley.support;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the in-process integration tests: one client-side Vert.x (for {@link WsClient}) per test class, and
 * the test's server, closed after each test.
 */
public abstract class ClientTest {
  protected static Vertx clientVertx;
  protected TestServer server;

  @BeforeAll
  static void clients() {
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void closeClients() {
    clientVertx.close();
  }

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }
}

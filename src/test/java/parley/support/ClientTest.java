package parley.support;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One client-side Vert.x (for {@link WsClient}) per test class, and the test's server, closed after
 * each test. New tests use {@link ParleyServerExtension}; this base stays only until AbuseTest
 * moves to it.
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

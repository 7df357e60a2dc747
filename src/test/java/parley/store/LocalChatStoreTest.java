package parley.store;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;

/** The store contract for the single-node store. */
class LocalChatStoreTest extends ChatStoreContract {
  private Vertx vertx;

  @Override
  protected ChatStore store() {
    return storeRetaining(1000);
  }

  @Override
  protected ChatStore peer() {
    return new LocalChatStore(vertx, 1000, null);
  }

  @Override
  protected ChatStore storeRetaining(int retain) {
    if (vertx != null) {
      vertx.close();
    }
    vertx = Vertx.vertx();
    return new LocalChatStore(vertx, retain, null);
  }

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close();
    }
  }
}

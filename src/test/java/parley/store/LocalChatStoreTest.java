package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, moderation included, for the single-node store. */
class LocalChatStoreTest extends ChatStoreContract implements ModerationContract {
  private Vertx vertx;

  @Override
  public ChatStore store() {
    return storeRetaining(1000);
  }

  @Override
  protected ChatStore peer() {
    return new LocalChatStore(vertx, 1000, null, BanList.inMemory());
  }

  @Override
  protected ChatStore storeRetaining(int retain) {
    if (vertx != null) {
      vertx.close();
    }
    vertx = Vertx.vertx();
    return new LocalChatStore(vertx, retain, null, BanList.inMemory());
  }

  @Test
  void bansOutliveARestartAndFlushWaitsForTheFile(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    ChatStore s = new LocalChatStore(vertx, 10, null, BanList.open(dir));
    BanList.Ban b = new BanList.Ban("10.0.0.1", "mallory", null, "op");
    s.ban(b).await(5, TimeUnit.SECONDS);
    s.ban(new BanList.Ban("10.0.0.2", "trudy", null, "op")).await(5, TimeUnit.SECONDS);
    s.unban("TRUDY").await(5, TimeUnit.SECONDS);
    s.flush().get(10, TimeUnit.SECONDS);

    ChatStore restarted = new LocalChatStore(vertx, 10, null, BanList.open(dir));
    assertEquals(b, restarted.banned("10.0.0.1", T0));
    assertNull(restarted.banned("10.0.0.2", T0));
  }

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close();
    }
  }
}

package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ban changes made on an event loop are written by the background writer, last change last. */
class BanListTest {
  @TempDir Path dir;
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static BanList.Ban ban(String address, String nick) {
    return new BanList.Ban(address, nick, null, "op");
  }

  /** Runs {@code changes} on an event loop; returns that event loop's thread. */
  private Thread onEventLoop(Runnable changes) throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              try {
                assertTrue(Context.isOnEventLoopThread());
                changes.run();
                ran.complete(Thread.currentThread());
              } catch (Throwable t) {
                ran.completeExceptionally(t);
              }
            });
    return ran.get(10, TimeUnit.SECONDS);
  }

  private List<String> addressesOnDisk() throws Exception {
    return new JsonObject(Files.readString(dir.resolve("bans.json")))
        .getJsonArray("bans").stream().map(b -> ((JsonObject) b).getString("address")).toList();
  }

  @Test
  void changesOnAnEventLoopAreWrittenElsewhereAndSurviveAReopen() throws Exception {
    BanList bans = BanList.open(dir);
    Thread loop =
        onEventLoop(
            () -> {
              bans.add(ban("10.0.0.1", "mallory"));
              bans.add(ban("10.0.0.2", "trudy"));
              assertEquals(1, bans.remove("mallory").size());
            });
    bans.flush().get(10, TimeUnit.SECONDS);

    Thread writer = bans.lastWriter();
    assertNotNull(writer, "the file was written");
    assertNotSame(loop, writer);
    assertEquals("parley-bans", writer.getName());
    assertEquals(List.of("10.0.0.2"), addressesOnDisk());

    BanList reopened = BanList.open(dir);
    Instant now = Instant.now();
    assertNull(reopened.find("10.0.0.1", now));
    assertEquals("trudy", reopened.find("10.0.0.2", now).nick());
  }

  @Test
  void rapidChangesEndWithTheLastOnDisk() throws Exception {
    BanList bans = BanList.open(dir);
    onEventLoop(
        () -> {
          for (int i = 0; i < 500; i++) {
            bans.add(ban("10.0.1." + (i % 250), "n" + i));
            if (i % 2 == 0) {
              bans.remove("10.0.1." + (i % 250));
            }
          }
          bans.remove("10.0.1.1");
          bans.add(ban("10.0.2.1", "last"));
        });
    bans.flush().get(10, TimeUnit.SECONDS);

    List<String> expected = new java.util.ArrayList<>();
    for (int i = 3; i < 250; i += 2) {
      expected.add("10.0.1." + i);
    }
    expected.add("10.0.2.1");
    assertEquals(expected, addressesOnDisk());
    BanList reopened = BanList.open(dir);
    assertEquals("last", reopened.find("10.0.2.1", Instant.now()).nick());
    assertNull(reopened.find("10.0.1.1", Instant.now()));
    assertNotNull(reopened.find("10.0.1.249", Instant.now()));
  }
}

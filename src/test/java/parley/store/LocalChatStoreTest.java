package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.chat.Account;
import parley.chat.Credentials;
import parley.chat.PasswordHash;
import parley.chat.Role;

/** The store contract, moderation included, for the single-node store. */
class LocalChatStoreTest extends ChatStoreContract implements ModerationContract, AccountContract {
  private Vertx vertx;

  @Override
  public ChatStore store() {
    return storeRetaining(1000);
  }

  @Override
  protected ChatStore peer() {
    return new LocalChatStore(vertx, 1000, null, BanList.inMemory(), AccountFile.inMemory());
  }

  @Override
  public ChatStore peerOf(ChatStore store) {
    return store; // the same node
  }

  @Override
  protected ChatStore storeRetaining(int retain) {
    if (vertx != null) {
      vertx.close();
    }
    vertx = Vertx.vertx();
    return new LocalChatStore(vertx, retain, null, BanList.inMemory(), AccountFile.inMemory());
  }

  @Test
  void bansOutliveARestartAndFlushWaitsForTheFile(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    ChatStore s = new LocalChatStore(vertx, 10, null, BanList.open(dir), AccountFile.inMemory());
    BanList.Ban b = new BanList.Ban("10.0.0.1", "mallory", null, "op");
    s.ban(b).await(5, TimeUnit.SECONDS);
    s.ban(new BanList.Ban("10.0.0.2", "trudy", null, "op")).await(5, TimeUnit.SECONDS);
    s.unban("TRUDY").await(5, TimeUnit.SECONDS);
    s.flush().get(10, TimeUnit.SECONDS);

    ChatStore restarted =
        new LocalChatStore(vertx, 10, null, BanList.open(dir), AccountFile.inMemory());
    assertEquals(b, restarted.banned("10.0.0.1", T0));
    assertNull(restarted.banned("10.0.0.2", T0));
  }

  @Test
  void accountsOutliveARestartAndHoldOnlyHashes(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    ChatStore s = new LocalChatStore(vertx, 10, null, BanList.inMemory(), AccountFile.open(dir));
    PasswordHash hash = Credentials.hash("my secret pw".toCharArray(), 100_000, new SecureRandom());
    String token = Credentials.newToken(new SecureRandom());
    Account.Token t = new Account.Token(Credentials.tokenHash(token), Account.Token.WEB, T0);
    // each change completes once it is on disk: no flush before the "restart"
    assertTrue(s.register(Account.create("Alice", hash, T0)).await(5, TimeUnit.SECONDS));
    s.setRole("alice", Role.ADMIN, true).await(5, TimeUnit.SECONDS);
    s.addToken("alice", t).await(5, TimeUnit.SECONDS);
    s.seen("alice", "lobby", 42).await(5, TimeUnit.SECONDS);
    s.queueOffline("alice", "bob", "web", "see you", T0).await(5, TimeUnit.SECONDS);
    s.queueOffline("alice", "bob", "web", "taken", T0).await(5, TimeUnit.SECONDS);
    Account before = s.account("alice").await(5, TimeUnit.SECONDS);

    ChatStore restarted =
        new LocalChatStore(vertx, 10, null, BanList.inMemory(), AccountFile.open(dir));
    assertEquals(before, restarted.account("ALICE").await(5, TimeUnit.SECONDS));
    assertEquals(before, restarted.accountByToken(t.hash()).await(5, TimeUnit.SECONDS));
    assertEquals(
        List.of("see you", "taken"),
        restarted.takeOffline("alice").await(5, TimeUnit.SECONDS).stream()
            .map(m -> m.text())
            .toList());

    ChatStore again =
        new LocalChatStore(vertx, 10, null, BanList.inMemory(), AccountFile.open(dir));
    assertEquals(List.of(), again.takeOffline("alice").await(5, TimeUnit.SECONDS), "taken is gone");
    assertTrue(again.queueOffline("alice", "cy", "web", "x", T0).await(5, TimeUnit.SECONDS));
    assertEquals(3, again.takeOffline("alice").await(5, TimeUnit.SECONDS).get(0).id());

    String file = Files.readString(dir.resolve("accounts.json"));
    assertTrue(file.contains(hash.encode()), "the hash is there");
    assertFalse(file.contains("my secret pw"), "never the password");
    assertFalse(file.contains(token), "never the token");
  }

  @Test
  void aDamagedAccountsFileStopsTheStartNamingIt(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("accounts.json"), "{\"format\":1,\"accounts\":[{\"name\":");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> AccountFile.open(dir));
    assertTrue(e.getMessage().contains("accounts.json"), e.getMessage());
  }

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close();
    }
  }
}

package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import parley.chat.Account;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;

/**
 * The accounts part of the {@link ChatStore} contract (docs/ACCOUNTS.md): registration, passwords,
 * roles, tokens, remembered rooms and offline messages. A test interface beside {@link
 * ChatStoreContract}, implemented by the local and the Raft store's tests. The stores get hashes,
 * never passwords, so the tests make hashes up instead of deriving them.
 */
public interface AccountContract {
  Instant AT0 = Instant.parse("2026-12-01T10:00:00Z");

  /** A fresh, empty store. */
  ChatStore store() throws Exception;

  /** A second view of the same store (another node; the same node locally). */
  ChatStore peerOf(ChatStore store) throws Exception;

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  private static PasswordHash hash(int n) {
    String key = java.util.Base64.getEncoder().encodeToString(("key " + n).getBytes());
    return new PasswordHash(PasswordHash.PBKDF2_SHA256, 100_000, "c2FsdA==", key);
  }

  private static Account.Token token(int n) {
    return new Account.Token("token-hash-" + n, Account.Token.WEB, AT0.plusSeconds(n));
  }

  @Test
  default void aNicknameIsRegisteredOnceCaseInsensitively() throws Exception {
    ChatStore s = store();
    ChatStore p = peerOf(s);
    assertNull(await(s.account("alice")));
    Account alice = Account.create("Alice", hash(1), AT0);
    assertTrue(await(s.register(alice)));
    assertFalse(await(p.register(Account.create("ALICE", hash(2), AT0))), "taken");
    assertEquals(alice, await(p.account("aLiCe")), "the first one, on every view");
    assertEquals(hash(1), await(s.account("alice")).password());
    assertNull(await(s.account("bob")));
  }

  @Test
  default void concurrentRegistrationsHaveExactlyOneWinner() throws Exception {
    ChatStore s = store();
    ChatStore p = peerOf(s);
    List<Future<Boolean>> tries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      tries.add((i % 2 == 0 ? s : p).register(Account.create("racer", hash(i), AT0)));
    }
    await(Future.join(tries));
    List<Integer> won = new ArrayList<>();
    for (int i = 0; i < tries.size(); i++) {
      if (tries.get(i).result()) {
        won.add(i);
      }
    }
    assertEquals(1, won.size(), "winners: " + won);
    assertEquals(hash(won.get(0)), await(s.account("racer")).password(), "the winner's hash");
    assertEquals(hash(won.get(0)), await(p.account("racer")).password());
  }

  @Test
  default void aNewPasswordReplacesTheHashAndRevokesEveryToken() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    assertTrue(await(s.addToken("alice", token(1))));
    assertTrue(await(s.addToken("ALICE", token(2))));
    assertEquals("alice", await(s.accountByToken("token-hash-2")).name());
    assertTrue(await(s.setPassword("Alice", hash(2))));
    Account a = await(peerOf(s).account("alice"));
    assertEquals(hash(2), a.password());
    assertEquals(List.of(), a.tokens());
    assertNull(await(s.accountByToken("token-hash-1")), "revoked");
    assertNull(await(s.accountByToken("token-hash-2")), "revoked");
    assertFalse(await(s.setPassword("nobody", hash(3))));
    assertNull(await(s.account("nobody")), "setting a password registers nothing");
  }

  @Test
  default void tokensAreBoundedAndRevokedOneByOne() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    await(s.register(Account.create("bob", hash(1), AT0)));
    for (int i = 0; i <= Account.MAX_TOKENS; i++) {
      assertTrue(await(s.addToken("alice", token(i))));
    }
    assertNull(await(s.accountByToken("token-hash-0")), "the oldest went");
    assertEquals(Account.MAX_TOKENS, await(s.account("alice")).tokens().size());
    assertFalse(await(s.addToken("bob", token(5))), "a token of another account");
    assertFalse(await(s.addToken("nobody", token(99))));
    await(s.dropToken("alice", "token-hash-5"));
    assertNull(await(s.accountByToken("token-hash-5")));
    assertEquals("alice", await(s.accountByToken("token-hash-6")).name(), "the others stay");
    await(s.dropToken("bob", "token-hash-6"));
    assertEquals("alice", await(s.accountByToken("token-hash-6")).name(), "not bob's to drop");
  }

  @Test
  default void rolesAreGrantedAndRevoked() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    assertTrue(await(s.setRole("alice", Role.MODERATOR, true)));
    assertTrue(await(s.setRole("Alice", Role.ADMIN, true)));
    assertEquals(Set.of(Role.ADMIN, Role.MODERATOR), await(peerOf(s).account("alice")).roles());
    assertTrue(await(s.setRole("alice", Role.MODERATOR, false)));
    assertTrue(await(s.setRole("alice", Role.MODERATOR, false)), "revoking again: no change");
    assertEquals(Set.of(Role.ADMIN), await(s.account("alice")).roles());
    assertFalse(await(s.setRole("nobody", Role.ADMIN, true)));
  }

  @Test
  default void roomsAreRememberedWithTheHighestSeqSeen() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    await(s.seen("alice", "lobby", 5));
    await(s.seen("ALICE", "dev", 0));
    await(s.seen("alice", "lobby", 3));
    assertEquals(Map.of("lobby", 5L, "dev", 0L), await(s.account("alice")).rooms());
    await(s.forgetRoom("alice", "dev"));
    assertEquals(Map.of("lobby", 5L), await(peerOf(s).account("alice")).rooms());
    await(s.seen("nobody", "lobby", 1)); // no account: nothing happens
    assertNull(await(s.account("nobody")));
  }

  @Test
  default void offlineMessagesAreKeptInOrderAndTakenOnce() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    assertTrue(await(s.queueOffline("Alice", "bob", "telnet", "are you there?", AT0)));
    assertTrue(await(s.queueOffline("alice", "cy", "web", "héllo ✓", AT0.plusSeconds(1))));
    assertFalse(await(s.queueOffline("nobody", "bob", "telnet", "lost", AT0)), "no account");
    List<OfflineMessage> got = await(peerOf(s).takeOffline("ALICE"));
    assertEquals(
        List.of(
            new OfflineMessage(1, "bob", "telnet", "are you there?", AT0),
            new OfflineMessage(2, "cy", "web", "héllo ✓", AT0.plusSeconds(1))),
        got);
    assertEquals(List.of(), await(s.takeOffline("alice")), "taken: never again");
    assertTrue(await(s.queueOffline("alice", "bob", "telnet", "later", AT0.plusSeconds(2))));
    assertEquals(3, await(s.takeOffline("alice")).get(0).id(), "ids are never given twice");
    assertEquals(List.of(), await(s.takeOffline("nobody")));
  }

  @Test
  default void theOfflineQueueIsBounded() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    List<Future<Boolean>> sent = new ArrayList<>();
    for (int i = 0; i < OfflineMessage.MAX_PER_ACCOUNT; i++) {
      sent.add(s.queueOffline("alice", "bob", "telnet", "m" + i, AT0));
    }
    await(Future.all(sent));
    assertTrue(sent.stream().allMatch(Future::result));
    assertFalse(await(s.queueOffline("alice", "bob", "telnet", "one too many", AT0)), "full");
    assertEquals(OfflineMessage.MAX_PER_ACCOUNT, await(s.takeOffline("alice")).size());
    assertTrue(await(s.queueOffline("alice", "bob", "telnet", "room again", AT0)));
  }

  @Test
  default void concurrentTakesDeliverEachMessageOnce() throws Exception {
    ChatStore s = store();
    ChatStore p = peerOf(s);
    await(s.register(Account.create("alice", hash(1), AT0)));
    for (int i = 0; i < 5; i++) {
      await(s.queueOffline("alice", "bob", "telnet", "m" + i, AT0));
    }
    List<Future<List<OfflineMessage>>> takes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      takes.add((i % 2 == 0 ? s : p).takeOffline("alice"));
    }
    await(Future.join(takes));
    List<OfflineMessage> all = new ArrayList<>();
    int nonEmpty = 0;
    for (Future<List<OfflineMessage>> t : takes) {
      all.addAll(t.result());
      nonEmpty += t.result().isEmpty() ? 0 : 1;
    }
    assertEquals(5, all.size(), "each message once: " + all);
    assertEquals(1, nonEmpty, "one take got them all");
  }

  @Test
  default void droppingAnAccountTakesEverythingOfItWith() throws Exception {
    ChatStore s = store();
    await(s.register(Account.create("alice", hash(1), AT0)));
    await(s.addToken("alice", token(1)));
    await(s.queueOffline("alice", "bob", "telnet", "hi", AT0));
    assertTrue(await(s.dropAccount("ALICE")));
    assertNull(await(s.account("alice")));
    assertNull(await(peerOf(s).accountByToken("token-hash-1")));
    assertFalse(await(s.dropAccount("alice")), "gone already");
    assertTrue(await(s.register(Account.create("alice", hash(2), AT0))), "free again");
    assertEquals(List.of(), await(s.takeOffline("alice")), "the new account has no old mail");
    assertNull(await(s.accountByToken("token-hash-1")));
  }

  @Test
  default void roleChangesAreReportedOnEveryNodeAndAdminsAreFound() throws Exception {
    ChatStore s = store();
    ChatStore p = peerOf(s);
    List<String> reported = java.util.Collections.synchronizedList(new ArrayList<>());
    p.onRoles(reported::add);
    assertFalse(await(s.anyHolds(Role.ADMIN)), "no admin in a new store");
    assertTrue(await(s.register(Account.create("Alice", hash(1), AT0))));
    assertTrue(await(s.register(Account.create("bob", hash(2), AT0))));
    assertTrue(await(s.setRole("alice", Role.MODERATOR, true)));
    assertFalse(await(s.anyHolds(Role.ADMIN)), "a moderator is no admin");
    assertTrue(await(s.anyHolds(Role.MODERATOR)));
    assertFalse(await(s.setRole("nobody", Role.ADMIN, true)), "no account, nothing reported");
    assertTrue(await(s.setRole("bob", Role.ADMIN, true)));
    assertTrue(await(s.anyHolds(Role.ADMIN)), "read on the node that wrote");
    assertTrue(await(s.setRole("bob", Role.ADMIN, false)));
    assertFalse(await(s.anyHolds(Role.ADMIN)), "the only admin was revoked");
    parley.support.Eventually.within(java.time.Duration.ofSeconds(10))
        .pollInterval(java.time.Duration.ofMillis(20))
        .untilAsserted(() -> assertEquals(List.of("alice", "bob", "bob"), List.copyOf(reported)));
    assertFalse(await(p.anyHolds(Role.ADMIN)), "the other node agrees");
    assertTrue(await(p.anyHolds(Role.MODERATOR)));
  }
}

package parley.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import parley.chat.Account;
import parley.chat.ChatEvent;
import parley.chat.PasswordHash;
import parley.chat.Role;
import parley.chat.UserRecord;
import parley.cluster.raft.RaftCluster;
import parley.store.BanList;
import parley.store.ReadOnlyException;
import parley.support.LoopbackCluster;

/**
 * Three {@link RaftChatStore}s on a real three-voter Raft group on loopback (one Vert.x each): what
 * one store cannot show. Every node delivers every event in seq order; a node without a majority
 * refuses writes, says so through {@code onWritableChange}, and serves reads; once the majority is
 * back it writes again and gives back what its closed sessions held.
 */
class RaftChatStoreClusterTest {
  private static final Duration UP = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  private final Vertx[] vertx = new Vertx[3];
  private final RaftCluster[] raft = new RaftCluster[3];
  private final RaftChatStore[] store = new RaftChatStore[3];
  private final List<List<ChatEvent>> delivered = new ArrayList<>();
  private final List<List<Boolean>> flips = new ArrayList<>();
  private final List<String> voters = new ArrayList<>();
  private Path root;

  @BeforeEach
  void start() throws Exception {
    root = Files.createTempDirectory("parley-raft-stores");
    for (int i = 0; i < 3; i++) {
      voters.add("n" + i + "=127.0.0.1:" + LoopbackCluster.freePort());
      delivered.add(new CopyOnWriteArrayList<>());
      flips.add(new CopyOnWriteArrayList<>());
    }
    for (int i = 0; i < 3; i++) {
      up(i);
    }
    await().atMost(UP).until(() -> raft[0].writable() && raft[1].writable() && raft[2].writable());
    raft[0].ensureEpoch().get(20, TimeUnit.SECONDS);
  }

  private void up(int i) throws Exception {
    vertx[i] = Vertx.vertx();
    raft[i] =
        RaftCluster.start(
            RaftCluster.Config.of("n" + i, voters, root.resolve("n" + i))
                .withLeaseEvery(Duration.ZERO));
    store[i] = new RaftChatStore(vertx[i], raft[i]);
    store[i].deliverTo(delivered.get(i)::add);
    store[i].onWritableChange(flips.get(i)::add);
  }

  private void down(int i) throws Exception {
    if (store[i] != null) {
      store[i].close();
      raft[i].close();
      vertx[i].close().await(10, TimeUnit.SECONDS);
      store[i] = null;
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = 0; i < 3; i++) {
      down(i);
    }
  }

  private static ChatEvent msg(String text) {
    return ChatEvent.message("lobby", T0, "ann", "telnet", text);
  }

  @Test
  void anAccountRegisteredWhileANodeWasDownReachesItAndOutlivesARestart() throws Exception {
    down(2);
    PasswordHash hash = new PasswordHash(PasswordHash.PBKDF2_SHA256, 100_000, "c2FsdA==", "a2V5");
    Account alice = Account.create("Alice", hash, T0);
    assertTrue(store[0].register(alice).await(20, TimeUnit.SECONDS));
    assertFalse(
        store[1].register(Account.create("ALICE", hash, T0)).await(20, TimeUnit.SECONDS),
        "taken, as seen from another node");
    assertTrue(
        store[1]
            .queueOffline("alice", "bob", "telnet", "for later", T0)
            .await(20, TimeUnit.SECONDS));

    up(2); // it learns them from the log (or a snapshot) at start
    await().atMost(UP).until(() -> store[2].account("alice").await(5, TimeUnit.SECONDS) != null);
    assertEquals(alice, store[2].account("ALICE").await(5, TimeUnit.SECONDS));
    await().atMost(UP).until(raft[2]::writable);
    assertEquals(
        List.of("for later"),
        store[2].takeOffline("alice").await(20, TimeUnit.SECONDS).stream()
            .map(m -> m.text())
            .toList(),
        "taken on the node that was down");
    assertEquals(
        List.of(), store[0].takeOffline("alice").await(20, TimeUnit.SECONDS), "and only once");

    for (int i = 0; i < 3; i++) {
      down(i);
    }
    for (int i = 0; i < 3; i++) {
      up(i);
    }
    for (int i = 0; i < 3; i++) {
      RaftChatStore s = store[i];
      await().atMost(UP).until(() -> s.account("alice").await(5, TimeUnit.SECONDS) != null);
      assertEquals(alice, s.account("alice").await(5, TimeUnit.SECONDS), "node " + i);
    }
  }

  @Test
  void aRoleSetOnOneNodeReachesEveryNodesSessionsAndAnAccountBanHoldsEverywhere() throws Exception {
    List<List<String>> roles = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      roles.add(new CopyOnWriteArrayList<>());
      store[i].onRoles(roles.get(i)::add);
    }
    PasswordHash hash = new PasswordHash(PasswordHash.PBKDF2_SHA256, 100_000, "c2FsdA==", "a2V5");
    assertTrue(store[0].register(Account.create("Mod", hash, T0)).await(20, TimeUnit.SECONDS));
    assertTrue(store[1].setRole("mod", Role.MODERATOR, true).await(20, TimeUnit.SECONDS));
    for (int i = 0; i < 3; i++) {
      List<String> told = roles.get(i);
      await().atMost(UP).until(() -> told.equals(List.of("mod")));
      assertEquals(
          Set.of(Role.MODERATOR),
          store[i].account("MOD").await(5, TimeUnit.SECONDS).roles(),
          "node " + i + " has the role when it reports it");
      assertFalse(store[i].anyHolds(Role.ADMIN).await(5, TimeUnit.SECONDS), "node " + i);
    }
    BanList.Ban ban = new BanList.Ban(Account.mask("Mod"), "Mod", null, "boss");
    store[2].ban(ban).await(20, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      RaftChatStore s = store[i];
      await().atMost(UP).until(() -> ban.equals(s.banned(Account.mask("mod"), Instant.now())));
    }
  }

  @Test
  void everyNodeDeliversEveryEventInSeqOrder() throws Exception {
    for (int i = 0; i < 30; i++) {
      store[i % 3].append(msg("m" + i), e -> {}).await(20, TimeUnit.SECONDS);
    }
    for (int n = 0; n < 3; n++) {
      List<ChatEvent> got = delivered.get(n);
      await().atMost(UP).until(() -> got.size() == 30);
      for (int k = 0; k < 30; k++) {
        assertEquals(k + 1, got.get(k).seq(), "node " + n + " in seq order");
      }
      assertEquals(
          delivered.get(0).stream().map(ChatEvent::text).toList(),
          got.stream().map(ChatEvent::text).toList(),
          "the same events under the same seqs on every node");
    }
  }

  @Test
  void aNodeWithoutMajorityRefusesWritesServesReadsAndCatchesUp() throws Exception {
    RaftChatStore lone = store[2];
    assertTrue(lone.claimNick(user("carol", "c1")).await(20, TimeUnit.SECONDS));
    lone.joinRoom("lobby", "c1", "carol").await(20, TimeUnit.SECONDS);
    lone.append(msg("before"), e -> {}).await(20, TimeUnit.SECONDS);
    down(0);
    down(1);
    await().atMost(UP).until(() -> flips.get(2).contains(false));
    ExecutionException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class,
            () ->
                lone.append(msg("alone"), e -> {})
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
    assertInstanceOf(ReadOnlyException.class, refused.getCause());
    assertEquals(
        List.of("before"),
        lone.history("lobby", 10).await(5, TimeUnit.SECONDS).events().stream()
            .map(ChatEvent::text)
            .toList(),
        "reads work alone");
    assertEquals(1, lone.members("lobby", 10).await(5, TimeUnit.SECONDS).count());

    // carol's session ends while the node is cut off: the cluster can't be told now
    lone.leaveRoom("lobby", "c1").otherwise((Void) null).await(20, TimeUnit.SECONDS);
    lone.releaseNick("carol", "c1").otherwise((Void) null).await(20, TimeUnit.SECONDS);

    up(0);
    up(1);
    await().atMost(UP).until(() -> flips.get(2).lastIndexOf(true) > flips.get(2).indexOf(false));
    // once writable again, node 2 gives back what its closed session held
    await()
        .atMost(UP)
        .untilAsserted(
            () -> {
              assertNull(store[0].user("carol").await(5, TimeUnit.SECONDS));
              assertEquals(0, store[0].members("lobby", 10).await(5, TimeUnit.SECONDS).count());
            });
    assertEquals(2, lone.append(msg("back"), e -> {}).await(20, TimeUnit.SECONDS).seq());
  }

  private static UserRecord user(String nick, String session) {
    return new UserRecord(nick, "telnet", "n2", session, T0, T0);
  }
}

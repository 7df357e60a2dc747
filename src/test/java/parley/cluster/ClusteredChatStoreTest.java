package parley.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.chat.ChatEvent;
import parley.chat.UserRecord;
import parley.config.ParleyConfig;
import parley.journal.EventJournal;
import parley.store.ChatStore;
import parley.store.ChatStoreContract;
import parley.support.Eventually;

/**
 * The store contract for the clustered store, on a real two-node Hazelcast cluster on loopback (two
 * clustered Vert.x instances in this JVM): {@link #store()} is node 1's view, {@link #peer()} node
 * 2's, of the same maps. Each test gets maps of its own (a name prefix), so the cluster is started
 * once.
 */
class ClusteredChatStoreTest extends ChatStoreContract {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static ParleyConfig.Cluster cluster;
  private static Clustering.ClusteredVertx node1;
  private static Clustering.ClusteredVertx node2;

  private final List<ClusteredChatStore> opened = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void startCluster() throws Exception {
    int base = 5900 + ThreadLocalRandom.current().nextInt(2000);
    cluster = cluster(base);
    List<Future<Clustering.ClusteredVertx>> nodes =
        List.of(Clustering.start(cluster), Clustering.start(cluster));
    Future.all(nodes).await(90, TimeUnit.SECONDS);
    node1 = nodes.get(0).result();
    node2 = nodes.get(1).result();
    Eventually.within(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertTrue(
                    node1.manager().getNodes().size() >= 2
                        && node2.manager().getNodes().size() >= 2,
                    "the two nodes did not find each other"));
  }

  static ParleyConfig.Cluster cluster(int base) {
    return new ParleyConfig.Cluster(
        true,
        "parley-test-" + base,
        "127.0.0.1",
        base,
        List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (Clustering.ClusteredVertx n : new Clustering.ClusteredVertx[] {node1, node2}) {
      if (n != null) {
        n.vertx().close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @AfterEach
  void closeStores() {
    opened.forEach(ClusteredChatStore::close);
  }

  private ClusteredChatStore open(Clustering.ClusteredVertx node, int retain) {
    ClusteredChatStore s =
        new ClusteredChatStore(node.vertx(), node.manager().getHazelcastInstance(), prefix, retain);
    opened.add(s);
    return s;
  }

  @Override
  protected ChatStore store() {
    return storeRetaining(1000);
  }

  @Override
  protected ChatStore storeRetaining(int retain) {
    prefix = Clustering.MAP_PREFIX + "t" + TESTS.incrementAndGet() + ".";
    return open(node1, retain);
  }

  @Override
  protected ChatStore peer() {
    return open(node2, 1000);
  }

  // ---- what only a cluster has
  // ------------------------------------------------------------------------

  /**
   * Node 3 leaves with "ghost". Every other node's store drops what node 3 held, and whichever
   * removes an entry first reports it: once both have finished, ghost must have been reported
   * exactly once.
   */
  @Test
  void claimsAndMembershipsOfANodeThatLeavesAreDropped() throws Exception {
    // one store per node: every store instance listens for departures, so a second instance on
    // a node could be the one that removes (and reports) an entry
    ClusteredChatStore one = (ClusteredChatStore) store();
    ClusteredChatStore two = open(node2, 1000);
    Clustering.ClusteredVertx node3 = Clustering.start(cluster).await(90, TimeUnit.SECONDS);
    try {
      ClusteredChatStore third = open(node3, 1000);
      String node3Id = node3.manager().getNodeId();
      List<String> lost = new CopyOnWriteArrayList<>();
      BiConsumer<String, String> report = (room, nick) -> lost.add(room + ":" + nick);
      one.onMembersLost(report);
      two.onMembersLost(report);
      assertTrue(await(third.claimNick(new UserRecord("ghost", "telnet", node3Id, "g1", T0, T0))));
      await(third.joinRoom("lobby", "g1", "ghost"));
      assertTrue(await(one.claimNick(user("alice", "a1"))));
      await(one.joinRoom("lobby", "a1", "alice"));
      assertEquals(2, await(one.members("lobby", 10)).count());
      int before1 = one.departuresHandled();
      int before2 = two.departuresHandled();
      node3.vertx().close().await(30, TimeUnit.SECONDS);
      node3 = null;
      Eventually.within(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(
              () ->
                  assertTrue(
                      one.departuresHandled() > before1 && two.departuresHandled() > before2,
                      "both surviving nodes have dropped node 3's claims"));
      assertNull(await(one.user("ghost")), "ghost's nickname is freed");
      assertEquals(List.of("lobby:ghost"), lost, "reported once, by one node");
      assertEquals(List.of("alice"), await(two.members("lobby", 10)).names());
      assertEquals("a1", await(two.user("alice")).sessionId(), "other nodes' claims stay");
      assertTrue(await(one.claimNick(user("ghost", "g2"))), "the nickname is free again");
    } finally {
      if (node3 != null) {
        node3.vertx().close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void touchIsCoarse() throws Exception {
    ChatStore s = store();
    await(s.claimNick(user("bob", "s1")));
    await(s.touch("bob", "s1", T0.plusSeconds(1)));
    await(s.touch("bob", "s1", T0.plusSeconds(5)));
    assertEquals(
        T0.plusSeconds(1),
        await(peer().user("bob")).lastActive(),
        "within 10 s: not written again");
    await(s.touch("bob", "s1", T0.plusSeconds(12)));
    assertEquals(T0.plusSeconds(12), await(peer().user("bob")).lastActive());
  }

  @Test
  void journalFollowsTheClusterAndSeedsIt(@TempDir Path dir) throws Exception {
    ParleyConfig config =
        ParleyConfig.fromJson(new JsonObject().put("dataDir", dir.resolve("a").toString()));
    ClusteredChatStore s = (ClusteredChatStore) store();
    ChatStore p = peer();
    try (EventJournal journal = EventJournal.open(config)) {
      JournalMirror follower = new JournalMirror(s, journal);
      for (int i = 1; i <= 5; i++) {
        await((i % 2 == 0 ? p : s).append(msg("lobby", "m" + i), e -> {}));
      }
      await(
          p.append(
              new ChatEvent(ChatEvent.Type.TOPIC, "dev", 0, T0, "bob", "web", "internals", null),
              e -> {}));
      assertEquals(6, follower.followAll(), "every room's events, whichever node numbered them");
      assertEquals(0, follower.followAll());
      await(p.append(msg("lobby", "m6"), e -> {}));
      assertEquals(1, follower.followAll());
      follower.close();
    }
    // a full restart: the cluster is empty (fresh maps), the journal has it all
    ClusteredChatStore fresh = (ClusteredChatStore) store();
    try (EventJournal journal = EventJournal.open(config)) {
      Map<String, List<ChatEvent>> loaded = journal.load();
      JournalMirror follower = new JournalMirror(fresh, journal);
      assertEquals(2, follower.seed(loaded));
      assertEquals(0, follower.seed(loaded), "the cluster has it now");
      ChatStore.Slice lobby = await(peer().history("lobby", 100));
      assertEquals(
          List.of("m1", "m2", "m3", "m4", "m5", "m6"),
          lobby.events().stream().map(ChatEvent::text).toList());
      assertEquals(
          List.of(1L, 2L, 3L, 4L, 5L, 6L), lobby.events().stream().map(ChatEvent::seq).toList());
      assertEquals("internals", await(peer().topic("dev")), "the topic comes back from its event");
      assertEquals(7L, await(fresh.append(msg("lobby", "m7"), e -> {})).seq(), "seq continues");
      assertEquals(1, follower.followAll(), "only what the journal lacks");
      follower.close();
    }
  }

  @Test
  void aRoomTheClusterLostContinuesAfterWhatTheJournalHas(@TempDir Path dir) throws Exception {
    ParleyConfig config = ParleyConfig.fromJson(new JsonObject().put("dataDir", dir.toString()));
    ClusteredChatStore s = (ClusteredChatStore) store();
    try (EventJournal journal = EventJournal.open(config)) {
      JournalMirror follower = new JournalMirror(s, journal);
      for (int i = 1; i <= 4; i++) {
        await(s.append(msg("lobby", "m" + i), e -> {}));
      }
      assertEquals(4, follower.followAll());
      s.historyMap().delete("lobby"); // as if its owner and backup had died together
      follower.followAll();
      assertEquals(4L, await(peer().lastSeq("lobby")));
      assertEquals(5L, await(s.append(msg("lobby", "m5"), e -> {})).seq(), "no seq is given twice");
      follower.close();
    }
  }

  @Test
  void anOlderJournalDoesNotOverwriteNewerHistory(@TempDir Path dir) throws Exception {
    ParleyConfig config = ParleyConfig.fromJson(new JsonObject().put("dataDir", dir.toString()));
    ChatStore s = store();
    try (EventJournal journal = EventJournal.open(config)) {
      ChatEvent old = ChatEvent.message("lobby", T0, "old", "telnet", "old 1").withSeq(1);
      journal.write(old).toCompletableFuture().join();
      for (int i = 1; i <= 3; i++) {
        await(s.append(msg("lobby", "new " + i), e -> {}));
      }
      JournalMirror follower = new JournalMirror((ClusteredChatStore) s, journal);
      assertEquals(0, follower.seed(Map.of("lobby", List.of(old))));
      assertNull(
          await(peer().history("lobby", 10)).events().stream()
              .filter(e -> e.text().startsWith("old"))
              .findAny()
              .orElse(null));
      assertEquals(3L, await(peer().lastSeq("lobby")));
    }
  }
}

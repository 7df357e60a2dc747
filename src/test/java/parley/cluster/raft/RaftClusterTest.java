package parley.cluster.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.chat.ChatEvent;
import parley.cluster.raft.Commands.Appended;
import parley.cluster.raft.Commands.ClaimStatus;
import parley.cluster.raft.Commands.Kind;
import parley.store.ReadOnlyException;
import parley.support.LoopbackCluster;

/**
 * Three real Ratis voters in this JVM on loopback (free ports, temp data dirs): seqs, replication,
 * loss of one node, full restart in another order, and read-only minorities. Waits with Awaitility,
 * never with sleeps.
 */
class RaftClusterTest {
  private static final Duration UP = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final List<String> voters = new ArrayList<>();
  private final RaftCluster[] nodes = new RaftCluster[3];
  private final Map<Integer, List<Applied.Event>> delivered = new HashMap<>();
  private final Map<Integer, List<Applied>> restored = new HashMap<>();

  private void configure() throws IOException {
    for (int i = 0; i < 3; i++) {
      voters.add("n" + (i + 1) + "=127.0.0.1:" + LoopbackCluster.freePort());
    }
  }

  /** Small log segments, purged soon after each snapshot: a node far behind needs a snapshot. */
  private boolean purgeEarly;

  private RaftCluster start(int i) {
    RaftCluster.Config c =
        RaftCluster.Config.of("n" + (i + 1), voters, dir.resolve("n" + (i + 1)))
            .withRetain(1000)
            .withSnapshotEvery(40)
            .withLeaseEvery(Duration.ZERO);
    if (purgeEarly) {
      c =
          c.withSnapshotEvery(20)
              .withRaftProperty("raft.server.log.purge.gap", "10")
              .withRaftProperty("raft.server.log.segment.size.max", "4KB")
              .withRaftProperty("raft.server.log.preallocated.size", "4KB");
    }
    List<Applied> restored = new CopyOnWriteArrayList<>();
    this.restored.put(i, restored);
    try {
      List<Applied.Event> events = new CopyOnWriteArrayList<>();
      delivered.put(i, events);
      nodes[i] = RaftCluster.start(c);
      nodes[i]
          .stateMachine()
          .setListener(
              a -> {
                if (a instanceof Applied.Event e) {
                  events.add(e);
                } else if (a instanceof Applied.Restored) {
                  restored.add(a);
                }
              });
      return nodes[i];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stop(int i) {
    nodes[i].close();
    nodes[i] = null;
  }

  @AfterEach
  void closeAll() {
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null) {
        stop(i);
      }
    }
  }

  private void awaitWritable(int... which) {
    await()
        .atMost(UP)
        .until(
            () -> {
              for (int i : which) {
                if (!nodes[i].writable()) {
                  return false;
                }
              }
              return true;
            });
  }

  private static Appended say(RaftCluster n, String room, String text) throws Exception {
    return n.append(room, "s-" + n.nodeId(), null, Kind.MESSAGE, "ann", "telnet", text)
        .get(10, TimeUnit.SECONDS);
  }

  /** Appends, retrying a failure as a user would (with the same client message id). */
  private static Appended sayReliably(RaftCluster n, String room, String id, String text) {
    return await()
        .atMost(UP)
        .pollDelay(Duration.ZERO)
        .ignoreExceptions()
        .until(
            () ->
                n.append(room, "s-" + n.nodeId(), id, Kind.MESSAGE, "ann", "telnet", text)
                    .get(10, TimeUnit.SECONDS),
            a -> a != null);
  }

  private static List<String> texts(RaftCluster n, String room) {
    return n.state().history(room, 10_000).events().stream().map(ChatEvent::text).toList();
  }

  private static byte[] stateBytes(RaftCluster n) {
    return ParleyStateTest.bytes(n.state());
  }

  @Test
  void appendsThroughEveryNodeGetUniqueIncreasingSeqsAppliedInOrderEverywhere() throws Exception {
    configure();
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitWritable(0, 1, 2);
    await().atMost(UP).until(() -> nodes[0].state().epoch() != 0);
    List<CompletableFuture<Appended>> acks = new ArrayList<>();
    Map<CompletableFuture<Appended>, String> textOf = new HashMap<>();
    for (int k = 0; k < 60; k++) {
      RaftCluster n = nodes[k % 3];
      String text = "m" + k;
      CompletableFuture<Appended> f =
          n.append("lobby", "s-" + n.nodeId(), "id" + k, Kind.MESSAGE, "ann", "web", text);
      acks.add(f);
      textOf.put(f, text);
    }
    Map<Long, String> bySeq = new HashMap<>();
    long epoch = nodes[0].state().epoch();
    for (CompletableFuture<Appended> f : acks) {
      Appended a = f.get(10, TimeUnit.SECONDS);
      assertFalse(a.duplicate());
      assertEquals(epoch, a.epoch());
      assertEquals(null, bySeq.put(a.seq(), textOf.get(f)), "seq " + a.seq() + " given twice");
    }
    assertEquals(60, bySeq.size());
    assertEquals(Set.of(), missingSeqs(bySeq.keySet(), 60));
    for (int i = 0; i < 3; i++) {
      RaftCluster n = nodes[i];
      List<Applied.Event> events = delivered.get(i);
      await().atMost(UP).until(() -> n.state().lastSeq("lobby") == 60 && events.size() >= 60);
      List<ChatEvent> history = n.state().history("lobby", 100).events();
      for (ChatEvent e : history) {
        assertEquals(bySeq.get(e.seq()), e.text(), "node " + n.nodeId() + " seq " + e.seq());
      }
      List<Long> order = events.stream().map(e -> e.event().seq()).toList();
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, 60).boxed().toList(),
          order,
          "node " + n.nodeId() + " applied in seq order");
    }
    // a repeat of an acknowledged message (same session and id) gets its seq again
    RaftCluster n2 = nodes[1];
    Appended again =
        n2.append("lobby", "s-n2", "id1", Kind.MESSAGE, "ann", "web", "m1")
            .get(10, TimeUnit.SECONDS);
    assertTrue(again.duplicate());
    assertEquals("m1", bySeq.get(again.seq()));
    // claims are cluster-wide
    assertEquals(ClaimStatus.OK, nodes[0].claim("Ann", "s1", "web").get(10, TimeUnit.SECONDS));
    assertEquals(ClaimStatus.TAKEN, nodes[2].claim("aNN", "s1", "web").get(10, TimeUnit.SECONDS));
  }

  private static Set<Long> missingSeqs(Set<Long> seqs, long upTo) {
    Set<Long> missing = new HashSet<>();
    for (long s = 1; s <= upTo; s++) {
      if (!seqs.contains(s)) {
        missing.add(s);
      }
    }
    return missing;
  }

  @Test
  void twoNodesKeepWritingWhenOneIsStopped() throws Exception {
    configure();
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitWritable(0, 1, 2);
    say(nodes[0], "lobby", "before");
    int leader = -1;
    for (int i = 0; i < 3; i++) {
      if ("LEADER".equals(nodes[i].role())) {
        leader = i;
      }
    }
    int down = leader >= 0 ? leader : 0; // the hard case: the leader goes
    stop(down);
    int a = (down + 1) % 3;
    int b = (down + 2) % 3;
    awaitWritable(a, b);
    List<Long> seqs = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      seqs.add(sayReliably(nodes[k % 2 == 0 ? a : b], "lobby", "after" + k, "after" + k).seq());
    }
    assertEquals(java.util.stream.LongStream.rangeClosed(2, 11).boxed().toList(), seqs);
    await().atMost(UP).until(() -> texts(nodes[a], "lobby").size() == 11);
    await().atMost(UP).until(() -> texts(nodes[b], "lobby").size() == 11);
    // the stopped node comes back and catches up
    start(down);
    await().atMost(UP).until(() -> texts(nodes[down], "lobby").size() == 11);
    assertEquals(texts(nodes[a], "lobby"), texts(nodes[down], "lobby"));
  }

  @Test
  void aFullRestartInAnotherOrderKeepsEveryAcknowledgedMessageOnce() throws Exception {
    configure();
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitWritable(0, 1, 2);
    await().atMost(UP).until(() -> nodes[0].state().epoch() != 0);
    long epoch = nodes[0].state().epoch();
    Map<String, String> acked = new HashMap<>(); // "room#seq" -> text
    for (int k = 0; k < 100; k++) {
      String room = k % 2 == 0 ? "lobby" : "dev";
      Appended a = say(nodes[k % 3], room, "t" + k);
      assertEquals(null, acked.put(room + "#" + a.seq(), "t" + k));
    }
    await()
        .atMost(UP)
        .until(
            () -> nodes[0].state().lastSeq("lobby") == 50 && nodes[2].state().lastSeq("dev") == 50);
    for (int i = 0; i < 3; i++) {
      stop(i);
    }
    // n3 alone first: it replays its log (reads work) but is read-only
    RaftCluster first = start(2);
    assertEquals(epoch, first.state().epoch());
    assertNotNull(first.stateMachine().getLatestSnapshot(), "100 entries: snapshots were taken");
    assertFalse(first.writable());
    ExecutionException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> say(first, "lobby", "alone"));
    assertInstanceOf(ReadOnlyException.class, refused.getCause());
    assertTrue(
        refused.getCause().getMessage().startsWith(ReadOnlyException.PREFIX),
        refused.getCause().getMessage());
    await().atMost(UP).until(() -> first.state().lastSeq("dev") >= 40); // up to its commit index
    start(0);
    start(1);
    awaitWritable(0, 1, 2);
    for (int i = 0; i < 3; i++) {
      RaftCluster n = nodes[i];
      await()
          .atMost(UP)
          .until(() -> n.state().lastSeq("lobby") == 50 && n.state().lastSeq("dev") == 50);
      for (String room : List.of("lobby", "dev")) {
        List<ChatEvent> h = n.state().history(room, 1000).events();
        assertEquals(50, h.size());
        Set<Long> seen = new HashSet<>();
        for (ChatEvent e : h) {
          assertTrue(seen.add(e.seq()), "seq " + e.seq() + " twice on " + n.nodeId());
          assertEquals(acked.get(room + "#" + e.seq()), e.text(), room + "#" + e.seq());
        }
      }
      assertEquals(epoch, n.state().epoch());
    }
    // numbering goes on, and every node ends with the same state
    assertEquals(51, say(nodes[1], "lobby", "after restart").seq());
    await()
        .atMost(UP)
        .untilAsserted(
            () -> {
              assertArrayEquals(stateBytes(nodes[0]), stateBytes(nodes[1]));
              assertArrayEquals(stateBytes(nodes[0]), stateBytes(nodes[2]));
            });
  }

  @Test
  void aNodeWhosePeersAreGoneTurnsReadOnlyButKeepsServingReads() throws Exception {
    configure();
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitWritable(0, 1, 2);
    say(nodes[0], "lobby", "hello");
    await().atMost(UP).until(() -> nodes[2].state().lastSeq("lobby") == 1);
    List<Boolean> flips = new CopyOnWriteArrayList<>();
    nodes[2].onWritableChange(flips::add);
    stop(0);
    stop(1);
    long t0 = System.nanoTime();
    await().atMost(Duration.ofSeconds(8)).until(() -> !nodes[2].writable());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 8000, "read-only after " + ms + " ms");
    ExecutionException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> say(nodes[2], "lobby", "nobody hears"));
    assertInstanceOf(ReadOnlyException.class, refused.getCause());
    assertEquals(List.of("hello"), texts(nodes[2], "lobby"));
    await().atMost(Duration.ofSeconds(2)).until(() -> flips.contains(false));
  }

  @Test
  void aNodeFarBehindGetsTheLeadersSnapshot() throws Exception {
    purgeEarly = true;
    configure();
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitWritable(0, 1, 2);
    say(nodes[0], "lobby", "first");
    stop(2);
    awaitWritable(0, 1);
    for (int batch = 0; batch < 6; batch++) {
      List<CompletableFuture<Appended>> acks = new ArrayList<>();
      for (int k = 0; k < 50; k++) {
        RaftCluster n = nodes[k % 2];
        acks.add(
            n.append("lobby", "s", batch + "-" + k, Kind.MESSAGE, "ann", "web", batch + "-" + k));
      }
      for (CompletableFuture<Appended> f : acks) {
        f.get(10, TimeUnit.SECONDS);
      }
    }
    await().atMost(UP).until(() -> nodes[0].state().lastSeq("lobby") == 301);
    start(2);
    await().atMost(UP).until(() -> nodes[2].state().lastSeq("lobby") == 301);
    assertFalse(restored.get(2).isEmpty(), "n3 caught up by installing a snapshot");
    assertEquals(texts(nodes[0], "lobby"), texts(nodes[2], "lobby"));
    assertEquals(302, say(nodes[2], "lobby", "back").seq());
    await()
        .atMost(UP)
        .untilAsserted(() -> assertArrayEquals(stateBytes(nodes[0]), stateBytes(nodes[2])));
  }
}

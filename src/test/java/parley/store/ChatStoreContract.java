package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import parley.chat.ChatEvent;
import parley.chat.UserRecord;

/**
 * The behaviour every {@link ChatStore} must have. Each implementation has a subclass that provides
 * the store (like Vert.x's AsyncMapTest with its local and clustered subclasses).
 */
public abstract class ChatStoreContract {
  protected static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  /** A fresh, empty store. */
  protected abstract ChatStore store() throws Exception;

  /** A second view of the same store (another node in a cluster; the same node locally). */
  protected ChatStore peer() throws Exception {
    return store();
  }

  protected static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  protected static UserRecord user(String nick, String session) {
    return new UserRecord(nick, "telnet", "n1", session, T0, T0);
  }

  protected static ChatEvent msg(String room, String text) {
    return ChatEvent.message(room, T0, "alice", "telnet", text);
  }

  @Test
  void theEpochIsOneNonEmptyStringForEveryView() throws Exception {
    ChatStore s = store();
    String epoch = s.epoch();
    assertTrue(epoch != null && !epoch.isEmpty(), "epoch: " + epoch);
    await(s.append(msg("lobby", "hi"), e -> {}));
    assertEquals(epoch, s.epoch(), "appending does not change it");
    assertEquals(epoch, peer().epoch(), "every view of the store has the same epoch");
  }

  @Test
  void nicknameClaimsAreUniqueCaseInsensitively() throws Exception {
    ChatStore s = store();
    ChatStore p = peer();
    assertTrue(await(s.claimNick(user("Alice", "s1"))));
    assertFalse(await(p.claimNick(user("alice", "s2"))));
    assertEquals("s1", await(p.user("ALICE")).sessionId());
    await(p.releaseNick("alice", "s2"));
    assertEquals("s1", await(s.user("alice")).sessionId(), "only the holder can release");
    await(s.releaseNick("alice", "s1"));
    assertNull(await(p.user("alice")));
    assertTrue(await(p.claimNick(user("alice", "s2"))));
  }

  @Test
  void concurrentClaimsHaveExactlyOneWinner() throws Exception {
    ChatStore s = store();
    ChatStore p = peer();
    List<Future<Boolean>> claims = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      claims.add((i % 2 == 0 ? s : p).claimNick(user("racer", "s" + i)));
    }
    await(Future.all(claims));
    assertEquals(1, claims.stream().filter(Future::result).count());
  }

  @Test
  void usersAndTouch() throws Exception {
    ChatStore s = store();
    await(s.claimNick(user("bob", "s1")));
    await(s.claimNick(user("alice", "s2")));
    await(s.touch("bob", "s1", T0.plusSeconds(60)));
    List<UserRecord> all = await(peer().users());
    assertEquals(List.of("alice", "bob"), all.stream().map(UserRecord::nick).toList());
    assertTrue(!all.get(1).lastActive().isBefore(T0), "touch may be coarse but never goes back");
  }

  /**
   * Collects the seqs a store publishes: through {@code append}'s publish, or for a store that
   * delivers on every node, through {@link ChatStore#deliverTo} (then publish is never called).
   */
  protected static Consumer<ChatEvent> collect(ChatStore s, List<Long> seqs) {
    Consumer<ChatEvent> c = e -> seqs.add(e.seq());
    s.deliverTo(c);
    return c;
  }

  @Test
  void membershipAndRooms() throws Exception {
    ChatStore s = store();
    await(s.claimNick(user("bob", "s1")));
    await(s.claimNick(user("alice", "s2")));
    await(s.joinRoom("dev", "s1", "bob"));
    await(s.joinRoom("dev", "s2", "alice"));
    await(s.joinRoom("lobby", "s1", "bob"));
    assertEquals(
        new ChatStore.Members(List.of("alice", "bob"), 2), await(peer().members("dev", 10)));
    await(s.joinRoom("dev", "s1", "bobby"));
    assertEquals(List.of("alice", "bobby"), await(s.members("dev", 10)).names());
    assertEquals(2, await(s.members("dev", 1)).count());
    assertEquals(1, await(s.members("dev", 1)).names().size());
    await(s.leaveRoom("dev", "s2"));
    assertEquals(List.of("bobby"), await(s.members("dev", 10)).names());
    await(
        s.append(
            new ChatEvent(
                ChatEvent.Type.TOPIC, "dev", 0, T0, "bobby", "web", "Parley internals", null),
            e -> {}));
    assertEquals("Parley internals", await(peer().topic("dev")));
    var rooms = await(s.rooms());
    assertEquals(List.of("dev", "lobby"), rooms.stream().map(r -> r.name()).toList());
    assertEquals(1, rooms.get(0).members());
  }

  @Test
  void appendGivesIncreasingSeqAndPublishesInOrder() throws Exception {
    ChatStore s = store();
    List<Long> published = Collections.synchronizedList(new ArrayList<>());
    Consumer<ChatEvent> publish = collect(s, published);
    List<Future<ChatEvent>> appends = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      appends.add(s.append(msg("lobby", "m" + i), publish));
    }
    await(Future.all(appends));
    for (int i = 0; i < 50; i++) {
      assertEquals(i + 1, appends.get(i).result().seq());
    }
    assertEquals(50, published.size());
    for (int i = 1; i < published.size(); i++) {
      assertTrue(published.get(i) > published.get(i - 1), "publish order " + published);
    }
    assertEquals(50L, await(peer().lastSeq("lobby")));
    assertEquals(0L, await(s.lastSeq("elsewhere")));
  }

  @Test
  void concurrentAppendersPublishInSeqOrder() throws Exception {
    ChatStore s = store();
    List<Long> published = Collections.synchronizedList(new ArrayList<>());
    Consumer<ChatEvent> publish = collect(s, published);
    int threads = 4;
    int each = 100;
    CountDownLatch done = new CountDownLatch(threads);
    List<Future<ChatEvent>> all = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  all.add(s.append(msg("busy", id + ":" + i), publish));
                }
                done.countDown();
              })
          .start();
    }
    assertTrue(done.await(20, TimeUnit.SECONDS));
    await(Future.all(new ArrayList<>(all)));
    assertEquals(threads * each, published.size());
    for (int i = 0; i < published.size(); i++) {
      assertEquals(i + 1, published.get(i), "seq order as published");
    }
  }

  @Test
  void historyAndSince() throws Exception {
    ChatStore s = store();
    for (int i = 1; i <= 10; i++) {
      await(s.append(msg("lobby", "m" + i), e -> {}));
    }
    await(s.append(msg("other", "x"), e -> {}));
    ChatStore.Slice last3 = await(peer().history("lobby", 3));
    assertEquals(List.of("m8", "m9", "m10"), last3.events().stream().map(ChatEvent::text).toList());
    ChatStore.Slice after7 = await(s.since("lobby", 7, 100));
    assertEquals(List.of(8L, 9L, 10L), after7.events().stream().map(ChatEvent::seq).toList());
    assertEquals(0, after7.missed());
    ChatStore.Slice capped = await(s.since("lobby", 0, 4));
    assertEquals(List.of(7L, 8L, 9L, 10L), capped.events().stream().map(ChatEvent::seq).toList());
    assertEquals(6, capped.missed());
    assertTrue(await(s.since("lobby", 10, 100)).events().isEmpty());
    assertTrue(await(s.history("nowhere", 10)).events().isEmpty());
  }

  @Test
  void snapshotReadsWhatAJoinNeeds() throws Exception {
    ChatStore s = store();
    ChatStore.Snapshot empty = await(s.snapshot("nowhere", 0, 10, 10));
    assertTrue(empty.history().events().isEmpty());
    assertEquals(0, empty.lastSeq());
    assertNull(empty.topic());
    assertEquals(new ChatStore.Members(List.of(), 0), empty.members());

    for (int i = 1; i <= 5; i++) {
      await(s.append(msg("lobby", "m" + i), e -> {}));
    }
    await(
        s.append(
            new ChatEvent(ChatEvent.Type.TOPIC, "lobby", 0, T0, "bob", "web", "snacks", null),
            e -> {}));
    await(s.claimNick(user("bob", "s1")));
    await(s.claimNick(user("alice", "s2")));
    await(s.joinRoom("lobby", "s1", "bob"));
    await(s.joinRoom("lobby", "s2", "alice"));

    ChatStore.Snapshot last = await(peer().snapshot("lobby", 0, 3, 10));
    assertEquals(
        List.of(4L, 5L, 6L), last.history().events().stream().map(ChatEvent::seq).toList());
    assertEquals(0, last.history().missed());
    assertEquals(6, last.lastSeq());
    assertEquals("snacks", last.topic());
    assertEquals(new ChatStore.Members(List.of("alice", "bob"), 2), last.members());

    ChatStore.Snapshot since = await(s.snapshot("lobby", 2, 2, 1));
    assertEquals(List.of(5L, 6L), since.history().events().stream().map(ChatEvent::seq).toList());
    assertEquals(2, since.history().missed(), "seq 3 and 4 are after 2 but beyond the 2 asked for");
    assertEquals(6, since.lastSeq());
    assertEquals(1, since.members().names().size());
    assertEquals(2, since.members().count());

    ChatStore.Snapshot upToDate = await(s.snapshot("lobby", 6, 100, 10));
    assertTrue(upToDate.history().events().isEmpty());
    assertEquals(6, upToDate.lastSeq());
  }

  @Test
  void sinceCountsWhatRetentionDropped() throws Exception {
    ChatStore s = storeRetaining(5);
    for (int i = 1; i <= 12; i++) {
      await(s.append(msg("lobby", "m" + i), e -> {}));
    }
    ChatStore.Slice slice = await(s.since("lobby", 3, 100));
    assertEquals(
        List.of(8L, 9L, 10L, 11L, 12L), slice.events().stream().map(ChatEvent::seq).toList());
    assertEquals(4, slice.missed(), "seq 4 to 7 are gone");
  }

  /** A fresh store that keeps only {@code retain} events per room. */
  protected abstract ChatStore storeRetaining(int retain) throws Exception;
}

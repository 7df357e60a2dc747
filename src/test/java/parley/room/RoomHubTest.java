package parley.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import parley.chat.ChatEvent;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.store.LocalChatStore;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A room's events reach its sessions in seq order, once each, even when the event bus brings them out of
 * order (as it does in a cluster, where different nodes publish), and a joining session gets nothing its
 * history already had.
 */
class RoomHubTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  private Vertx vertx;
  private Context context;
  private LocalChatStore store;
  private RoomHub hub;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    store = new LocalChatStore(vertx, 100, null);
    vertx.eventBus().registerDefaultCodec(ChatEvent.class, new EventCodec());
    hub = on(() -> new RoomHub(context, vertx.eventBus(), store, 100));
    for (int i = 1; i <= 5; i++) {
      store.append(msg(0, "m" + i), e -> { }).await(5, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void tearDown() {
    vertx.close();
  }

  private <T> T on(Supplier<T> action) throws Exception {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.complete(action.get()));
    return p.future().await(5, TimeUnit.SECONDS);
  }

  private static ChatEvent msg(long seq, String text) {
    return ChatEvent.message("lobby", T0, "alice", "telnet", text).withSeq(seq);
  }

  private void publish(long... seqs) {
    for (long seq : seqs) {
      vertx.eventBus().publish(RoomHub.address("lobby"), msg(seq, "m" + seq));
    }
  }

  private Recorder join(long floor, boolean ready) throws Exception {
    Recorder s = new Recorder(context);
    on(() -> hub.join("lobby", s)).await(5, TimeUnit.SECONDS);
    if (ready) {
      on(() -> {
        hub.ready("lobby", s, floor);
        return null;
      });
    }
    return s;
  }

  private static void awaitCount(Recorder s, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (s.seen.size() < n) {
      assertTrue(System.nanoTime() < deadline, "only " + s.seen);
      Thread.sleep(5);
    }
    Thread.sleep(50);
  }

  @Test
  void outOfOrderEventsAreDeliveredInSeqOrder() throws Exception {
    Recorder s = join(2, true);
    publish(4, 3, 5);
    awaitCount(s, 3);
    assertEquals(List.of(3L, 4L, 5L), s.seqs());
  }

  @Test
  void aGapThatLastsIsFilledFromTheStore() throws Exception {
    Recorder s = join(2, true);
    publish(5);
    awaitCount(s, 3);
    assertEquals(List.of(3L, 4L, 5L), s.seqs(), "3 and 4 fetched after the wait");
    publish(3, 4);
    Thread.sleep(100);
    assertEquals(List.of(3L, 4L, 5L), s.seqs(), "late copies are dropped");
  }

  @Test
  void aNewConsumerCatchesUpWithWhatNoOneSentIt() throws Exception {
    Recorder s = join(2, true);
    awaitCount(s, 3); // nothing published: another node did not know of this consumer yet
    assertEquals(List.of(3L, 4L, 5L), s.seqs());
  }

  @Test
  void aJoiningSessionGetsOnlyWhatItsHistoryLacked() throws Exception {
    Recorder old = join(2, true);
    Recorder joining = join(0, false);
    publish(3, 4, 5);
    vertx.eventBus().publish(RoomHub.address("lobby"),
        new ChatEvent(ChatEvent.Type.JOIN, "lobby", 0, T0, "bob", "web", null, null));
    awaitCount(old, 4);
    assertTrue(joining.seen.isEmpty(), "held back until its history is sent");
    on(() -> {
      hub.ready("lobby", joining, 4);
      return null;
    });
    awaitCount(joining, 2);
    assertEquals(List.of(5L, 0L), joining.seqs(), "history had up to 4; the join notice comes too");
  }

  /** A session that records what it is sent. */
  private static final class Recorder implements Session {
    final List<ChatEvent> seen = new CopyOnWriteArrayList<>();
    private final Context context;
    private final SessionState state = new SessionState("telnet", T0);

    Recorder(Context context) {
      this.context = context;
    }

    List<Long> seqs() {
      return seen.stream().map(ChatEvent::seq).toList();
    }

    @Override
    public String id() {
      return "r" + System.identityHashCode(this);
    }

    @Override
    public RoomHub hub() {
      throw new UnsupportedOperationException("the hub is driven by the test");
    }

    @Override
    public Context context() {
      return context;
    }

    @Override
    public SessionState state() {
      return state;
    }

    @Override
    public String address() {
      return "127.0.0.1";
    }

    @Override
    public void deliver(Outgoing out) {
      seen.add(out.event);
    }

    @Override
    public void reply(Reply reply) {
    }

    @Override
    public void close(String reason) {
    }
  }
}

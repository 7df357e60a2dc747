package parley.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import parley.chat.ChatEvent;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.ops.Metrics;
import parley.store.AccountFile;
import parley.store.BanList;
import parley.store.LocalChatStore;
import parley.support.Eventually;

/**
 * A room's events reach its sessions in seq order, once each, even when the event bus brings them
 * out of order (as it does in a cluster, where different nodes publish), and a joining session gets
 * nothing its history already had.
 */
@ExtendWith(VertxExtension.class)
class RoomHubTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String MARKER = "marker";

  private Vertx vertx;
  private Context context;
  private LocalChatStore store;
  private RoomHub hub;
  private int markers;

  /** The extension gives each test a Vert.x of its own and closes it after the test. */
  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    store = new LocalChatStore(vertx, 100, null, BanList.inMemory(), AccountFile.inMemory());
    vertx.eventBus().registerDefaultCodec(ChatEvent.class, new EventCodec());
    hub = on(() -> new RoomHub(context, vertx.eventBus(), store, 100, Metrics.NONE));
    for (int i = 1; i <= 5; i++) {
      store.append(msg(0, "m" + i), e -> {}).await(5, TimeUnit.SECONDS);
    }
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
      on(
          () -> {
            hub.ready("lobby", s, floor);
            return null;
          });
    }
    return s;
  }

  /**
   * Waits until {@code s} has been sent {@code n} events, and the hub has handled all published so
   * far.
   */
  private void awaitCount(Recorder s, int n) {
    Eventually.within(WAIT)
        .untilAsserted(() -> assertTrue(s.seqs().size() >= n, () -> "only " + s.seen));
    awaitHandled(s);
  }

  /**
   * Publishes a marker, a notice without a seq (which the hub passes on at once), and waits until
   * {@code s} (a ready session) has it: the hub handles a room's events in the order published, so
   * by then it has done with everything published before, and any copy it was going to send is
   * there. {@link Recorder#seqs()} leaves the markers out.
   */
  private void awaitHandled(Recorder s) {
    String nick = MARKER + (++markers);
    vertx
        .eventBus()
        .publish(
            RoomHub.address("lobby"),
            new ChatEvent(ChatEvent.Type.JOIN, "lobby", 0, T0, nick, "web", null, null));
    Eventually.within(WAIT)
        .untilAsserted(
            () ->
                assertTrue(
                    s.seen.stream().anyMatch(e -> nick.equals(e.nick())),
                    () -> "no " + nick + "; only " + s.seen));
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
    awaitHandled(s);
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
    vertx
        .eventBus()
        .publish(
            RoomHub.address("lobby"),
            new ChatEvent(ChatEvent.Type.JOIN, "lobby", 0, T0, "bob", "web", null, null));
    awaitCount(old, 4);
    assertTrue(joining.seen.isEmpty(), "held back until its history is sent");
    on(
        () -> {
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

    /** The seqs of the events sent, without the test's markers. */
    List<Long> seqs() {
      return seen.stream().filter(e -> !e.nick().startsWith(MARKER)).map(ChatEvent::seq).toList();
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
    public void reply(Reply reply) {}

    @Override
    public void close(String reason) {}
  }
}

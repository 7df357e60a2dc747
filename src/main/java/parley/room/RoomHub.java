package parley.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.ChatEvent;
import parley.ops.Metrics;
import parley.store.ChatStore;

/**
 * The rooms of one event loop. For each room with members here it holds one event-bus consumer (not
 * one per connection) and fans each event out to its local sessions, encoding it once per
 * transport. It also batches the flushing of every session's {@link Outbox} to the end of the
 * event-loop turn. Used only on its own event loop.
 *
 * <p>Each room delivers its historic events (those with a seq) in seq order, without gaps or
 * repeats, even when they reach this node out of order: in a cluster, events numbered by different
 * nodes travel on different connections, and a consumer that was just registered may briefly be
 * unknown to other nodes. An event that arrives early waits for the ones before it; a gap that
 * lasts {@link #GAP_WAIT_MS} is filled from the store. A session that joins is held back ({@link
 * #join}) until its history has been sent ({@link #ready}); then it gets what arrived meanwhile,
 * minus what its history already had.
 */
public final class RoomHub {
  private static final Logger LOG = LoggerFactory.getLogger(RoomHub.class);
  public static final String ROOM_ADDRESS = "parley.room.";

  /**
   * How long an event that came before its predecessor waits for it before the gap is filled from
   * the store.
   */
  static final long GAP_WAIT_MS = 250;

  /** Most events held for one joining session, or waiting for a predecessor, in one room. */
  static final int MAX_HELD = 10_000;

  /**
   * When a new room consumer compares itself with the store. Other nodes learn of a new consumer a
   * little after it is registered, so they may not send it the first events; with no later event to
   * reveal the gap, these checks do.
   */
  static final long[] CATCH_UP_MS = {500, 1500, 4000};

  /**
   * How long a room's consumer stays registered after its last session here left. Saves registering
   * it again (a cluster-wide operation) when people leave and come back, and the catch-up above.
   */
  static final long LINGER_MS = 30_000;

  private final Context context;
  private final EventBus eventBus;
  private final ChatStore store;
  private final int fillMax;
  private final Metrics metrics;
  private final Map<String, Room> rooms = new HashMap<>();
  private ArrayList<Outbox> dirty = new ArrayList<>();
  private ArrayList<Outbox> flushing = new ArrayList<>();
  private boolean flushScheduled;
  private final Handler<Void> flushTask = v -> flushAll();

  /**
   * @param store where gaps are filled from
   * @param fillMax the most events fetched to fill one gap (the history a room retains)
   * @param metrics where deliveries and fan-out times are counted, once per event
   */
  public RoomHub(
      Context context, EventBus eventBus, ChatStore store, int fillMax, Metrics metrics) {
    this.context = context;
    this.eventBus = eventBus;
    this.store = store;
    this.fillMax = fillMax;
    this.metrics = metrics;
  }

  public static String address(String room) {
    return ROOM_ADDRESS + room;
  }

  public Context context() {
    return context;
  }

  /**
   * Adds the session to the room's fan-out, holding its events back until {@link #ready}; completes
   * once the room's consumer is registered.
   */
  public Future<Void> join(String room, Session session) {
    Room r = rooms.get(room);
    if (r == null) {
      r = new Room(room);
      rooms.put(room, r);
    }
    r.add(session);
    r.stayOpen();
    return r.consumer.completion();
  }

  /**
   * The session has been sent the room's history up to {@code floor} (the room's last seq when its
   * history was read, or the seq it resumed after): it now gets the events held for it that are
   * newer, then live ones.
   */
  public void ready(String room, Session session, long floor) {
    Room r = rooms.get(room);
    if (r != null) {
      r.ready(session, floor);
    }
  }

  /**
   * The highest seq of the room this loop has sent the session (its history, then live events), or
   * -1 while it is still being sent its history or is not in the room. Read when an account's place
   * in the room is remembered, never on the fan-out path.
   */
  public long delivered(String room, Session session) {
    Room r = rooms.get(room);
    Member m = r == null ? null : r.members.get(session);
    if (m == null || m.held != null) {
      return -1;
    }
    return Math.max(m.floor, r.next - 1);
  }

  public void leave(String room, Session session) {
    Room r = rooms.get(room);
    if (r != null && r.remove(session) && r.isEmpty()) {
      r.linger =
          context
              .owner()
              .setTimer(
                  LINGER_MS,
                  t -> {
                    r.linger = -1;
                    if (r.isEmpty() && rooms.get(room) == r) {
                      rooms.remove(room);
                      r.close();
                    }
                  });
    }
  }

  void schedule(Outbox outbox) {
    dirty.add(outbox);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(flushTask);
    }
  }

  private void flushAll() {
    flushScheduled = false;
    ArrayList<Outbox> batch = dirty;
    dirty = flushing;
    flushing = batch;
    for (int i = 0, n = batch.size(); i < n; i++) {
      batch.get(i).flush();
    }
    batch.clear();
  }

  /**
   * A session in a room: what its history covered, and what is held for it until that history is
   * sent.
   */
  private static final class Member {
    final Session session;
    long floor;
    ArrayDeque<Outgoing> held = new ArrayDeque<>();

    Member(Session session) {
      this.session = session;
    }

    /** Returns whether the event went to the session now (not held back, not already sent). */
    boolean deliver(Outgoing out) {
      long seq = out.event.seq();
      if (held != null) {
        if (held.size() >= MAX_HELD) {
          held.pollFirst();
        }
        held.addLast(out);
      } else if (seq == 0 || seq > floor) {
        session.deliver(out);
        return true;
      }
      return false;
    }
  }

  private final class Room {
    final String name;
    final MessageConsumer<ChatEvent> consumer;
    final Map<Session, Member> members = new LinkedHashMap<>();

    /**
     * Copy of members for iteration, rebuilt lazily after a change: fan-out never sees a
     * half-changed set.
     */
    Member[] snapshot = new Member[0];

    boolean changed;

    /**
     * The seq to deliver next; 0 until the first session is ready and says where the room stands.
     */
    long next;

    /**
     * Events that came before their predecessors (or before the room knew where it stands), by seq.
     */
    final TreeMap<Long, ChatEvent> early = new TreeMap<>();

    long gapTimer = -1;

    /** The timer that closes the room after its last session left; -1 when it has sessions. */
    long linger = -1;

    boolean filling;
    boolean closed;

    Room(String name) {
      this.name = name;
      consumer = eventBus.consumer(address(name), msg -> receive(msg.body()));
      for (long delay : CATCH_UP_MS) {
        context
            .owner()
            .setTimer(
                delay,
                t -> {
                  if (next > 0) {
                    fill(true);
                  }
                });
      }
    }

    void stayOpen() {
      if (linger >= 0) {
        context.owner().cancelTimer(linger);
        linger = -1;
      }
    }

    void add(Session s) {
      if (!members.containsKey(s)) {
        members.put(s, new Member(s));
        changed = true;
      }
    }

    boolean remove(Session s) {
      boolean removed = members.remove(s) != null;
      changed |= removed;
      return removed;
    }

    boolean isEmpty() {
      return members.isEmpty();
    }

    void close() {
      closed = true;
      consumer.unregister();
      cancelGapTimer();
    }

    void ready(Session s, long floor) {
      Member m = members.get(s);
      if (m == null || m.held == null) {
        return;
      }
      m.floor = floor;
      ArrayDeque<Outgoing> held = m.held;
      m.held = null;
      for (Outgoing out : held) {
        if (m.deliver(out)) {
          metrics.delivered(out.event.type(), 1);
        }
      }
      if (next == 0) {
        next = floor + 1;
        drain();
      }
    }

    /** An event from the event bus. */
    void receive(ChatEvent event) {
      long seq = event.seq();
      if (seq == 0) {
        fanOut(event, true);
      } else if (next == 0 || seq > next) {
        if (early.size() >= MAX_HELD) {
          early.pollFirstEntry();
        }
        early.put(seq, event);
        if (next > 0) {
          armGapTimer();
        }
      } else if (seq == next) {
        fanOut(event, true);
        next++;
        drain();
      }
      // seq < next: delivered already (a gap fill brought it first)
    }

    /** Delivers the early events that are next in line. */
    private void drain() {
      while (!early.isEmpty() && early.firstKey() <= next) {
        ChatEvent e = early.pollFirstEntry().getValue();
        if (e.seq() == next) {
          fanOut(e, true);
          next++;
        }
      }
      if (early.isEmpty()) {
        cancelGapTimer();
      } else {
        armGapTimer();
      }
    }

    private void armGapTimer() {
      if (gapTimer < 0 && !filling) {
        gapTimer =
            context
                .owner()
                .setTimer(
                    GAP_WAIT_MS,
                    t -> {
                      gapTimer = -1;
                      fill(false);
                    });
      }
    }

    private void cancelGapTimer() {
      if (gapTimer >= 0) {
        context.owner().cancelTimer(gapTimer);
        gapTimer = -1;
      }
    }

    /**
     * Fetches from the store what came after the last event delivered: what is missing before the
     * early events, or with {@code check}, whatever this consumer has not been sent. Gives up on
     * what the store no longer has.
     */
    private void fill(boolean check) {
      if (closed || filling || (early.isEmpty() && !check)) {
        return;
      }
      filling = true;
      long from = next;
      store
          .since(name, from - 1, fillMax)
          .onComplete(
              ar -> {
                filling = false;
                if (closed) {
                  return;
                }
                if (ar.succeeded()) {
                  for (ChatEvent e : ar.result().events()) {
                    if (e.seq() >= next) {
                      next = e.seq();
                      fanOut(e, false);
                      next++;
                      early.headMap(next).clear();
                    }
                  }
                } else {
                  LOG.warn(
                      "#{}: events {} and on could not be fetched: {}",
                      name,
                      from,
                      ar.cause().toString());
                }
                if (!early.isEmpty() && next == from) {
                  // the store does not have them (retention, or a lost node's last event): skip the
                  // gap
                  next = early.firstKey();
                }
                drain();
              });
    }

    /**
     * @param live whether the event arrived now (timed), not fetched to fill a gap
     */
    void fanOut(ChatEvent event, boolean live) {
      if (changed) {
        snapshot = members.values().toArray(new Member[0]);
        changed = false;
      }
      Outgoing out = new Outgoing(event);
      int delivered = 0;
      for (Member m : snapshot) {
        if (m.deliver(out)) {
          delivered++;
        }
      }
      Instant ts = event.ts();
      metrics.delivered(event.type(), delivered, live && ts != null ? ts.toEpochMilli() : -1);
    }
  }
}

package parley.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import parley.chat.ChatEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The rooms of one event loop. For each room with members here it holds one event-bus consumer (not one
 * per connection) and fans each event out to its local sessions, encoding it once per transport. It also
 * batches the flushing of every session's {@link Outbox} to the end of the event-loop turn. Used only on
 * its own event loop.
 */
public final class RoomHub {
  public static final String ROOM_ADDRESS = "parley.room.";

  private final Context context;
  private final EventBus eventBus;
  private final Map<String, Room> rooms = new HashMap<>();
  private ArrayList<Outbox> dirty = new ArrayList<>();
  private ArrayList<Outbox> flushing = new ArrayList<>();
  private boolean flushScheduled;

  public RoomHub(Context context, EventBus eventBus) {
    this.context = context;
    this.eventBus = eventBus;
  }

  public static String address(String room) {
    return ROOM_ADDRESS + room;
  }

  public Context context() {
    return context;
  }

  /** Adds the session to the room's fan-out; completes once the room's consumer is registered. */
  public Future<Void> join(String room, Session session) {
    Room r = rooms.get(room);
    if (r == null) {
      r = new Room(room);
      rooms.put(room, r);
    }
    r.add(session);
    return r.consumer.completion();
  }

  public void leave(String room, Session session) {
    Room r = rooms.get(room);
    if (r != null && r.remove(session) && r.isEmpty()) {
      rooms.remove(room);
      r.consumer.unregister();
    }
  }

  /** Sessions in the room on this event loop. */
  public int localMembers(String room) {
    Room r = rooms.get(room);
    return r == null ? 0 : r.members.size();
  }

  void schedule(Outbox outbox) {
    dirty.add(outbox);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flushAll());
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

  private final class Room {
    final MessageConsumer<ChatEvent> consumer;
    final Set<Session> members = new LinkedHashSet<>();
    /** Copy of members for iteration, rebuilt lazily after a change: fan-out never sees a half-changed set. */
    Session[] snapshot = new Session[0];
    boolean changed;

    Room(String name) {
      consumer = eventBus.consumer(address(name), msg -> deliver(msg.body()));
    }

    void add(Session s) {
      changed |= members.add(s);
    }

    boolean remove(Session s) {
      boolean removed = members.remove(s);
      changed |= removed;
      return removed;
    }

    boolean isEmpty() {
      return members.isEmpty();
    }

    void deliver(ChatEvent event) {
      if (changed) {
        snapshot = members.toArray(new Session[0]);
        changed = false;
      }
      Outgoing out = new Outgoing(event);
      for (Session s : snapshot) {
        s.deliver(out);
      }
    }
  }
}

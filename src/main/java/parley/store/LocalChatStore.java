package parley.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import parley.chat.Account;
import parley.chat.ChatEvent;
import parley.chat.Nick;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;
import parley.chat.RoomInfo;
import parley.chat.UserRecord;

/**
 * The store of a single node: nickname claims and rooms live in Vert.x local shared data ({@link
 * LocalMap}), so every event loop of the node sees the same state without a network round trip.
 *
 * <p>Moderation state belongs to the store object (one per node): bans in its {@link BanList}
 * (durable, {@code bans.json}), mutes in memory by nickname key (they outlive a reconnect, not a
 * restart). Changes are reported to the {@link #onModeration} handlers synchronously, on the thread
 * that made them.
 *
 * <p>Accounts live in its {@link AccountFile} ({@code accounts.json}); a change completes once it
 * is on disk.
 */
public final class LocalChatStore implements ChatStore {

  /**
   * Where acknowledged history goes for durability; completes once the event counts as
   * acknowledged.
   */
  public interface EventLog {
    CompletionStage<Void> write(ChatEvent event);

    /** The highest seq ever journaled for the room, even if retention has dropped it since. */
    long lastSeq(String room);

    /** The epoch of the journaled numbering (see {@link ChatStore#epoch}). */
    String epoch();
  }

  private final Vertx vertx;
  private final LocalMap<String, Claim> nicks;
  private final LocalMap<String, RoomLog> rooms;
  private final int retain;
  private final EventLog journal;
  private final String epoch;
  private final BanList bans;
  private final AccountFile accounts;

  /** Mutes by nickname key; expired ones are dropped when next looked at. */
  private final Map<String, Mute> mutes = new ConcurrentHashMap<>();

  private final List<ModerationHandlers> handlers = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> roleHandlers = new CopyOnWriteArrayList<>();

  private record ModerationHandlers(
      Consumer<BanList.Ban> banned, Consumer<Mute> muted, Consumer<String> unmuted) {}

  /**
   * @param retain how many events per room are kept in memory for history and resume
   * @param journal null to keep history in memory only
   * @param bans where bans are kept ({@link BanList#open}, or {@link BanList#inMemory})
   * @param accounts where accounts are kept ({@link AccountFile#open}, or {@link
   *     AccountFile#inMemory})
   */
  public LocalChatStore(
      Vertx vertx, int retain, EventLog journal, BanList bans, AccountFile accounts) {
    this.bans = java.util.Objects.requireNonNull(bans, "bans");
    this.accounts = java.util.Objects.requireNonNull(accounts, "accounts");
    this.vertx = vertx;
    this.nicks = vertx.sharedData().getLocalMap("parley.nicks");
    this.rooms = vertx.sharedData().getLocalMap("parley.rooms");
    this.retain = retain;
    this.journal = journal;
    // the numbering lives in this Vert.x's shared data, so does its epoch; without a journal every
    // start numbers from 1 again, and a new epoch each time says so
    LocalMap<String, String> meta = vertx.sharedData().getLocalMap("parley.meta");
    String proposed = journal == null ? randomEpoch() : journal.epoch();
    String held = meta.putIfAbsent("epoch", proposed);
    this.epoch = held != null ? held : proposed;
  }

  /** A random epoch in the journal's form, 16 hex digits. */
  public static String randomEpoch() {
    return String.format("%016x", new java.security.SecureRandom().nextLong());
  }

  @Override
  public String epoch() {
    return epoch;
  }

  /**
   * Puts events read back from the journal at start into history. Events must be in seq order per
   * room.
   */
  public void restore(String room, List<ChatEvent> events) {
    room(room).restore(events);
  }

  /** A nickname claim; immutable so that it may live in a LocalMap. */
  private record Claim(UserRecord user) implements Shareable {}

  @Override
  public Future<Boolean> claimNick(UserRecord user) {
    return Future.succeededFuture(
        nicks.putIfAbsent(Nick.key(user.nick()), new Claim(user)) == null);
  }

  @Override
  public Future<Void> releaseNick(String nick, String sessionId) {
    String key = Nick.key(nick);
    Claim c = nicks.get(key);
    if (c != null && c.user().sessionId().equals(sessionId)) {
      nicks.remove(key, c);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> touch(String nick, String sessionId, Instant now) {
    String key = Nick.key(nick);
    Claim c = nicks.get(key);
    if (c != null && c.user().sessionId().equals(sessionId)) {
      nicks.replace(key, c, new Claim(c.user().touched(now)));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<UserRecord> user(String nick) {
    Claim c = nicks.get(Nick.key(nick));
    return Future.succeededFuture(c == null ? null : c.user());
  }

  @Override
  public Future<List<UserRecord>> users() {
    List<UserRecord> all = new ArrayList<>();
    nicks.values().forEach(c -> all.add(c.user()));
    all.sort(Comparator.comparing(u -> Nick.key(u.nick())));
    return Future.succeededFuture(all);
  }

  @Override
  public Future<Void> joinRoom(String room, String sessionId, String nick) {
    room(room).join(sessionId, nick);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> leaveRoom(String room, String sessionId) {
    RoomLog r = rooms.get(room);
    if (r != null) {
      r.leave(sessionId);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Members> members(String room, int limit) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(r == null ? new Members(List.of(), 0) : r.members(limit));
  }

  @Override
  public Future<List<RoomInfo>> rooms() {
    List<RoomInfo> all = new ArrayList<>();
    rooms.forEach(
        (name, r) -> {
          RoomInfo info = r.info(name);
          if (info.members() > 0 || r.lastSeq() > 0) {
            all.add(info);
          }
        });
    all.sort(Comparator.comparing(RoomInfo::name));
    return Future.succeededFuture(all);
  }

  @Override
  public Future<String> topic(String room) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(r == null ? null : r.topic());
  }

  @Override
  public Future<ChatEvent> append(ChatEvent event, Consumer<ChatEvent> publish) {
    RoomLog r = room(event.room());
    if (journal == null) {
      return Future.succeededFuture(r.append(event, publish));
    }
    CompletionStage<ChatEvent> done = r.appendJournaled(event, journal, publish);
    CompletableFuture<ChatEvent> cf = done.toCompletableFuture();
    if (cf.isDone() && !cf.isCompletedExceptionally()) {
      return Future.succeededFuture(
          cf.join()); // batched fsync: written and published already, no hop
    }
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(done, context);
  }

  @Override
  public Future<Slice> history(String room, int count) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(r == null ? new Slice(List.of(), 0) : r.last(count));
  }

  @Override
  public Future<Slice> since(String room, long afterSeq, int max) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(r == null ? new Slice(List.of(), 0) : r.since(afterSeq, max));
  }

  @Override
  public Future<Long> lastSeq(String room) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(r == null ? 0L : r.lastSeq());
  }

  @Override
  public Future<Snapshot> snapshot(String room, long afterSeq, int max, int memberLimit) {
    RoomLog r = rooms.get(room);
    return Future.succeededFuture(
        r == null
            ? new Snapshot(new Slice(List.of(), 0), 0, null, new Members(List.of(), 0))
            : r.snapshot(afterSeq, max, memberLimit));
  }

  // ---- moderation ----------------------------------------------------------------------------

  @Override
  public Future<Void> ban(BanList.Ban ban) {
    bans.add(ban);
    handlers.forEach(h -> h.banned().accept(ban));
    return Future.succeededFuture();
  }

  @Override
  public Future<List<BanList.Ban>> unban(String addressOrNick) {
    return Future.succeededFuture(bans.remove(addressOrNick));
  }

  @Override
  public BanList.Ban banned(String address, Instant now) {
    return bans.find(address, now);
  }

  @Override
  public Future<Void> mute(Mute mute) {
    mutes.put(Nick.key(mute.nick()), mute);
    handlers.forEach(h -> h.muted().accept(mute));
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> unmute(String nick) {
    boolean lifted = mutes.remove(Nick.key(nick)) != null;
    if (lifted) {
      handlers.forEach(h -> h.unmuted().accept(nick));
    }
    return Future.succeededFuture(lifted);
  }

  @Override
  public Mute muted(String nick, Instant now) {
    String key = Nick.key(nick);
    Mute m = mutes.get(key);
    if (m != null && !m.activeAt(now)) {
      mutes.remove(key, m); // ran out
      return null;
    }
    return m;
  }

  @Override
  public void onModeration(
      Consumer<BanList.Ban> banned, Consumer<Mute> muted, Consumer<String> unmuted) {
    handlers.add(new ModerationHandlers(banned, muted, unmuted));
  }

  // ---- accounts ------------------------------------------------------------------------------

  @Override
  public Future<Boolean> register(Account account) {
    return durable(accounts.change(b -> b.register(account)));
  }

  @Override
  public Future<Account> account(String name) {
    return Future.succeededFuture(accounts.read(b -> b.get(name)));
  }

  @Override
  public Future<Account> accountByToken(String tokenHash) {
    return Future.succeededFuture(accounts.read(b -> b.byToken(tokenHash)));
  }

  @Override
  public Future<Boolean> setPassword(String name, PasswordHash hash) {
    return durable(accounts.change(b -> b.setPassword(name, hash)));
  }

  @Override
  public Future<Boolean> dropAccount(String name) {
    return durable(accounts.change(b -> b.drop(name)));
  }

  @Override
  public Future<Boolean> setRole(String name, Role role, boolean granted) {
    return durable(accounts.change(b -> b.setRole(name, role, granted)))
        .onSuccess(
            set -> {
              if (set) {
                roleHandlers.forEach(h -> h.accept(name));
              }
            });
  }

  @Override
  public Future<Boolean> anyHolds(Role role) {
    return Future.succeededFuture(accounts.read(b -> b.anyHolds(role)));
  }

  @Override
  public void onRoles(Consumer<String> account) {
    roleHandlers.add(account);
  }

  @Override
  public Future<Boolean> addToken(String name, Account.Token token) {
    return durable(accounts.change(b -> b.addToken(name, token)));
  }

  @Override
  public Future<Void> dropToken(String name, String tokenHash) {
    return durable(
        accounts.change(
            b -> {
              b.dropToken(name, tokenHash);
              return null;
            }));
  }

  @Override
  public Future<Void> seen(String name, String room, long seq) {
    return durable(
        accounts.change(
            b -> {
              b.seen(name, room, seq);
              return null;
            }));
  }

  @Override
  public Future<Void> forgetRoom(String name, String room) {
    return durable(
        accounts.change(
            b -> {
              b.forget(name, room);
              return null;
            }));
  }

  @Override
  public Future<Boolean> queueOffline(String to, String from, String via, String text, Instant at) {
    return durable(accounts.change(b -> b.queue(to, from, via, text, at)));
  }

  @Override
  public Future<List<OfflineMessage>> takeOffline(String name) {
    return durable(accounts.change(b -> b.take(name)));
  }

  /** A change's future, completed on the caller's context (at once when nothing was written). */
  private <T> Future<T> durable(CompletableFuture<T> written) {
    if (written.isDone() && !written.isCompletedExceptionally()) {
      return Future.succeededFuture(written.join());
    }
    return Future.fromCompletionStage(written, vertx.getOrCreateContext());
  }

  /** Completes once the ban list and the accounts are on disk. */
  @Override
  public CompletableFuture<Void> flush() {
    return CompletableFuture.allOf(bans.flush(), accounts.flush());
  }

  private RoomLog room(String name) {
    RoomLog r = rooms.get(name);
    if (r == null) {
      RoomLog fresh = new RoomLog(retain, journal == null ? 0 : journal.lastSeq(name));
      r = rooms.putIfAbsent(name, fresh);
      if (r == null) {
        r = fresh;
      }
    }
    return r;
  }

  /**
   * One room: members, topic, the retained tail of its history and its sequence counter. Shared by
   * every event loop of the node, hence synchronized.
   */
  static final class RoomLog implements Shareable {
    private final int retain;
    private final ArrayDeque<ChatEvent> events = new ArrayDeque<>();
    private final Map<String, String> members = new HashMap<>();
    private long seq;
    private String topic;

    /**
     * Journal completions for this room, chained so that publish happens in seq order; never
     * completes exceptionally. Null when every earlier event is known to be published (or failed).
     */
    private CompletionStage<Void> tail;

    RoomLog(int retain, long seqFloor) {
      this.retain = retain;
      this.seq = seqFloor;
    }

    synchronized ChatEvent append(ChatEvent event, Consumer<ChatEvent> publish) {
      ChatEvent e = keep(event);
      publish.accept(e);
      return e;
    }

    synchronized CompletionStage<ChatEvent> appendJournaled(
        ChatEvent event, EventLog journal, Consumer<ChatEvent> publish) {
      ChatEvent e = keep(event);
      CompletionStage<Void> written = journal.write(e);
      if (written instanceof CompletableFuture<Void> w
          && w.isDone()
          && !w.isCompletedExceptionally()
          && (tail == null || tail instanceof CompletableFuture<Void> t && t.isDone())) {
        // Fast path (batched fsync): written already and every earlier event published, so
        // publishing now keeps seq order; no stages to build.
        tail = null;
        try {
          publish.accept(e);
        } catch (Throwable err) {
          return CompletableFuture.failedFuture(
              new CompletionException(err)); // as thenRun would report it
        }
        return CompletableFuture.completedFuture(e);
      }
      CompletionStage<Void> published =
          tail == null
              ? written.thenRun(() -> publish.accept(e))
              : tail.thenCombine(written, (a, b) -> (Void) null).thenRun(() -> publish.accept(e));
      tail = published.exceptionally(err -> null);
      return published.thenApply(v -> e);
    }

    private ChatEvent keep(ChatEvent event) {
      ChatEvent e = event.withSeq(++seq);
      events.addLast(e);
      while (events.size() > retain) {
        events.removeFirst();
      }
      if (e.type() == ChatEvent.Type.TOPIC) {
        topic = e.text();
      }
      return e;
    }

    synchronized void restore(List<ChatEvent> restored) {
      for (ChatEvent e : restored) {
        if (events.isEmpty() || e.seq() > events.peekLast().seq()) {
          events.addLast(e);
          seq = Math.max(seq, e.seq());
          if (e.type() == ChatEvent.Type.TOPIC) {
            topic = e.text();
          }
        }
      }
      while (events.size() > retain) {
        events.removeFirst();
      }
    }

    synchronized Slice last(int count) {
      int n = Math.min(count, events.size());
      List<ChatEvent> out = new ArrayList<>(n);
      var it = events.descendingIterator();
      for (int i = 0; i < n; i++) {
        out.add(it.next());
      }
      java.util.Collections.reverse(out);
      return new Slice(out, 0);
    }

    synchronized Slice since(long afterSeq, int max) {
      long first = events.isEmpty() ? seq + 1 : events.peekFirst().seq();
      long missed = Math.max(0, first - 1 - Math.max(0, afterSeq));
      List<ChatEvent> out = new ArrayList<>();
      for (ChatEvent e : events) {
        if (e.seq() > afterSeq) {
          out.add(e);
        }
      }
      if (out.size() > max) {
        missed += out.size() - max;
        out = new ArrayList<>(out.subList(out.size() - max, out.size()));
      }
      return new Slice(out, missed);
    }

    synchronized Snapshot snapshot(long afterSeq, int max, int memberLimit) {
      return new Snapshot(
          afterSeq > 0 ? since(afterSeq, max) : last(max), seq, topic, members(memberLimit));
    }

    synchronized long lastSeq() {
      return seq;
    }

    synchronized void join(String sessionId, String nick) {
      members.put(sessionId, nick);
    }

    synchronized void leave(String sessionId) {
      members.remove(sessionId);
    }

    synchronized Members members(int limit) {
      List<String> out = new ArrayList<>(Math.min(limit, members.size()));
      for (String nick : members.values()) {
        if (out.size() >= limit) {
          break;
        }
        out.add(nick);
      }
      out.sort(String.CASE_INSENSITIVE_ORDER);
      return new Members(out, members.size());
    }

    synchronized String topic() {
      return topic;
    }

    synchronized RoomInfo info(String name) {
      return new RoomInfo(name, members.size(), topic);
    }
  }
}

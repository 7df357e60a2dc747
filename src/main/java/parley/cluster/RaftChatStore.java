package parley.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.ChatEvent;
import parley.chat.Nick;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;
import parley.chat.RoomInfo;
import parley.chat.UserRecord;
import parley.cluster.raft.Applied;
import parley.cluster.raft.Commands;
import parley.cluster.raft.Commands.ClaimStatus;
import parley.cluster.raft.Commands.Kind;
import parley.cluster.raft.ParleyState;
import parley.cluster.raft.ParleyState.Holder;
import parley.cluster.raft.ParleyState.Restriction;
import parley.cluster.raft.ParleyState.RestrictionKind;
import parley.cluster.raft.RaftCluster;
import parley.store.BanList;
import parley.store.ChatStore;

/**
 * The store of a clustered node: every cluster-wide fact (room seqs and history, topics, nickname
 * claims, room memberships, bans and mutes, accounts) is a command in the cluster's Raft log
 * ({@link RaftCluster}), applied in the same order on every node. Writes are acknowledged only once
 * a majority of the voters has them on disk; a node cut off from the majority refuses them ({@link
 * parley.store.ReadOnlyException}). Reads come from this node's applied state and keep working
 * while it is cut off (possibly stale).
 *
 * <p>Delivery: every node hands each applied event to its own sessions ({@link #deliverTo}), in log
 * order, so a room's events arrive in seq order everywhere, and a node that was cut off delivers
 * what it missed as soon as it catches up.
 *
 * <p>Reconciliation: this node remembers what its sessions hold (nicks, rooms). Whenever it becomes
 * writable again, and every {@link #RECONCILE_EVERY_MS} ms, it makes the replicated state match:
 * claims and memberships that its closed sessions could not give back while cut off are released;
 * those the cluster dropped (its lease ran out during a long partition) are claimed again; a nick
 * that another session took meanwhile is reported to {@link #onNickLost}, and the session is
 * renamed by the chat service.
 */
public final class RaftChatStore implements ChatStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftChatStore.class);

  static final long RECONCILE_EVERY_MS = 10_000;

  /** Claims younger than this are left alone: their session may not have heard the answer yet. */
  static final long SETTLE_MS = 5_000;

  private final Vertx vertx;
  private final RaftCluster raft;
  private final String node;

  /** The applied index when this store started: changes up to it are old news (a replay). */
  private final long startIndex;

  /** What this node's sessions hold, by session id: the truth reconciliation restores. */
  private final Map<String, Mine> mine = new ConcurrentHashMap<>();

  private volatile Consumer<ChatEvent> local = e -> {};
  private volatile BiConsumer<String, String> lost = (room, nick) -> {};
  private volatile BiConsumer<String, String> nickLost = (sessionId, nick) -> {};
  private final List<Consumer<Boolean>> writable = new CopyOnWriteArrayList<>();
  private volatile Consumer<String> roles = name -> {};
  private final AtomicBoolean reconciling = new AtomicBoolean();

  /** Numbers this process's appends, for their client message ids. */
  private final AtomicLong appends = new AtomicLong();

  private final long timer;
  private volatile boolean closed;

  /** One local session: its nick as claimed, its rooms, its last activity. */
  private static final class Mine {
    final String sessionId;
    volatile String nick;
    volatile String via;
    volatile Instant lastActive;
    final Set<String> rooms = ConcurrentHashMap.newKeySet();

    Mine(String sessionId, String nick, String via, Instant lastActive) {
      this.sessionId = sessionId;
      this.nick = nick;
      this.via = via;
      this.lastActive = lastActive;
    }
  }

  public RaftChatStore(Vertx vertx, RaftCluster raft) {
    this.vertx = vertx;
    this.raft = raft;
    this.node = raft.nodeId();
    var applied = raft.stateMachine().getLastAppliedTermIndex();
    this.startIndex = applied == null ? 0 : applied.getIndex();
    raft.stateMachine().setListener(this::applied);
    raft.onWritableChange(
        w -> {
          for (Consumer<Boolean> l : writable) {
            l.accept(w);
          }
          if (w) {
            reconcile();
          }
        });
    this.timer = vertx.setPeriodic(RECONCILE_EVERY_MS, t -> reconcile());
  }

  /** The Raft node under this store. */
  public RaftCluster raft() {
    return raft;
  }

  // ---- what the log tells every node ---------------------------------------------------------

  /** On the Ratis apply thread, in log order: keep it short. */
  private void applied(Applied change) {
    if (change instanceof Applied.Event e) {
      local.accept(e.event());
    } else if (change instanceof Applied.Left l) {
      // a member dropped by the rules (its node is gone), not one that left: the leader tells
      // the room once (the others hear it on the event bus)
      if (!"left".equals(l.reason()) && l.index() > startIndex && "LEADER".equals(raft.role())) {
        lost.accept(l.room(), l.nick());
      }
    } else if (change instanceof Applied.Dropped d) {
      if (node.equals(d.holder().node()) && mine.containsKey(d.holder().sessionId())) {
        LOG.info(
            "the cluster dropped the claim of local session {} on {} ({}); claiming it again",
            d.holder().sessionId(),
            d.holder().nick(),
            d.reason());
        vertx.runOnContext(v -> reconcile());
      }
    } else if (change instanceof Applied.Restricted r && r.index() > startIndex) {
      if (r.restriction().kind() == RestrictionKind.BAN) {
        banned.accept(toBan(r.restriction()));
      } else {
        muted.accept(toMute(r.restriction()));
      }
    } else if (change instanceof Applied.Lifted l
        && l.index() > startIndex
        && l.restriction().kind() == RestrictionKind.MUTE) {
      unmuted.accept(l.restriction().mask());
    } else if (change instanceof Applied.RolesSet rs && rs.index() > startIndex) {
      roles.accept(rs.name());
    } else if (change instanceof Applied.Restored) {
      vertx.runOnContext(v -> reconcile());
    }
  }

  @Override
  public void deliverTo(Consumer<ChatEvent> local) {
    this.local = local;
  }

  @Override
  public void onMembersLost(BiConsumer<String, String> roomAndNick) {
    this.lost = roomAndNick;
  }

  /**
   * {@code sessionAndNick} is told when a session of this node lost its nick to another session
   * (decided by log order after a partition); the session must take another one.
   */
  @Override
  public void onNickLost(BiConsumer<String, String> sessionAndNick) {
    this.nickLost = sessionAndNick;
  }

  /** Told (on a Raft thread) when this node becomes read-only (false) or writable (true). */
  @Override
  public void onWritableChange(Consumer<Boolean> l) {
    writable.add(l);
  }

  @Override
  public String epoch() {
    return String.format("%016x", raft.state().epoch());
  }

  // ---- nicknames -----------------------------------------------------------------------------

  @Override
  public Future<Boolean> claimNick(UserRecord user) {
    return future(
            raft.ensureEpoch()
                .thenCompose(e -> raft.claim(user.nick(), user.sessionId(), user.via())))
        .map(
            status -> {
              if (status != ClaimStatus.OK) {
                return false;
              }
              Mine m =
                  mine.computeIfAbsent(
                      user.sessionId(),
                      id -> new Mine(id, user.nick(), user.via(), user.lastActive()));
              m.nick = user.nick(); // a rename: the caller releases the old claim
              return true;
            });
  }

  @Override
  public Future<Void> releaseNick(String nick, String sessionId) {
    Mine m = mine.get(sessionId);
    if (m != null && m.rooms.isEmpty() && Nick.key(m.nick).equals(Nick.key(nick))) {
      mine.remove(sessionId); // the session is closing (it left its rooms first)
    }
    return future(raft.release(nick, sessionId));
  }

  /** Activity stays on this node: /who shows idle times of this node's users only. */
  @Override
  public Future<Void> touch(String nick, String sessionId, Instant now) {
    Mine m = mine.get(sessionId);
    if (m != null) {
      m.lastActive = now;
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<UserRecord> user(String nick) {
    Holder h = raft.state().holder(nick);
    return Future.succeededFuture(h == null ? null : withActivity(h));
  }

  @Override
  public Future<List<UserRecord>> users() {
    List<UserRecord> all = new ArrayList<>();
    for (Holder h : raft.state().holders()) {
      all.add(withActivity(h));
    }
    all.sort(Comparator.comparing(u -> Nick.key(u.nick())));
    return Future.succeededFuture(all);
  }

  private UserRecord withActivity(Holder h) {
    UserRecord u = h.toUser();
    Mine m = node.equals(h.node()) ? mine.get(h.sessionId()) : null;
    return m == null || m.lastActive == null ? u : u.touched(m.lastActive);
  }

  // ---- rooms ---------------------------------------------------------------------------------

  @Override
  public Future<Void> joinRoom(String room, String sessionId, String nick) {
    Mine m = mine.get(sessionId);
    if (m != null) {
      m.rooms.add(room);
    }
    return future(raft.join(room, sessionId, nick));
  }

  @Override
  public Future<Void> leaveRoom(String room, String sessionId) {
    Mine m = mine.get(sessionId);
    if (m != null) {
      m.rooms.remove(room);
    }
    return future(raft.leave(room, sessionId));
  }

  @Override
  public Future<Members> members(String room, int limit) {
    return Future.succeededFuture(raft.state().members(room, limit));
  }

  @Override
  public Future<List<RoomInfo>> rooms() {
    ParleyState state = raft.state();
    Map<String, String> topics = state.rooms();
    Map<String, Integer> counts = state.memberCounts();
    Set<String> names = new TreeSet<>(topics.keySet());
    names.addAll(counts.keySet());
    List<RoomInfo> out = new ArrayList<>();
    for (String room : names) {
      out.add(new RoomInfo(room, counts.getOrDefault(room, 0), topics.get(room)));
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<String> topic(String room) {
    return Future.succeededFuture(raft.state().topic(room));
  }

  // ---- history -------------------------------------------------------------------------------

  @Override
  public Future<ChatEvent> append(ChatEvent event, Consumer<ChatEvent> publish) {
    Kind kind =
        switch (event.type()) {
          case MESSAGE -> Kind.MESSAGE;
          case ACTION -> Kind.ACTION;
          case TOPIC -> Kind.TOPIC;
          default ->
              throw new IllegalArgumentException(event.type() + " events are not kept in history");
        };
    String session = sessionOf(event.nick());
    // unique to this process: a request that reaches the log twice (a resend after a lost reply)
    // gets its first seq again instead of a second one
    String id = raft.config().incarnation() + ":" + appends.incrementAndGet();
    return future(
            raft.append(event.room(), session, id, kind, event.nick(), event.via(), event.text()))
        .map(a -> event.withSeq(a.seq()));
  }

  /** The local session holding the nick, for the log entry; null when none here. */
  private String sessionOf(String nick) {
    if (nick == null) {
      return null;
    }
    Holder h = raft.state().holder(nick);
    return h != null && node.equals(h.node()) ? h.sessionId() : null;
  }

  @Override
  public Future<Slice> history(String room, int count) {
    return Future.succeededFuture(raft.state().history(room, count));
  }

  @Override
  public Future<Slice> since(String room, long afterSeq, int max) {
    return Future.succeededFuture(raft.state().since(room, afterSeq, max));
  }

  @Override
  public Future<Long> lastSeq(String room) {
    return Future.succeededFuture(raft.state().lastSeq(room));
  }

  @Override
  public Future<Snapshot> snapshot(String room, long afterSeq, int max, int memberLimit) {
    ParleyState state = raft.state();
    ParleyState.RoomRead read = state.read(room, afterSeq, max);
    return Future.succeededFuture(
        new Snapshot(
            read.history(), read.lastSeq(), read.topic(), state.members(room, memberLimit)));
  }

  // ---- moderation ----------------------------------------------------------------------------

  /** The scope of server-wide bans and mutes (the log also allows per-room ones; unused yet). */
  private static final String EVERYWHERE = "*";

  private volatile Consumer<BanList.Ban> banned = b -> {};
  private volatile Consumer<Mute> muted = m -> {};
  private volatile Consumer<String> unmuted = n -> {};

  @Override
  public void onModeration(
      Consumer<BanList.Ban> banned, Consumer<Mute> muted, Consumer<String> unmuted) {
    this.banned = banned;
    this.muted = muted;
    this.unmuted = unmuted;
  }

  @Override
  public Future<Void> ban(BanList.Ban ban) {
    return future(
            raft.submit(
                new Commands.Ban(
                    EVERYWHERE, ban.address(), ban.nick(), ban.by(), millis(ban.until()))))
        .mapEmpty();
  }

  @Override
  public Future<List<BanList.Ban>> unban(String addressOrNick) {
    List<BanList.Ban> lifted = new ArrayList<>();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (Restriction r : raft.state().restrictions()) {
      if (r.kind() == RestrictionKind.BAN
          && (r.mask().equalsIgnoreCase(addressOrNick)
              || (r.nick() != null && Nick.key(r.nick()).equals(Nick.key(addressOrNick))))) {
        lifted.add(toBan(r));
        writes.add(raft.submit(new Commands.Unban(r.scope(), r.mask())));
      }
    }
    return future(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)))
        .map(v -> lifted);
  }

  @Override
  public BanList.Ban banned(String address, Instant now) {
    long t = now.toEpochMilli();
    for (Restriction r : raft.state().restrictions()) {
      if (r.kind() == RestrictionKind.BAN && r.mask().equalsIgnoreCase(address) && r.activeAt(t)) {
        return toBan(r);
      }
    }
    return null;
  }

  @Override
  public Future<Void> mute(Mute mute) {
    return future(
            raft.submit(
                new Commands.Mute(EVERYWHERE, mute.nick(), mute.by(), millis(mute.until()))))
        .mapEmpty();
  }

  @Override
  public Future<Boolean> unmute(String nick) {
    boolean was = findMute(nick) != null;
    return future(raft.submit(new Commands.Unmute(EVERYWHERE, nick))).map(r -> was);
  }

  @Override
  public Mute muted(String nick, Instant now) {
    Restriction r = findMute(nick);
    return r == null || !r.activeAt(now.toEpochMilli()) ? null : toMute(r);
  }

  private Restriction findMute(String nick) {
    String key = Nick.key(nick);
    for (Restriction r : raft.state().restrictions()) {
      if (r.kind() == RestrictionKind.MUTE && Nick.key(r.mask()).equals(key)) {
        return r;
      }
    }
    return null;
  }

  private static long millis(Instant until) {
    return until == null ? 0 : until.toEpochMilli();
  }

  private static Instant instant(long millis) {
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }

  private static BanList.Ban toBan(Restriction r) {
    return new BanList.Ban(r.mask(), r.nick(), instant(r.until()), r.by());
  }

  private static Mute toMute(Restriction r) {
    return new Mute(r.mask(), instant(r.until()), r.by());
  }

  // ---- accounts ------------------------------------------------------------------------------

  @Override
  public Future<Boolean> register(Account account) {
    return flag(
        new Commands.Register(
            account.name(), account.password().encode(), account.created().toEpochMilli()));
  }

  @Override
  public Future<Account> account(String name) {
    return Future.succeededFuture(raft.state().account(name));
  }

  @Override
  public Future<Account> accountByToken(String tokenHash) {
    return Future.succeededFuture(raft.state().accountByToken(tokenHash));
  }

  @Override
  public Future<Boolean> setPassword(String name, PasswordHash hash) {
    return flag(new Commands.SetPassword(name, hash.encode()));
  }

  @Override
  public Future<Boolean> dropAccount(String name) {
    return flag(new Commands.DropAccount(name));
  }

  @Override
  public Future<Boolean> setRole(String name, Role role, boolean granted) {
    return flag(new Commands.SetRole(name, role.label(), granted));
  }

  @Override
  public Future<Boolean> anyHolds(Role role) {
    return Future.succeededFuture(raft.state().anyHolds(role));
  }

  @Override
  public void onRoles(Consumer<String> account) {
    this.roles = account;
  }

  @Override
  public Future<Boolean> addToken(String name, Account.Token token) {
    return flag(
        new Commands.AddToken(name, token.hash(), token.scope(), token.created().toEpochMilli()));
  }

  @Override
  public Future<Void> dropToken(String name, String tokenHash) {
    return future(raft.submit(new Commands.DropToken(name, tokenHash))).mapEmpty();
  }

  @Override
  public Future<Void> seen(String name, String room, long seq) {
    return future(raft.submit(new Commands.Seen(name, room, seq))).mapEmpty();
  }

  @Override
  public Future<Void> forgetRoom(String name, String room) {
    return future(raft.submit(new Commands.ForgetRoom(name, room))).mapEmpty();
  }

  @Override
  public Future<Boolean> queueOffline(String to, String from, String via, String text, Instant at) {
    return flag(new Commands.QueueOffline(to, from, via, text, at.toEpochMilli()));
  }

  @Override
  public Future<List<OfflineMessage>> takeOffline(String name) {
    return future(raft.submit(new Commands.TakeOffline(name)))
        .map(r -> ((Commands.Mail) r).messages());
  }

  private Future<Boolean> flag(Commands.Command c) {
    return future(raft.submit(c)).map(r -> ((Commands.Flag) r).ok());
  }

  // ---- reconciliation ------------------------------------------------------------------------

  /**
   * Makes the replicated claims and memberships of this node match its live sessions. Runs one at a
   * time; does nothing while read-only (it runs again when writable).
   */
  void reconcile() {
    if (closed) {
      return;
    }
    var unused = reconcileNow();
  }

  /** One reconciliation pass; completes when its writes are done (failed ones included). */
  private CompletableFuture<Void> reconcileNow() {
    if (!raft.writable() || !reconciling.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletionStage<?>> writes = new ArrayList<>();
    try {
      ParleyState state = raft.state();
      long incarnation = raft.config().incarnation();
      // claims held for sessions that are gone (their release was refused while cut off)
      long now = System.currentTimeMillis(); // claims carry the leader's clock
      for (Holder h : state.holders()) {
        if (node.equals(h.node())
            && h.incarnation() == incarnation
            && now - h.since() > SETTLE_MS // not a claim whose answer is still on its way
            && !holds(mine.get(h.sessionId()), h.nick())) {
          writes.add(raft.release(h.nick(), h.sessionId()));
        }
      }
      // memberships of sessions that are gone or left
      for (ParleyState.Membership ms : state.memberships(node)) {
        Mine m = mine.get(ms.sessionId());
        if (m == null || !m.rooms.contains(ms.room())) {
          writes.add(raft.leave(ms.room(), ms.sessionId()));
        }
      }
      // live sessions whose claim the cluster dropped: claim again, or report the loss
      Set<String> joined = new java.util.HashSet<>();
      for (ParleyState.Membership ms : state.memberships(node)) {
        joined.add(ms.sessionId() + '\0' + ms.room());
      }
      for (Mine m : mine.values()) {
        Holder h = state.holder(m.nick);
        if (h == null) {
          String nick = m.nick;
          writes.add(
              raft.claim(nick, m.sessionId, m.via)
                  .thenAccept(
                      status -> {
                        if (status == ClaimStatus.OK) {
                          rejoin(m, nick);
                        } else if (status == ClaimStatus.TAKEN && mine.get(m.sessionId) == m) {
                          nickLost.accept(m.sessionId, nick);
                        }
                      }));
        } else if (!h.sessionId().equals(m.sessionId) || !node.equals(h.node())) {
          nickLost.accept(m.sessionId, m.nick);
        } else {
          for (String room : m.rooms) {
            if (!joined.contains(m.sessionId + '\0' + room)) {
              writes.add(raft.join(room, m.sessionId, m.nick));
            }
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("reconciling this node's sessions with the cluster failed: {}", e.toString());
    }
    return CompletableFuture.allOf(
            writes.stream()
                .map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new))
        .handle(
            (v, err) -> {
              reconciling.set(false);
              if (err != null) {
                LOG.debug("reconcile: {}", err.toString());
              }
              return null;
            });
  }

  private void rejoin(Mine m, String nick) {
    for (String room : m.rooms) {
      var unused = raft.join(room, m.sessionId, nick);
    }
  }

  private static boolean holds(Mine m, String nick) {
    return m != null && Nick.key(m.nick).equals(Nick.key(nick));
  }

  /**
   * Stops reconciling. Called after this node's sessions were closed: first gives back, within
   * {@link #CLOSE_WAIT_MS}, the claims and memberships whose release is still missing in the log,
   * so that a node that stops gracefully frees its users' nicknames at once (a node that dies frees
   * them when its lease runs out). Blocking: call it off the event loops.
   */
  @Override
  public void close() {
    vertx.cancelTimer(timer);
    try {
      reconcileNow().get(CLOSE_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.info("not every claim of this node was given back before it stopped: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
  }

  static final long CLOSE_WAIT_MS = 2000;

  private <T> Future<T> future(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }
}

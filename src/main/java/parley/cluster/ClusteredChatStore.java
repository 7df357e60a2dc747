package parley.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.ChatEvent;
import parley.chat.Nick;
import parley.chat.RoomInfo;
import parley.chat.UserRecord;
import parley.store.BanList;
import parley.store.ChatStore;
import parley.wire.EventJson;

/**
 * The store of a clustered node: nickname claims, memberships and history live in Hazelcast maps
 * with one synchronous backup, so they are shared by every node and survive the loss of any one of
 * them.
 *
 * <ul>
 *   <li><b>Nicknames</b> ({@code parley.nicks}): claimed with an atomic put-if-absent on the
 *       nickname key. Each claim names its node; when Hazelcast removes a member (after {@code
 *       Clustering.NO_HEARTBEAT_SECONDS} without a heartbeat, or at once when it leaves), the
 *       surviving nodes drop its claims and memberships.
 *   <li><b>History</b> ({@code parley.history}): see {@link ClusterHistory}. {@link #append} is one
 *       entry processor call that numbers and stores the event on the room's owner and its backup;
 *       the event is published once that call returned. A node's own appends to one room are issued
 *       in order under a lock and published in the same order, so its subscribers see them in seq
 *       order.
 *   <li><b>Activity</b>: {@link #touch} writes to the cluster at most once per {@link
 *       #TOUCH_EVERY_MS} per session.
 * </ul>
 *
 * Hazelcast calls that have no asynchronous form (whole-map reads) run on Vert.x worker threads.
 * Journaling every room's events to this node's disk is {@link JournalMirror}'s job.
 *
 * <p>It keeps no moderation state: bans and mutes need the Raft store that replaces this one. Their
 * writes fail with {@link UnsupportedOperationException} (operators get an error); the reads find
 * nothing, so connections and messages go on working.
 */
public final class ClusteredChatStore implements ChatStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusteredChatStore.class);

  /** The member attribute in which Vert.x's Hazelcast cluster manager keeps the node id. */
  public static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  static final long TOUCH_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> nicks;
  private final IMap<String, ClusterPresence.Room> members;
  private final IMap<String, ClusterHistory> history;
  private final int retain;

  /** This node's id, as the cluster manager gave it. */
  private final String node;

  private final UUID listener;
  private final Map<String, Chain> chains = new ConcurrentHashMap<>();

  /**
   * When each local session's activity was last written to the cluster (session ids are this
   * node's).
   */
  private final Map<String, Long> touched = new ConcurrentHashMap<>();

  private final IMap<String, String> meta;
  private volatile String epoch;

  private volatile BiConsumer<String, String> lost = (room, nick) -> {};
  private volatile boolean closed;

  /** How many departed nodes this store has finished dropping (for tests: no waiting on time). */
  private final AtomicInteger departuresHandled = new AtomicInteger();

  /**
   * @param prefix the names of this store's maps start with it ({@code parley.}; tests use one per
   *     test)
   * @param retain how many events per room the cluster keeps for history and resume
   */
  public ClusteredChatStore(Vertx vertx, HazelcastInstance hazelcast, String prefix, int retain) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.nicks = hazelcast.getMap(prefix + "nicks");
    this.members = hazelcast.getMap(prefix + "members");
    this.history = hazelcast.getMap(prefix + "history");
    this.meta = hazelcast.getMap(prefix + "meta");
    this.retain = retain;
    String id = hazelcast.getCluster().getLocalMember().getAttribute(NODE_ID_ATTRIBUTE);
    this.node = id != null ? id : hazelcast.getCluster().getLocalMember().getUuid().toString();
    this.listener =
        hazelcast
            .getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {}

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    String gone = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
                    dropNode(gone != null ? gone : event.getMember().getUuid().toString());
                  }
                });
  }

  /**
   * Settles the cluster's epoch: the first node to ask proposes its own (its journal's), everyone
   * after it adopts that one. Blocking: call it off the event loop, before serving clients. The
   * cluster keeps it while any node is up; a full cluster restart takes the epoch of the first node
   * up again, which clients see as an epoch change (a reset, never a silent reuse).
   */
  public String adoptEpoch(String proposed) {
    String held = meta.putIfAbsent("epoch", proposed);
    epoch = held != null ? held : proposed;
    return epoch;
  }

  @Override
  public String epoch() {
    String e = epoch;
    return e != null ? e : adoptEpoch(parley.store.LocalChatStore.randomEpoch());
  }

  IMap<String, ClusterHistory> historyMap() {
    return history;
  }

  int retain() {
    return retain;
  }

  @Override
  public void onMembersLost(BiConsumer<String, String> roomAndNick) {
    this.lost = roomAndNick;
  }

  // ---- nicknames -----------------------------------------------------------------------------

  /**
   * A claim belongs to the node that makes it (the node of the session): it is recorded with this
   * node's id, freed when this node is gone, and only this node's session of that id can release
   * it.
   */
  @Override
  public Future<Boolean> claimNick(UserRecord user) {
    UserRecord mine =
        new UserRecord(
            user.nick(), user.via(), node, user.sessionId(), user.connectedAt(), user.lastActive());
    return future(
        nicks.submitToKey(
            Nick.key(user.nick()), new ClusterPresence.Claim(ClusterPresence.toJson(mine))));
  }

  @Override
  public Future<Void> releaseNick(String nick, String sessionId) {
    touched.remove(sessionId);
    return future(nicks.submitToKey(Nick.key(nick), new ClusterPresence.Release(node, sessionId)));
  }

  @Override
  public Future<Void> touch(String nick, String sessionId, Instant now) {
    long at = now.toEpochMilli();
    Long last = touched.get(sessionId);
    if (last != null && at - last < TOUCH_EVERY_MS) {
      return Future.succeededFuture();
    }
    touched.put(sessionId, at);
    return future(
        nicks.submitToKey(Nick.key(nick), new ClusterPresence.Touch(node, sessionId, at)));
  }

  @Override
  public Future<UserRecord> user(String nick) {
    return future(nicks.getAsync(Nick.key(nick)))
        .map(json -> json == null ? null : ClusterPresence.fromJson(json));
  }

  @Override
  public Future<List<UserRecord>> users() {
    return vertx.executeBlocking(
        () -> {
          List<UserRecord> all = new ArrayList<>();
          for (String json : nicks.values()) {
            all.add(ClusterPresence.fromJson(json));
          }
          all.sort(Comparator.comparing(u -> Nick.key(u.nick())));
          return all;
        },
        false);
  }

  // ---- rooms ---------------------------------------------------------------------------------

  @Override
  public Future<Void> joinRoom(String room, String sessionId, String nick) {
    // the node that joins a session to a room is the session's node: its membership goes when the
    // node does
    return future(members.submitToKey(room, new ClusterPresence.Join(node, sessionId, nick)));
  }

  @Override
  public Future<Void> leaveRoom(String room, String sessionId) {
    return future(members.submitToKey(room, new ClusterPresence.Leave(node, sessionId)));
  }

  @Override
  public Future<Members> members(String room, int limit) {
    return future(members.submitToKey(room, new ClusterPresence.Members(limit)))
        .map(r -> new Members(r.names(), r.count()));
  }

  @Override
  public Future<List<RoomInfo>> rooms() {
    return vertx.executeBlocking(
        () -> {
          Map<String, ClusterPresence.Members.Result> counts =
              members.executeOnEntries(new ClusterPresence.Members(0));
          Map<String, ClusterHistory.Slice> infos =
              history.executeOnEntries(ClusterHistory.Read.last(0));
          Set<String> names = new TreeSet<>(infos.keySet());
          names.addAll(counts.keySet());
          List<RoomInfo> out = new ArrayList<>();
          for (String room : names) {
            ClusterPresence.Members.Result c = counts.get(room);
            ClusterHistory.Slice info = infos.get(room);
            int count = c == null ? 0 : c.count();
            if (count > 0 || (info != null && info.lastSeq() > 0)) {
              out.add(new RoomInfo(room, count, info == null ? null : info.topic()));
            }
          }
          return out;
        },
        false);
  }

  @Override
  public Future<String> topic(String room) {
    return future(history.submitToKey(room, ClusterHistory.Read.last(0)))
        .map(ClusterHistory.Slice::topic);
  }

  // ---- history -------------------------------------------------------------------------------

  /**
   * A node's appends to one room, chained so that they are published in the order they were
   * numbered.
   */
  private static final class Chain {
    CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  }

  @Override
  public Future<ChatEvent> append(ChatEvent event, Consumer<ChatEvent> publish) {
    Context context = vertx.getOrCreateContext();
    ClusterHistory.Append op = new ClusterHistory.Append(json(event), topicSet(event), retain);
    Chain chain = chains.computeIfAbsent(event.room(), r -> new Chain());
    CompletableFuture<ChatEvent> published;
    synchronized (chain) {
      // assumes Hazelcast runs one caller's operations on a partition in issue order, so seqs
      // follow the chain
      CompletableFuture<ChatEvent> numbered =
          direct(history.submitToKey(event.room(), op)).thenApply(event::withSeq);
      published =
          chain.tail.thenCombine(
              numbered,
              (previous, e) -> {
                publish.accept(e);
                return e;
              });
      chain.tail = published.exceptionally(err -> null);
    }
    return Future.fromCompletionStage(published, context);
  }

  @Override
  public Future<Slice> history(String room, int count) {
    return future(history.submitToKey(room, ClusterHistory.Read.last(count)))
        .map(ClusteredChatStore::slice);
  }

  @Override
  public Future<Slice> since(String room, long afterSeq, int max) {
    return future(history.submitToKey(room, ClusterHistory.Read.since(afterSeq, max)))
        .map(ClusteredChatStore::slice);
  }

  @Override
  public Future<Long> lastSeq(String room) {
    return future(history.submitToKey(room, ClusterHistory.Read.last(0)))
        .map(ClusterHistory.Slice::lastSeq);
  }

  /**
   * One read of the room's history entry (events, last seq and topic together) and, alongside it,
   * one of its members entry: two entry processors on the same partition, in parallel.
   */
  @Override
  public Future<Snapshot> snapshot(String room, long afterSeq, int max, int memberLimit) {
    ClusterHistory.Read read =
        afterSeq > 0 ? ClusterHistory.Read.since(afterSeq, max) : ClusterHistory.Read.last(max);
    Future<ClusterHistory.Slice> h = future(history.submitToKey(room, read));
    Future<Members> m = members(room, memberLimit);
    return Future.all(h, m)
        .map(
            both -> {
              ClusterHistory.Slice s = h.result();
              return new Snapshot(slice(s), s.lastSeq(), s.topic(), m.result());
            });
  }

  /** The event as the cluster's history keeps it: its JSON without seq. */
  static String json(ChatEvent event) {
    return EventJson.toJson(event.withSeq(0)).encode();
  }

  /** The topic the event sets, or null when it sets none. */
  static String topicSet(ChatEvent event) {
    return event.type() == ChatEvent.Type.TOPIC ? event.text() : null;
  }

  static ChatEvent event(ClusterHistory.Entry e) {
    return EventJson.fromJson(new JsonObject(e.json())).withSeq(e.seq());
  }

  private static Slice slice(ClusterHistory.Slice s) {
    List<ChatEvent> events = new ArrayList<>(s.events().size());
    for (ClusterHistory.Entry e : s.events()) {
      events.add(event(e));
    }
    return new Slice(events, s.missed());
  }

  // ---- nodes that are gone -------------------------------------------------------------------

  /**
   * Drops the claims and memberships of a node that left the cluster. Every surviving node does it;
   * the removals are atomic, so each dropped member is reported (to {@link #onMembersLost}) by
   * exactly one node.
   */
  void dropNode(String node) {
    if (closed) {
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              for (int attempt = 1; ; attempt++) {
                try {
                  Map<String, String> freed =
                      nicks.executeOnEntries(new ClusterPresence.DropNick(node));
                  Map<String, ArrayList<String>> left =
                      members.executeOnEntries(new ClusterPresence.DropMembers(node));
                  long nicksFreed = freed.values().stream().filter(v -> v != null).count();
                  LOG.info("node {} left the cluster: freed {} nicknames", node, nicksFreed);
                  left.forEach(
                      (room, gone) -> {
                        if (gone != null) {
                          gone.forEach(nick -> lost.accept(room, nick));
                        }
                      });
                  return null;
                } catch (RuntimeException e) {
                  if (closed || attempt >= 5 || !hazelcast.getLifecycleService().isRunning()) {
                    LOG.warn(
                        "could not drop the claims of node {} that left: {}", node, e.toString());
                    return null;
                  }
                  Thread.sleep(1000L * attempt);
                }
              }
            },
            false)
        .onComplete(ar -> departuresHandled.incrementAndGet());
  }

  /** How many departed nodes this store has finished dropping, successfully or not. */
  int departuresHandled() {
    return departuresHandled.get();
  }

  // ---- moderation: not in this store --------------------------------------------------------

  private static final String NO_MODERATION = "moderation needs the Raft store";

  @Override
  public Future<Void> ban(BanList.Ban ban) {
    return Future.failedFuture(new UnsupportedOperationException(NO_MODERATION));
  }

  @Override
  public Future<List<BanList.Ban>> unban(String addressOrNick) {
    return Future.failedFuture(new UnsupportedOperationException(NO_MODERATION));
  }

  /** Always null: this store holds no bans (admission calls it for every connection). */
  @Override
  public BanList.Ban banned(String address, Instant now) {
    return null;
  }

  @Override
  public Future<Void> mute(Mute mute) {
    return Future.failedFuture(new UnsupportedOperationException(NO_MODERATION));
  }

  @Override
  public Future<Boolean> unmute(String nick) {
    return Future.failedFuture(new UnsupportedOperationException(NO_MODERATION));
  }

  /** Always null: this store holds no mutes (every message sent asks). */
  @Override
  public Mute muted(String nick, Instant now) {
    return null;
  }

  /** Nothing to report: this store applies no moderation changes. */
  @Override
  public void onModeration(
      Consumer<BanList.Ban> banned, Consumer<Mute> muted, Consumer<String> unmuted) {}

  /** Stops listening to the cluster; the maps stay (they belong to the cluster). */
  @Override
  public void close() {
    closed = true;
    try {
      hazelcast.getCluster().removeMembershipListener(listener);
    } catch (RuntimeException ignored) {
      // Hazelcast already shut down
    }
  }

  private <T> Future<T> future(CompletionStage<T> stage) {
    return Future.fromCompletionStage(direct(stage), vertx.getOrCreateContext());
  }

  /**
   * The stage's outcome, handed on by the thread that completes it. Hazelcast otherwise runs
   * callbacks of its futures on the JDK's default async executor, which on a machine with two cores
   * or fewer starts a new thread for each one. What runs here is short (a publish, a hop to a
   * Vert.x context).
   */
  static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> f = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (v, err) -> {
          if (err != null) {
            f.completeExceptionally(err);
          } else {
            f.complete(v);
          }
        },
        Runnable::run);
    return f;
  }
}

package parley.cluster.raft;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.cluster.raft.Commands.Append;
import parley.cluster.raft.Commands.Appended;
import parley.cluster.raft.Commands.Claim;
import parley.cluster.raft.Commands.ClaimResult;
import parley.cluster.raft.Commands.ClaimStatus;
import parley.cluster.raft.Commands.Command;
import parley.cluster.raft.Commands.Init;
import parley.cluster.raft.Commands.Join;
import parley.cluster.raft.Commands.Kind;
import parley.cluster.raft.Commands.Leave;
import parley.cluster.raft.Commands.NodeLease;
import parley.cluster.raft.Commands.Release;
import parley.cluster.raft.Commands.Result;
import parley.store.ReadOnlyException;

/**
 * This node's member of the cluster's Raft group (Apache Ratis): the server (a voter, with its
 * fsynced log under {@code DATA_DIR/raft}), a client for proposing, the {@link ParleyStateMachine}
 * and the {@link #writable()} check. See docs/CLUSTER.md.
 *
 * <p>Writes ({@link #submit} and the helpers) return futures completed on this class's own thread
 * ({@code parley-raft}), never on a Ratis thread; handlers must stay short or hop to their event
 * loop (for Vert.x: {@code Future.fromCompletionStage(f, context)}). A write fails fast with {@link
 * ReadOnlyException} when {@link #writable()} is false, and with the same exception when it is not
 * committed within the write timeout (it may still commit later: appends carry a client message id
 * so a retry is not applied twice).
 *
 * <p>In the background, every 500 ms: the writable state is polled and changes reported to {@link
 * #onWritableChange}; the leader proposes {@link Init} with a random epoch while the group has
 * none; and every lease interval the node proposes its {@link NodeLease}.
 *
 * <p>Not yet: listeners (non-voting members), membership changes, TLS between nodes.
 */
public final class RaftCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftCluster.class);

  /** The one group of a Parley cluster. */
  public static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(
          UUID.nameUUIDFromBytes("parley-cluster".getBytes(StandardCharsets.UTF_8)));

  /**
   * @param nodeId this node's id; must be one of the voters
   * @param voters every voter as {@code id=host:port} (its Raft port); the same list on every node
   * @param dataDir the node's data dir; the Raft log and snapshots go to {@code dataDir/raft}
   * @param retain events per room kept for history reads
   * @param snapshotEvery a snapshot after this many log entries
   * @param writeTimeout a write not committed by then fails with {@link ReadOnlyException}
   * @param contactTimeout majority contact: how recently a leader must have heard from its
   *     followers, a follower from its leader
   * @param leaseEvery how often this node proposes its lease; zero: never (tests)
   * @param incarnation this process's incarnation (higher than the node's earlier ones)
   * @param raftProperties Ratis properties set on the server after Parley's own (tuning, tests),
   *     e.g. {@code raft.server.log.purge.gap}
   */
  public record Config(
      String nodeId,
      List<String> voters,
      Path dataDir,
      int retain,
      long snapshotEvery,
      Duration writeTimeout,
      Duration contactTimeout,
      Duration leaseEvery,
      long incarnation,
      Map<String, String> raftProperties) {
    public Config {
      voters = List.copyOf(voters);
      raftProperties = Map.copyOf(raftProperties);
    }

    /** The defaults of docs/CLUSTER.md: 3 s write timeout, 2.5 s contact, lease every 10 s. */
    public static Config of(String nodeId, List<String> voters, Path dataDir) {
      return new Config(
          nodeId,
          voters,
          dataDir,
          500,
          10_000,
          Duration.ofSeconds(3),
          Duration.ofMillis(2500),
          Duration.ofSeconds(10),
          System.currentTimeMillis(),
          Map.of());
    }

    public Config withRetain(int n) {
      return new Config(
          nodeId,
          voters,
          dataDir,
          n,
          snapshotEvery,
          writeTimeout,
          contactTimeout,
          leaseEvery,
          incarnation,
          raftProperties);
    }

    public Config withSnapshotEvery(long n) {
      return new Config(
          nodeId,
          voters,
          dataDir,
          retain,
          n,
          writeTimeout,
          contactTimeout,
          leaseEvery,
          incarnation,
          raftProperties);
    }

    public Config withWriteTimeout(Duration d) {
      return new Config(
          nodeId,
          voters,
          dataDir,
          retain,
          snapshotEvery,
          d,
          contactTimeout,
          leaseEvery,
          incarnation,
          raftProperties);
    }

    /** With one more Ratis property (overriding Parley's setting of it, if any). */
    public Config withRaftProperty(String key, String value) {
      Map<String, String> p = new java.util.TreeMap<>(raftProperties);
      p.put(key, value);
      return new Config(
          nodeId,
          voters,
          dataDir,
          retain,
          snapshotEvery,
          writeTimeout,
          contactTimeout,
          leaseEvery,
          incarnation,
          p);
    }

    public Config withLeaseEvery(Duration d) {
      return new Config(
          nodeId,
          voters,
          dataDir,
          retain,
          snapshotEvery,
          writeTimeout,
          contactTimeout,
          d,
          incarnation,
          raftProperties);
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Config config;
  private final RaftGroup group;
  private final Set<String> voterIds = new HashSet<>();
  private final ParleyStateMachine stateMachine;
  private final RaftServer server;

  /** Replaced by {@link #renewClient} when Ratis gave up on a request. */
  private volatile RaftClient client;

  private final Object clientLock = new Object();

  /** Completes futures, runs timeouts and the poll: never a Ratis thread. */
  private final ScheduledThreadPoolExecutor timer;

  /** Hands requests to the Ratis client, which may block when too many are outstanding. */
  private final ExecutorService submitter;

  private final List<Consumer<Boolean>> writableListeners = new CopyOnWriteArrayList<>();
  private volatile boolean lastWritable;
  private final AtomicBoolean initPending = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<CompletableFuture<Result>> pending = ConcurrentHashMap.newKeySet();
  private long lastLeaseAt;

  private RaftCluster(Config config) throws IOException {
    this.config = config;
    List<RaftPeer> peers = new ArrayList<>();
    RaftPeer self = null;
    for (String v : config.voters()) {
      int eq = v.indexOf('=');
      if (eq <= 0 || v.lastIndexOf(':') < eq) {
        throw new IllegalArgumentException("a voter is id=host:port, not " + v);
      }
      RaftPeer p =
          RaftPeer.newBuilder().setId(v.substring(0, eq)).setAddress(v.substring(eq + 1)).build();
      if (!voterIds.add(p.getId().toString())) {
        throw new IllegalArgumentException("voter " + p.getId() + " listed twice");
      }
      peers.add(p);
      if (p.getId().toString().equals(config.nodeId())) {
        self = p;
      }
    }
    if (self == null) {
      throw new IllegalArgumentException(
          "node " + config.nodeId() + " is not among the voters " + config.voters());
    }
    if (peers.size() == 2) {
      LOG.warn("2 voters: no failure tolerance (either one down makes the cluster read-only)");
    }
    this.group = RaftGroup.valueOf(GROUP_ID, peers);
    this.stateMachine = new ParleyStateMachine(config.retain());

    String address = self.getAddress();
    int colon = address.lastIndexOf(':');
    RaftProperties props = new RaftProperties();
    RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(props, address.substring(0, colon));
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(address.substring(colon + 1)));
    File storageDir = config.dataDir().resolve("raft").toFile();
    RaftServerConfigKeys.setStorageDir(props, List.of(storageDir));
    // election timeout 1-2 s: the default 150-300 ms is too twitchy on a loaded small machine
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(1, TimeUnit.SECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    // a leader retries a follower it cannot reach every ~0.5 s, never backing off to the default
    // 5 s: after a partition heals the follower catches up (and learns what it missed) within a
    // few round trips instead of several 5 s waits
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(props, "1ms,10, 500ms,2000000000");
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotEvery());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
    config.raftProperties().forEach(props::set);
    boolean exists = new File(storageDir, GROUP_ID.getUuid().toString()).exists();
    this.server =
        RaftServer.newBuilder()
            .setServerId(self.getId())
            .setGroup(group)
            .setProperties(props)
            .setStateMachine(stateMachine)
            .setOption(
                exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
            .build();

    this.client = newClient();

    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "parley-raft");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    this.submitter =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "parley-raft-submit");
              t.setDaemon(true);
              return t;
            });
  }

  private RaftClient newClient() {
    RaftProperties clientProps = new RaftProperties();
    RaftConfigKeys.Rpc.setType(clientProps, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(clientProps, 1000);
    // one attempt may take this long on a loaded machine before it is retried (default 3 s);
    // the user hears "not confirmed" after Config.writeTimeout whatever happens here
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        clientProps, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(clientProps)
        .setRaftGroup(group)
        .setLeaderId(null)
        // retried until it commits or the client is closed: a request that runs out of retries
        // fails the client's whole ordered window for good. Users are answered by the write
        // timeout meanwhile ("not confirmed"), and a cut-off node stops sending (writable()).
        .setRetryPolicy(
            RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /**
   * Ratis closes a client's ordered request window for good when a request fails there (it ran out
   * of retries: a partition, a long election, a machine too loaded to answer in time), and a send
   * into a full window blocks. So a fresh client replaces the failed one at once, here, and the old
   * one is closed on a thread of its own: that fails what was still queued in it (reported as not
   * confirmed: it may still commit) and frees a submitter blocked on it.
   */
  private void renewClient(RaftClient failed) {
    if (closed.get()) {
      return;
    }
    synchronized (clientLock) {
      if (client != failed) {
        return;
      }
      client = newClient();
    }
    LOG.info("raft client renewed after a request failed");
    Thread closer =
        new Thread(
            () -> {
              try {
                failed.close();
              } catch (IOException | RuntimeException e) {
                LOG.debug("old raft client close: {}", e.toString());
              }
            },
            "parley-raft-client-close");
    closer.setDaemon(true);
    closer.start();
  }

  /**
   * Whether the request failed in Ratis (rather than in our state machine, or not at all): the
   * client's request window is then unusable.
   */
  private static boolean exhausted(Throwable err, RaftClientReply reply) {
    Throwable t =
        err != null ? err : reply == null || reply.isSuccess() ? null : reply.getException();
    if (t == null) {
      return false;
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof StateMachineException) {
        return false;
      }
    }
    return true;
  }

  /**
   * Starts this node's Raft server from its storage (RECOVER when {@code DATA_DIR/raft} holds the
   * group, FORMAT the first time) and its client. Blocks while the log is replayed: call it off the
   * event loops. Reads work at once; writes once a leader has a majority.
   */
  public static RaftCluster start(Config config) throws IOException {
    RaftCluster c = new RaftCluster(config);
    try {
      c.server.start();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    var unused = c.timer.scheduleWithFixedDelay(c::poll, 100, 500, TimeUnit.MILLISECONDS);
    LOG.info(
        "raft node {} started ({} voters, storage {})",
        config.nodeId(),
        config.voters().size(),
        config.dataDir().resolve("raft"));
    return c;
  }

  public String nodeId() {
    return config.nodeId();
  }

  public Config config() {
    return config;
  }

  public ParleyStateMachine stateMachine() {
    return stateMachine;
  }

  /** The local copy of the replicated state, for reads (may be stale while cut off). */
  public ParleyState state() {
    return stateMachine.state();
  }

  /** Whether this node can commit writes now: it is in contact with a majority of the voters. */
  public boolean writable() {
    return readOnlyReason() == null;
  }

  /** Null when {@link #writable()}, else why not, for logs and the read-only error. */
  public String readOnlyReason() {
    if (closed.get()) {
      return "the raft node is closed";
    }
    DivisionInfo i;
    int voters;
    try {
      RaftServer.Division d = server.getDivision(GROUP_ID);
      i = d.getInfo();
      voters = d.getRaftConf().getCurrentPeers().size();
    } catch (IOException | RuntimeException e) {
      return "the raft server is not running";
    }
    if (!i.isAlive()) {
      return "the raft server is not running";
    }
    long contactMs = config.contactTimeout().toMillis();
    if (i.isLeader()) {
      if (!i.isLeaderReady()) {
        return "leader not ready yet";
      }
      int fresh = 1;
      for (ServerRpcProto f : i.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
        if (f.getLastRpcElapsedTimeMs() < contactMs
            && voterIds.contains(f.getId().getId().toStringUtf8())) {
          fresh++;
        }
      }
      return fresh * 2 > voters
          ? null
          : "leader heard from only "
              + fresh
              + " of "
              + voters
              + " voters in the last "
              + contactMs
              + " ms";
    }
    RaftPeerId leader = i.getLeaderId();
    if (i.isFollower() && leader != null) {
      long since = i.getRoleInfoProto().getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
      return since < contactMs ? null : "no word from leader " + leader + " for " + since + " ms";
    }
    return "no leader (" + i.getCurrentRole() + ")";
  }

  /** The Raft role of this node (LEADER, FOLLOWER, CANDIDATE, ...), for status lines. */
  public String role() {
    try {
      return server.getDivision(GROUP_ID).getInfo().getCurrentRole().name();
    } catch (IOException | RuntimeException e) {
      return "DOWN";
    }
  }

  /** Calls {@code l} on the {@code parley-raft} thread whenever {@link #writable()} flips. */
  public void onWritableChange(Consumer<Boolean> l) {
    writableListeners.add(l);
  }

  /** A command waiting to be sent, and who waits for its result. */
  private record Queued(Command command, CompletableFuture<Result> out) {}

  /** Commands proposed while {@link #MAX_IN_FLIGHT} requests were on their way: the next batch. */
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();

  private int inFlight;

  /**
   * Requests on their way to the leader at once. What is proposed meanwhile waits and goes as one
   * {@link Commands.Batch} (group commit): one replication and one fsync for many messages.
   */
  static final int MAX_IN_FLIGHT = 2;

  /**
   * Proposes a command; completes with what applying it answered. Commands proposed while earlier
   * ones are on their way are sent together, in order, as one log entry.
   */
  public CompletableFuture<Result> submit(Command command) {
    String why = readOnlyReason();
    if (why != null) {
      return CompletableFuture.failedFuture(new ReadOnlyException(why));
    }
    CompletableFuture<Result> out = new CompletableFuture<>();
    long timeoutMs = config.writeTimeout().toMillis();
    ScheduledFuture<?> timeout =
        timer.schedule(
            () ->
                out.completeExceptionally(
                    new ReadOnlyException("not committed within " + timeoutMs + " ms", null, true)),
            timeoutMs,
            TimeUnit.MILLISECONDS);
    pending.add(out);
    var unused =
        out.whenComplete(
            (r, e) -> {
              timeout.cancel(false);
              pending.remove(out);
            });
    if (closed.get()) {
      out.completeExceptionally(new ReadOnlyException("the raft node is closed"));
      return out;
    }
    synchronized (queue) {
      queue.addLast(new Queued(command, out));
    }
    pump();
    return out;
  }

  /** Sends the next batch if fewer than {@link #MAX_IN_FLIGHT} requests are on their way. */
  private void pump() {
    List<Queued> batch = new ArrayList<>();
    synchronized (queue) {
      if (inFlight >= MAX_IN_FLIGHT) {
        return;
      }
      while (!queue.isEmpty() && batch.size() < Commands.MAX_BATCH) {
        Queued q = queue.pollFirst();
        if (!q.out().isDone()) { // timed out while it waited: never sent, so never applied
          batch.add(q);
        }
      }
      if (batch.isEmpty()) {
        return;
      }
      inFlight++;
    }
    Command c =
        batch.size() == 1
            ? batch.get(0).command()
            : new Commands.Batch(batch.stream().map(Queued::command).toList());
    Message m = Message.valueOf(ByteString.copyFrom(Commands.encode(c)));
    try {
      submitter.execute(
          () -> {
            try {
              RaftClient c0 = client;
              var sent =
                  c0.async()
                      .send(m)
                      .whenCompleteAsync(
                          (reply, err) -> {
                            if (exhausted(err, reply)) {
                              renewClient(c0);
                            }
                            sent(batch, reply, err);
                          },
                          timer);
            } catch (RuntimeException e) {
              timer.execute(() -> sent(batch, null, e));
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      sent(batch, null, new ReadOnlyException("the raft node is closed", e));
    }
  }

  /** A request came back (or failed): answers its commands, then sends what waited meanwhile. */
  private void sent(List<Queued> batch, RaftClientReply reply, Throwable err) {
    synchronized (queue) {
      inFlight--;
    }
    try {
      if (batch.size() == 1) {
        complete(batch.get(0).out(), reply, err);
      } else {
        CompletableFuture<Result> all = new CompletableFuture<>();
        complete(all, reply, err);
        var unused =
            all.whenComplete(
                (r, e) -> {
                  List<Result> each =
                      e == null && r instanceof Commands.Results rs ? rs.results() : null;
                  for (int i = 0; i < batch.size(); i++) {
                    if (each != null && i < each.size()) {
                      batch.get(i).out().complete(each.get(i));
                    } else {
                      batch
                          .get(i)
                          .out()
                          .completeExceptionally(
                              e != null ? e : new IllegalStateException("no result for " + r));
                    }
                  }
                });
      }
    } catch (RuntimeException e) {
      LOG.error("answering a raft request failed", e);
    } finally {
      if (!closed.get()) {
        pump();
      }
    }
  }

  private static void complete(
      CompletableFuture<Result> out, RaftClientReply reply, Throwable err) {
    if (err != null) {
      out.completeExceptionally(failure(err));
    } else if (!reply.isSuccess()) {
      out.completeExceptionally(failure(reply.getException()));
    } else {
      try {
        out.complete(Commands.decodeResult(reply.getMessage().getContent().toByteArray()));
      } catch (IllegalArgumentException e) {
        out.completeExceptionally(e);
      }
    }
  }

  /** A state machine error is the command's fault; anything else means no majority was reached. */
  private static Throwable failure(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StateMachineException || t instanceof ReadOnlyException) {
      return t;
    }
    return new ReadOnlyException(String.valueOf(t), t, true);
  }

  /** Appends a message, action or topic as this node; completes with its seq. */
  public CompletableFuture<Appended> append(
      String room,
      String sessionId,
      String clientMsgId,
      Kind kind,
      String nick,
      String via,
      String text) {
    Append a = new Append(room, nodeId(), sessionId, clientMsgId, kind, nick, via, text);
    if (state().epoch() == 0) { // a new group: its Init goes first, so every event has an epoch
      return ensureEpoch().thenCompose(e -> submit(a)).thenApply(r -> (Appended) r);
    }
    return submit(a).thenApply(r -> (Appended) r);
  }

  /**
   * The group's epoch; on a new group, proposes {@link Init} with a random one first (the first
   * Init applied wins, so any node may propose it).
   */
  public CompletableFuture<Long> ensureEpoch() {
    long known = state().epoch();
    if (known != 0) {
      return CompletableFuture.completedFuture(known);
    }
    long epoch = 0;
    while (epoch == 0) {
      epoch = RANDOM.nextLong();
    }
    return submit(new Init(epoch)).thenApply(r -> ((Commands.Done) r).epoch());
  }

  /** Claims a nickname for a session of this node (incarnation of this process). */
  public CompletableFuture<ClaimStatus> claim(String nick, String sessionId, String via) {
    return submit(new Claim(nick, sessionId, nodeId(), config.incarnation(), via))
        .thenApply(r -> ((ClaimResult) r).status());
  }

  public CompletableFuture<Void> release(String nick, String sessionId) {
    return submit(new Release(nick, sessionId, nodeId())).thenApply(r -> null);
  }

  /**
   * Puts a session of this node in a room as {@code nick} (or renames it there); ignored unless the
   * session holds a claim.
   */
  public CompletableFuture<Void> join(String room, String sessionId, String nick) {
    return submit(new Join(room, sessionId, nodeId(), nick)).thenApply(r -> null);
  }

  public CompletableFuture<Void> leave(String room, String sessionId) {
    return submit(new Leave(room, sessionId, nodeId())).thenApply(r -> null);
  }

  private void poll() {
    try {
      boolean w = writable();
      if (w != lastWritable) {
        lastWritable = w;
        LOG.info("raft node {} is now {}", nodeId(), w ? "writable" : "read-only");
        for (Consumer<Boolean> l : writableListeners) {
          try {
            l.accept(w);
          } catch (RuntimeException e) {
            LOG.error("writable listener failed", e);
          }
        }
      }
      if (!w) {
        return;
      }
      if (state().epoch() == 0
          && "LEADER".equals(role())
          && initPending.compareAndSet(false, true)) {
        var unused = ensureEpoch().whenComplete((r, e) -> initPending.set(false));
      }
      long leaseMs = config.leaseEvery().toMillis();
      long now = System.nanoTime() / 1_000_000;
      if (leaseMs > 0 && now - lastLeaseAt >= leaseMs) {
        lastLeaseAt = now;
        submit(new NodeLease(nodeId(), config.incarnation()))
            .exceptionally(
                e -> {
                  LOG.debug("lease not renewed: {}", e.toString());
                  return null;
                });
      }
    } catch (RuntimeException e) {
      LOG.error("raft poll failed", e);
    }
  }

  /** Stops the client and the server (the log stays on disk for the next start). Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    submitter.shutdownNow();
    for (CompletableFuture<Result> f : List.copyOf(pending)) {
      f.completeExceptionally(new ReadOnlyException("the raft node is closed"));
    }
    try {
      client.close();
    } catch (IOException e) {
      LOG.warn("raft client close: {}", e.toString());
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("raft server close: {}", e.toString());
    }
  }
}

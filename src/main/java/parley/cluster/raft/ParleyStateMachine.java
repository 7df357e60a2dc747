package parley.cluster.raft;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.cluster.raft.Commands.Entry;
import parley.cluster.raft.ParleyState.Outcome;

/**
 * The Parley state machine on the Raft log: decodes each committed entry ({@link Commands}) and
 * applies it to the {@link ParleyState}, reports the changes to the {@link Listener}, and answers
 * the proposer with the encoded {@link Commands.Result}.
 *
 * <p>The leader stamps its clock into each entry in {@link #startTransaction}; apply uses only the
 * entry. Snapshots ({@link #takeSnapshot}, triggered by Ratis every N entries) are one file in the
 * {@link SimpleStateMachineStorage}; on start the newest is loaded and the log after it replayed.
 *
 * <p>Threads: Ratis calls apply and snapshot on its state machine updater thread, one entry at a
 * time. Reads go to {@link #state()} from any thread.
 */
public final class ParleyStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(ParleyStateMachine.class);

  /**
   * Told every change, in log order, on the Ratis apply thread, after the state has changed: it
   * must not block or do heavy work (hand the change to an event loop or a queue).
   */
  @FunctionalInterface
  public interface Listener {
    void applied(Applied change);
  }

  private final ParleyState state;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final LongSupplier clock;

  /** The last time this node stamped as leader: stamps never go back on one node. */
  private final AtomicLong lastStamp = new AtomicLong();

  private volatile Listener listener = change -> {};

  /**
   * @param retain events kept per room for history reads
   */
  public ParleyStateMachine(int retain) {
    this(retain, System::currentTimeMillis);
  }

  /**
   * @param clock the leader's clock, read only in {@link #startTransaction} (never in apply)
   */
  public ParleyStateMachine(int retain, LongSupplier clock) {
    this.state = new ParleyState(retain);
    this.clock = clock;
  }

  /** The local copy of the replicated state, for reads. */
  public ParleyState state() {
    return state;
  }

  public void setListener(Listener l) {
    this.listener = l == null ? change -> {} : l;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    getLifeCycle()
        .startAndTransition(
            () -> {
              storage.init(raftStorage);
              load(storage.getLatestSnapshot());
            },
            IOException.class);
  }

  /** Before a snapshot from the leader is installed (Ratis then calls {@link #reinitialize}). */
  @Override
  public void pause() {
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  /** After the leader installed a snapshot on this node: reload everything from it. */
  @Override
  public void reinitialize() throws IOException {
    long index = load(storage.loadLatestSnapshot());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
    notifyListener(new Applied.Restored(index));
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /** On the leader: stamps the leader's time into the proposed entry. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder b =
        TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    Entry proposed;
    try {
      proposed = Commands.decode(request.getMessage().getContent().toByteArray());
    } catch (IllegalArgumentException e) {
      TransactionContext t = b.build();
      t.setException(e);
      return t;
    }
    long now = Math.max(clock.getAsLong(), state.logTime());
    long stamp = lastStamp.accumulateAndGet(now, Math::max);
    return b.setLogData(ByteString.copyFrom(Commands.encode(proposed.stamped(stamp)))).build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto e = trx.getLogEntry();
    Outcome outcome;
    synchronized (this) {
      Entry entry;
      try {
        entry = Commands.decode(e.getStateMachineLogEntry().getLogData().toByteArray());
      } catch (IllegalArgumentException bad) {
        // every node of this version skips it the same way; a newer format needs newer nodes.
        // Not a failed future: Ratis closes the server when one fails before a snapshot.
        LOG.error("log entry {} cannot be applied by this node: {}", e.getIndex(), bad.toString());
        updateLastAppliedTermIndex(e.getTerm(), e.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
      }
      outcome = state.apply(e.getIndex(), entry);
      updateLastAppliedTermIndex(e.getTerm(), e.getIndex());
    }
    for (Applied change : outcome.changes()) {
      notifyListener(change);
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(Commands.encodeResult(outcome.result()))));
  }

  private void notifyListener(Applied change) {
    try {
      listener.applied(change);
    } catch (RuntimeException ex) {
      LOG.error("listener failed on {}", change, ex);
    }
  }

  /** Writes the state as of the last applied entry; returns that entry's index. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    synchronized (this) {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return -1;
      }
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        state.writeTo(out);
      }
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      var buf = java.nio.ByteBuffer.wrap(bytes.toByteArray());
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    return last.getIndex();
  }

  /** Loads a snapshot into the state (or empties it for none); returns its index or -1. */
  private long load(SingleFileSnapshotInfo snapshot) throws IOException {
    synchronized (this) {
      if (snapshot == null || !Files.exists(snapshot.getFile().getPath())) {
        state.clear();
        return -1;
      }
      Path path = snapshot.getFile().getPath();
      MD5Hash md5 = snapshot.getFile().getFileDigest();
      if (md5 != null) {
        MD5FileUtil.verifySavedMD5(path.toFile(), md5);
      }
      TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(path.toFile());
      try (InputStream raw = Files.newInputStream(path);
          DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
        state.readFrom(in);
      }
      setLastAppliedTermIndex(last);
      LOG.info("state loaded from snapshot {} (epoch {})", last, state.epoch());
      return last.getIndex();
    }
  }
}

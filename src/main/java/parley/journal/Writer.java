package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's background thread ({@code "parley-journal"}) and its queue of operations: appends
 * queued by {@link GroupCommit}, flushes, compactions and the close. It takes the whole queue at
 * once, runs it in order, and between batches runs the {@link RoomFiles#syncDirty sync round} once
 * the oldest unsynced write has waited maxSyncDelay.
 */
final class Writer {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  enum Kind {
    APPEND,
    FLUSH,
    COMPACT,
    AUTO_COMPACT,
    CLOSE
  }

  static final class Op {
    final Kind kind;
    final String room;
    final long seq;
    final ByteBuffer frame;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    Throwable error;

    Op(Kind kind, String room, long seq, ByteBuffer frame) {
      this.kind = kind;
      this.room = room;
      this.seq = seq;
      this.frame = frame;
    }
  }

  /**
   * Guards the queue, the queued bytes and the closed flag; {@link GroupCommit} accepts appends
   * under it.
   */
  final ReentrantLock lock = new ReentrantLock();

  private final Condition notEmpty = lock.newCondition();
  private ArrayDeque<Op> queue = new ArrayDeque<>();
  private long queuedBytes;
  private volatile boolean closed;
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

  private final RoomFiles files;
  private final Compactor compactor;

  /** Run on the writer thread after the files are closed. */
  private final Runnable onExit;

  private final Thread thread;
  private SyncStrategy strategy;

  Writer(RoomFiles files, Compactor compactor, Runnable onExit) {
    this.files = files;
    this.compactor = compactor;
    this.onExit = onExit;
    this.thread = new Thread(this::run, "parley-journal");
    this.thread.setDaemon(true);
  }

  void start(SyncStrategy strategy) {
    this.strategy = strategy;
    thread.start();
  }

  /** Set (under the lock) before the close operation is queued; nothing is accepted after it. */
  boolean isClosed() {
    return closed;
  }

  /** Queues an operation; after close, a flush gets the close future and anything else fails. */
  CompletableFuture<Void> enqueue(Op op) {
    lock.lock();
    try {
      if (closed) {
        if (op.kind == Kind.FLUSH) {
          return closeFuture;
        }
        return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
      }
      enqueueLocked(op);
    } finally {
      lock.unlock();
    }
    return op.future;
  }

  /** Under the lock: bytes of queued appends not yet taken by the writer. */
  long queuedBytesLocked() {
    return queuedBytes;
  }

  /** Under the lock, not closed: queues an append. */
  void enqueueAppendLocked(Op op) {
    queuedBytes += op.frame.remaining();
    enqueueLocked(op);
  }

  private void enqueueLocked(Op op) {
    boolean wasEmpty = queue.isEmpty();
    queue.add(op);
    if (wasEmpty) {
      notEmpty.signal();
    }
  }

  /**
   * Wakes the writer if it waits with nothing to sync, so that it starts timing the new unsynced
   * period.
   */
  void wake() {
    lock.lock();
    try {
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Queues the close and waits for the writer to finish (unless called on it). Idempotent. */
  void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        Op op = new Op(Kind.CLOSE, null, 0, null);
        op.future.whenComplete(
            (v, e) -> {
              if (e == null) {
                closeFuture.complete(null);
              } else {
                closeFuture.completeExceptionally(e);
              }
            });
        enqueueLocked(op);
      }
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() != thread) {
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    ArrayDeque<Op> batch = new ArrayDeque<>();
    boolean stop = false;
    while (!stop) {
      try {
        lock.lock();
        try {
          while (queue.isEmpty()) {
            long wait = files.nanosUntilSync();
            if (wait == Long.MAX_VALUE) {
              notEmpty.await();
            } else if (wait <= 0) {
              break;
            } else {
              notEmpty.awaitNanos(wait);
            }
          }
          ArrayDeque<Op> swap = queue;
          queue = batch;
          batch = swap;
          for (Op op : batch) {
            if (op.kind == Kind.APPEND) {
              queuedBytes -= op.frame.remaining();
            }
          }
        } finally {
          lock.unlock();
        }
        stop = process(batch);
        files.syncIfOverdue();
      } catch (InterruptedException e) {
        log.warn("Journal writer interrupted; ignoring (close() stops it)");
      } catch (Throwable t) {
        log.error("Journal writer failed on a batch of {} operations", batch.size(), t);
        for (Op op : batch) {
          op.future.completeExceptionally(t);
          if (op.kind == Kind.CLOSE) {
            stop = true;
          }
        }
      } finally {
        batch.clear();
      }
    }
    files.closeAll();
    onExit.run();
  }

  /** Runs one batch; returns true when it held the close operation. */
  private boolean process(ArrayDeque<Op> batch) {
    List<Op> appends = new ArrayList<>();
    boolean stop = false;
    for (Op op : batch) {
      switch (op.kind) {
        case APPEND:
          appends.add(op);
          break;
        case FLUSH:
          commit(appends);
          files.syncDirty();
          op.future.complete(null);
          break;
        case COMPACT:
        case AUTO_COMPACT:
          commit(appends);
          compact(op);
          break;
        case CLOSE:
          commit(appends);
          // closed is set, so direct appends stop at this sync's snapshot: it covers every earlier
          // one
          files.syncDirty();
          files.closeAll();
          op.future.complete(null);
          stop = true;
          break;
        default:
          throw new AssertionError(op.kind);
      }
    }
    commit(appends);
    return stop;
  }

  /** Hands the appends gathered so far to the sync strategy, and clears the list. */
  private void commit(List<Op> appends) {
    if (!appends.isEmpty()) {
      strategy.commit(appends);
      appends.clear();
    }
  }

  private void compact(Op op) {
    try {
      compactor.compact(op.room, op.kind == Kind.AUTO_COMPACT);
      op.future.complete(null);
    } catch (IOException | RuntimeException e) {
      op.future.completeExceptionally(e);
    }
  }
}

package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Journal.SyncPolicy#BATCHED}: the caller (an event loop) writes the record to the room file
 * itself, under the files lock, and gets an already completed future; the bytes are in the page
 * cache, so they survive kill -9. The writer thread only fsyncs, within maxSyncDelay of the first
 * unsynced write. No message waits for another thread.
 */
final class BatchedSync implements SyncStrategy {

  private final RoomFiles files;
  private final Compactor compactor;
  private final Writer writer;

  BatchedSync(RoomFiles files, Compactor compactor, Writer writer) {
    this.files = files;
    this.compactor = compactor;
    this.writer = writer;
  }

  @Override
  public void recovered(String room, long lastSeq) {
    // the room file's lastSeq is the high-water mark
  }

  /**
   * Writes on the caller's thread; the writer thread only fsyncs.
   *
   * <p>Refusing after close needs no flag of its own: {@link Writer#isClosed} is set before the
   * CLOSE op is queued, and the writer's final {@link RoomFiles#syncDirty} takes the files lock
   * only after it has dequeued that op. So an append whose critical section (under the lock) comes
   * after that sync's snapshot sees closed and refuses, and one whose critical section came before
   * has marked its room dirty, so that sync covers it. Nothing else writes the files after CLOSE.
   */
  @Override
  public CompletableFuture<Void> append(String room, long seq, ByteBuffer frame) {
    boolean wake;
    boolean compact;
    files.lock.lock();
    try {
      if (writer.isClosed()) {
        return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
      }
      RoomFile rf = files.getOrCreate(room);
      if (seq <= rf.lastSeq) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException(
                "seq " + seq + " of room " + room + " is not greater than last seq " + rf.lastSeq));
      }
      try {
        wake = files.write(rf, new ByteBuffer[] {frame}, seq);
      } catch (IOException | RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      compact = compactor.due(rf);
    } finally {
      files.lock.unlock();
    }
    if (wake) {
      writer.wake(); // the writer may be waiting with nothing to sync: start the fsync timer
    }
    if (compact) {
      writer.enqueue(new Writer.Op(Writer.Kind.AUTO_COMPACT, room, 0, null));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public long lastSeq(String room) {
    files.lock.lock();
    try {
      RoomFile rf = files.get(room);
      return rf == null ? 0 : rf.lastSeq;
    } finally {
      files.lock.unlock();
    }
  }

  @Override
  public void commit(List<Writer.Op> appends) {
    throw new IllegalStateException("BATCHED appends are written by their callers, never queued");
  }
}

package parley.journal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How an append is made durable before it is acknowledged, one implementation per {@link
 * Journal.SyncPolicy}: {@link GroupCommit} (ALWAYS: the writer thread writes and fsyncs queued
 * records, then completes their futures) and {@link BatchedSync} (BATCHED: the caller writes the
 * record itself and the writer thread fsyncs within maxSyncDelay).
 */
sealed interface SyncStrategy permits GroupCommit, BatchedSync {

  static SyncStrategy of(
      Journal.SyncPolicy policy, RoomFiles files, Compactor compactor, Writer writer) {
    return switch (policy) {
      case ALWAYS -> new GroupCommit(files, compactor, writer);
      case BATCHED -> new BatchedSync(files, compactor, writer);
    };
  }

  /**
   * Whether a new room file is fsynced with its directory when created (else by the next sync
   * round).
   */
  static boolean syncsNewFiles(Journal.SyncPolicy policy) {
    return policy == Journal.SyncPolicy.ALWAYS;
  }

  /** At open, before any append: the room's highest journaled seq. */
  void recovered(String room, long lastSeq);

  /**
   * Journals a valid frame; the future completes when the record is acknowledged. See {@link
   * Journal#append}.
   */
  CompletableFuture<Void> append(String room, long seq, ByteBuffer frame);

  /** See {@link Journal#lastSeq}. */
  long lastSeq(String room);

  /**
   * Writer thread: writes queued appends and completes their futures (only {@link GroupCommit}
   * queues any).
   */
  void commit(List<Writer.Op> appends);
}

package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@link Journal.SyncPolicy#ALWAYS}: an append is queued for the writer thread, which writes every
 * record queued at that moment (one gathering write per room), fsyncs each room file once, and then
 * completes the futures in append order. So the future completes only after write and fsync.
 * Appends are refused beyond {@link Journal#MAX_PENDING_BYTES} queued bytes.
 */
final class GroupCommit implements SyncStrategy {

  private final RoomFiles files;
  private final Compactor compactor;
  private final Writer writer;

  /**
   * Per room the highest seq journaled at open or accepted since (including records still queued),
   * guarded by the writer's lock.
   */
  private final Map<String, Long> acceptedSeq = new HashMap<>();

  GroupCommit(RoomFiles files, Compactor compactor, Writer writer) {
    this.files = files;
    this.compactor = compactor;
    this.writer = writer;
  }

  @Override
  public void recovered(String room, long lastSeq) {
    writer.lock.lock();
    try {
      acceptedSeq.put(room, lastSeq);
    } finally {
      writer.lock.unlock();
    }
  }

  @Override
  public CompletableFuture<Void> append(String room, long seq, ByteBuffer frame) {
    Writer.Op op = new Writer.Op(Writer.Kind.APPEND, room, seq, frame);
    writer.lock.lock();
    try {
      if (writer.isClosed()) {
        return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
      }
      long last = acceptedSeq.getOrDefault(room, 0L);
      if (seq <= last) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException(
                "seq " + seq + " of room " + room + " is not greater than last seq " + last));
      }
      long queued = writer.queuedBytesLocked();
      if (queued + frame.remaining() > Journal.MAX_PENDING_BYTES) {
        return CompletableFuture.failedFuture(
            new RejectedExecutionException(
                "journal overloaded: " + queued + " bytes waiting for the disk"));
      }
      acceptedSeq.put(room, seq);
      writer.enqueueAppendLocked(op);
    } finally {
      writer.lock.unlock();
    }
    return op.future;
  }

  @Override
  public long lastSeq(String room) {
    writer.lock.lock();
    try {
      return acceptedSeq.getOrDefault(room, 0L);
    } finally {
      writer.lock.unlock();
    }
  }

  /**
   * Writes a group of appends (one gathering write per room), fsyncs, completes the futures in
   * order.
   */
  @Override
  public void commit(List<Writer.Op> appends) {
    Map<RoomFile, List<Writer.Op>> byRoom = new LinkedHashMap<>();
    List<String> toCompact = new ArrayList<>();
    files.lock.lock();
    try {
      writeGroups(appends, byRoom, toCompact);
    } finally {
      files.lock.unlock();
    }
    for (String room : toCompact) {
      writer.enqueue(new Writer.Op(Writer.Kind.AUTO_COMPACT, room, 0, null));
    }
    Map<RoomFile, Throwable> failed = files.syncDirty();
    for (Map.Entry<RoomFile, Throwable> f : failed.entrySet()) {
      List<Writer.Op> ops = byRoom.get(f.getKey());
      if (ops != null) {
        for (Writer.Op op : ops) {
          if (op.error == null) {
            op.error = f.getValue();
          }
        }
      }
    }
    for (Writer.Op op : appends) {
      if (op.error == null) {
        op.future.complete(null);
      } else {
        op.future.completeExceptionally(op.error);
      }
    }
  }

  /** Under the files lock: one gathering write per room. */
  private void writeGroups(
      List<Writer.Op> appends, Map<RoomFile, List<Writer.Op>> byRoom, List<String> toCompact) {
    for (Writer.Op op : appends) {
      RoomFile rf = files.getOrCreate(op.room);
      byRoom.computeIfAbsent(rf, k -> new ArrayList<>()).add(op);
    }
    for (Map.Entry<RoomFile, List<Writer.Op>> e : byRoom.entrySet()) {
      RoomFile rf = e.getKey();
      List<Writer.Op> ops = e.getValue();
      ByteBuffer[] bufs = new ByteBuffer[ops.size()];
      for (int i = 0; i < bufs.length; i++) {
        bufs[i] = ops.get(i).frame;
      }
      try {
        files.write(
            rf, bufs, ops.get(ops.size() - 1).seq); // the writer is running: no wake-up needed
        if (compactor.due(rf)) {
          toCompact.add(rf.room);
        }
      } catch (IOException | RuntimeException ex) {
        for (Writer.Op op : ops) {
          op.error = ex;
        }
      }
    }
  }
}

package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open journal's room files under one lock, and the fsyncs that follow their writes: which
 * files hold writes not yet fsynced (dirty), which channels were dropped after a failure while they
 * still owed an fsync (retired), and the sync round that the writer thread runs. The lock ({@link
 * #lock}) guards every {@link RoomFile}; the sync round fsyncs outside it, so an fsync never holds
 * up an append.
 */
final class RoomFiles {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  /** Guards the room files and the sync bookkeeping below. */
  final ReentrantLock lock = new ReentrantLock();

  private final Path dir;
  private final Recovery recovery;

  /**
   * ALWAYS: a new file is fsynced (with its directory) when created; BATCHED: by the next sync
   * round.
   */
  private final boolean syncNewFiles;

  private final long maxSyncDelayNanos;
  private final Map<String, RoomFile> files = new HashMap<>();

  /** Built once: a method reference that captures {@code this} would be a new object per append. */
  private final Function<String, RoomFile> newRoomFile = this::newRoomFile;

  private final Set<RoomFile> dirty = new LinkedHashSet<>();

  /**
   * Channels dropped after a failure while they still held unsynced writes, or while the writer was
   * fsyncing them: the next sync round forces and then closes them, so no acknowledged record is
   * left unsynced and no channel is closed under a running force().
   */
  private final List<Retired> retired = new ArrayList<>();

  private boolean dirSyncPending;

  /** Read by the writer without the lock to time its next fsync, hence volatile. */
  private volatile long unsyncedSinceNanos;

  private volatile boolean unsynced;

  // ---- observability for tests
  private final AtomicLong syncCount = new AtomicLong();
  private volatile long maxSyncLagNanos;
  private volatile LongConsumer syncListener;

  // ---- timings for metrics (nanoseconds), see Journal#timings
  private volatile LongConsumer writeTimer = nanos -> {};
  private volatile LongConsumer fsyncTimer = nanos -> {};

  /** A channel taken out of use while its fsync was still owed (see {@link #retired}). */
  private record Retired(Path path, FileChannel ch) {}

  RoomFiles(Path dir, Recovery recovery, boolean syncNewFiles, long maxSyncDelayNanos) {
    this.dir = dir;
    this.recovery = recovery;
    this.syncNewFiles = syncNewFiles;
    this.maxSyncDelayNanos = maxSyncDelayNanos;
  }

  /** Where the time of each write and each fsync of a room file is reported, in nanoseconds. */
  void timings(LongConsumer write, LongConsumer fsync) {
    writeTimer = write;
    fsyncTimer = fsync;
  }

  // ---- under the lock

  RoomFile get(String room) {
    return files.get(room);
  }

  RoomFile getOrCreate(String room) {
    return files.computeIfAbsent(room, newRoomFile);
  }

  private RoomFile newRoomFile(String room) {
    return new RoomFile(room, RoomFile.pathOf(dir, room));
  }

  void put(RoomFile rf) {
    files.put(rf.room, rf);
  }

  int size() {
    return files.size();
  }

  /**
   * Opens the room's file if needed, writes whole frames to it (the last one has seq {@code
   * lastSeq}) and marks it dirty. On failure logs the error, abandons the channel (the next append
   * re-validates the file) and rethrows.
   *
   * @return true when this write started a new unsynced period: the writer must be woken to time
   *     its fsync
   */
  boolean write(RoomFile rf, ByteBuffer[] frames, long lastSeq) throws IOException {
    try {
      if (rf.ensureOpen(recovery, syncNewFiles)) {
        dirSyncPending = true;
      }
      long start = System.nanoTime();
      rf.write(frames, lastSeq);
      writeTimer.accept(System.nanoTime() - start);
    } catch (IOException | RuntimeException e) {
      log.error("Writing {} record(s) to {} failed", frames.length, rf.path, e);
      abandon(rf);
      throw e;
    }
    return markDirty(rf);
  }

  /** Returns true when this starts a new unsynced period (the writer must be told). */
  boolean markDirty(RoomFile rf) {
    dirty.add(rf);
    if (!unsynced) {
      unsyncedSinceNanos = System.nanoTime();
      unsynced = true;
      return true;
    }
    return false;
  }

  /**
   * A compaction renamed a new file over the room's: appends continue in {@code ch} (positioned at
   * its end), which holds {@code count} records. The old channel no longer matters, nor do its
   * unsynced bytes; {@code unsyncedTail}: the new file holds appends copied over without an fsync,
   * the next round syncs them.
   */
  void replaced(RoomFile rf, FileChannel ch, long count, boolean unsyncedTail) throws IOException {
    if (rf.ch != null) {
      JournalIo.close(rf.ch, rf.path, false); // run by the writer, so no fsync of it is under way
    }
    dirty.remove(rf);
    rf.ch = ch;
    rf.exists = true;
    rf.needsRecovery = false;
    rf.size = ch.position();
    rf.count = count;
    rf.generation++;
    if (unsyncedTail) {
      markDirty(rf);
    }
  }

  /**
   * After a failed write or fsync: drop the channel; the next append re-validates the file first.
   * If the channel still holds writes that no fsync has covered (the room was dirty: acknowledged
   * BATCHED records), or the writer is fsyncing it right now, it is not closed here but retired:
   * the next sync round forces and closes it. {@link #unsynced} stays (or is) set, so that round
   * comes within maxSyncDelay.
   */
  void abandon(RoomFile rf) {
    boolean wasDirty = dirty.remove(rf);
    rf.generation++;
    FileChannel ch = rf.ch;
    if (ch != null) {
      rf.ch = null;
      if (wasDirty || rf.syncing == ch) {
        retired.add(new Retired(rf.path, ch));
        if (!unsynced) {
          // Only when not dirty, i.e. the writer is in syncDirty (forcing ch): it will see this
          // when it next waits, no wake-up needed.
          unsyncedSinceNanos = System.nanoTime();
          unsynced = true;
        }
      } else {
        JournalIo.close(ch, rf.path, false);
      }
    }
    rf.needsRecovery = true;
  }

  // ---- writer thread

  /**
   * Nanoseconds until the next sync round is due: at most 0 if overdue, Long.MAX_VALUE if nothing
   * is unsynced.
   */
  long nanosUntilSync() {
    if (!unsynced) {
      return Long.MAX_VALUE;
    }
    return unsyncedSinceNanos + maxSyncDelayNanos - System.nanoTime();
  }

  /** Runs a sync round if the oldest unsynced write has waited maxSyncDelay. */
  void syncIfOverdue() {
    if (unsynced && System.nanoTime() - unsyncedSinceNanos >= maxSyncDelayNanos) {
      syncDirty();
    }
  }

  /**
   * Fdatasyncs every dirty file, then forces and closes the retired channels; returns the files
   * whose sync failed. The lists are taken under the lock, the fsyncs run outside it, so appends go
   * on meanwhile; a channel being forced is marked ({@link RoomFile#syncing}) so that an appender's
   * {@link #abandon} retires it instead of closing it under the force.
   */
  Map<RoomFile, Throwable> syncDirty() {
    Map<RoomFile, Throwable> failed = Map.of();
    List<RoomFile> rooms;
    List<Retired> toClose;
    boolean wasUnsynced;
    long since;
    boolean dirSync;
    lock.lock();
    try {
      if (!unsynced && dirty.isEmpty() && !dirSyncPending && retired.isEmpty()) {
        return failed;
      }
      rooms = new ArrayList<>(dirty.size());
      for (RoomFile rf : dirty) {
        if (rf.ch != null) {
          rooms.add(rf);
          rf.syncing = rf.ch;
        }
      }
      dirty.clear();
      toClose = retired.isEmpty() ? List.of() : new ArrayList<>(retired);
      retired.clear();
      wasUnsynced = unsynced;
      since = unsyncedSinceNanos;
      unsynced = false;
      dirSync = dirSyncPending;
      dirSyncPending = false;
    } finally {
      lock.unlock();
    }
    try {
      if (dirSync) {
        JournalIo.fsyncDir(dir); // files created by appenders since the last round
      }
      for (int i = 0; i < rooms.size(); i++) {
        RoomFile rf = rooms.get(i);
        FileChannel ch = rf.syncing; // set above by this thread, the only one that sets it
        try {
          long start = System.nanoTime();
          ch.force(false);
          fsyncTimer.accept(System.nanoTime() - start);
          syncCount.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          log.error("fsync of {} failed; its recent records may not be durable", rf.path, e);
          if (failed.isEmpty()) {
            failed = new HashMap<>();
          }
          failed.put(rf, e);
          lock.lock();
          try {
            rf.syncing = null; // this force is over: abandoning may close the channel
            if (rf.ch == ch) {
              abandon(rf);
            }
          } finally {
            lock.unlock();
          }
        }
      }
    } finally {
      if (!rooms.isEmpty()) {
        lock.lock();
        try {
          for (RoomFile rf : rooms) {
            rf.syncing = null;
          }
        } finally {
          lock.unlock();
        }
      }
    }
    // Channels abandoned with writes not yet fsynced (acknowledged BATCHED records): sync, then
    // close.
    // Nobody else uses them any more, so this needs no lock.
    for (Retired r : toClose) {
      try {
        r.ch().force(false);
        syncCount.incrementAndGet();
      } catch (IOException | RuntimeException e) {
        log.error(
            "fsync of {} (dropped after a failure) failed; its recent records may not be durable",
            r.path(),
            e);
      }
      JournalIo.close(r.ch(), r.path(), false);
    }
    if (wasUnsynced) {
      long lag = System.nanoTime() - since;
      if (lag > maxSyncLagNanos) {
        maxSyncLagNanos = lag;
      }
      LongConsumer l = syncListener;
      if (l != null) {
        try {
          l.accept(lag);
        } catch (RuntimeException e) {
          log.warn("sync listener failed", e);
        }
      }
    }
    return failed;
  }

  /** At close (or open, on failure): closes every file. Appends are refused by then. */
  void closeAll() {
    lock.lock();
    try {
      for (RoomFile rf : files.values()) {
        if (rf.ch != null) {
          JournalIo.close(rf.ch, rf.path, true);
          rf.ch = null;
        }
      }
      for (Retired r : retired) { // only left here if the last sync round did not run
        JournalIo.close(r.ch(), r.path(), true);
      }
      retired.clear();
    } finally {
      lock.unlock();
    }
  }

  // ---- test hooks

  long syncCount() {
    return syncCount.get();
  }

  long maxSyncLagNanos() {
    return maxSyncLagNanos;
  }

  void onSync(LongConsumer listener) {
    this.syncListener = listener;
  }
}

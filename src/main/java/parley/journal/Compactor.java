package parley.journal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention on disk: rewrites a room file to hold only what {@link Retention} keeps (temp file,
 * fsync, atomic rename, directory fsync). Runs at open, on the writer thread when a file holds more
 * than {@code 2 * maxMessages} records, and on demand. Appends keep being accepted meanwhile:
 * records written while the temp file was being built are copied over, under the files lock, just
 * before the rename.
 */
final class Compactor {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  private final RoomFiles files;
  private final Retention retention;
  private final Clock clock;
  private final Path dir;

  /** Records appended while a compaction ran and copied into its new file (for tests). */
  private final AtomicLong carriedOver = new AtomicLong();

  Compactor(Path dir, RoomFiles files, Retention retention, Clock clock) {
    this.dir = dir;
    this.files = files;
    this.retention = retention;
    this.clock = clock;
  }

  long carriedOver() {
    return carriedOver.get();
  }

  /**
   * Under the files lock: whether the room's file has grown enough to compact it (and marks it
   * queued).
   */
  boolean due(RoomFile rf) {
    if (!rf.compactQueued && overThreshold(rf)) {
      rf.compactQueued = true;
      return true;
    }
    return false;
  }

  /**
   * Under the files lock: whether the room's file holds enough records to compact it (retry backoff
   * included).
   */
  private boolean overThreshold(RoomFile rf) {
    return rf.count > 2L * retention.maxMessages() && rf.count >= rf.compactRetryAt;
  }

  /**
   * At open, before the writer starts: returns what retention keeps of a recovered room, and
   * rewrites its file to hold just that if it holds more (a failure is logged and leaves the file
   * as it is).
   */
  List<JournalRecord> trimAtOpen(RoomFile rf, List<JournalRecord> records, long now) {
    List<JournalRecord> window = retention.apply(records, now);
    if (rf.exists && window.size() < records.size()) {
      try {
        rewrite(rf, window, rf.lastSeq, rf.size, rf.count, rf.generation);
      } catch (IOException e) {
        log.warn("Journal file {}: compaction at open failed, keeping the file as is", rf.path, e);
      }
    }
    return window;
  }

  /**
   * Writer thread: compacts the room's file, on demand or because {@link #due} said so ({@code
   * auto}). An automatic compaction that fails is retried after {@code maxMessages} more records.
   * Failures are logged and rethrown; the old file stays in place.
   */
  void compact(String room, boolean auto) throws IOException {
    RoomFile rf;
    files.lock.lock();
    try {
      rf = files.get(room);
    } finally {
      files.lock.unlock();
    }
    if (rf == null) {
      return;
    }
    try {
      if (auto) {
        autoCompact(rf); // clears compactQueued itself on success
      } else {
        compactRoom(rf);
      }
    } catch (IOException | RuntimeException e) {
      if (auto) {
        files.lock.lock();
        try { // compactRetryAt holds the next attempt back
          rf.compactRetryAt = rf.count + retention.maxMessages();
          rf.compactQueued = false;
        } finally {
          files.lock.unlock();
        }
        log.error(
            "Automatic compaction of room {} failed; will retry after {} more records",
            rf.room,
            retention.maxMessages(),
            e);
      } else {
        log.error("Compaction of room {} failed; its journal file is unchanged", room, e);
      }
      throw e;
    }
  }

  /**
   * Appends go on during an automatic compaction without queueing another one: compactQueued stays
   * set until it ends, and is cleared (on success) under the same lock as the final threshold
   * check, so no append can slip in between unnoticed. If appends made during the rewrite put the
   * file over the threshold again, it is compacted again at once, ahead of operations queued
   * meanwhile (a flush queued after those appends must find the room compacted), with the usual
   * sync check in between.
   */
  private void autoCompact(RoomFile rf) throws IOException {
    while (true) {
      boolean rewritten = compactRoom(rf);
      files.lock.lock();
      try {
        if (!rewritten || !overThreshold(rf)) {
          rf.compactQueued = false;
          return;
        }
      } finally {
        files.lock.unlock();
      }
      files.syncIfOverdue();
    }
  }

  /**
   * Reads the file up to its size at the start, without the lock; appends go on meanwhile and are
   * carried over by {@link #rewrite}. Returns true if the file was rewritten.
   */
  private boolean compactRoom(RoomFile rf) throws IOException {
    long size0;
    long count0;
    long gen0;
    long floor;
    files.lock.lock();
    try {
      if (!rf.exists) {
        return false;
      }
      size0 = rf.size;
      count0 = rf.count;
      gen0 = rf.generation;
      floor = rf.lastSeq;
    } finally {
      files.lock.unlock();
    }
    if (!Files.exists(rf.path)) {
      return false;
    }
    JournalFormat.Scan s = JournalFormat.scan(rf.path, rf.room, true, size0);
    if (s.headerState != JournalFormat.HeaderState.OK || s.problem != null) {
      throw new IOException(
          "journal file "
              + rf.path
              + " is not fully readable ("
              + s.problem
              + "); not compacting it");
    }
    List<JournalRecord> keep = retention.apply(s.records, clock.millis());
    if (keep.size() == s.records.size()) {
      files.lock.lock();
      try {
        rf.compactRetryAt = rf.count + retention.maxMessages(); // nothing to drop yet
      } finally {
        files.lock.unlock();
      }
      return false;
    }
    if (rewrite(rf, keep, floor, size0, count0, gen0)) {
      log.debug("Compacted {}: kept {} of {} records", rf.path, keep.size(), s.records.size());
      return true;
    }
    return false;
  }

  /**
   * Replaces the room file by one holding only {@code keep} plus whatever was appended after {@code
   * size0}: temp file, fsync, then under the lock copy the new tail, atomic rename and switch the
   * appenders to the new file; fsync dir. The tail copied under the lock is fsynced by the next
   * sync round, like any other BATCHED write. Returns false (and leaves the file alone) if the file
   * was replaced or re-validated meanwhile.
   */
  private boolean rewrite(
      RoomFile rf, List<JournalRecord> keep, long floor, long size0, long count0, long gen0)
      throws IOException {
    Path tmp = rf.path.resolveSibling(rf.room + RoomFile.TMP_SUFFIX);
    FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    boolean swapped = false;
    try {
      OutputStream os = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
      os.write(JournalFormat.header(floor).array());
      for (JournalRecord r : keep) {
        os.write(JournalFormat.frame(r.seq(), r.tsMillis(), r.payload()).array());
      }
      os.flush();
      out.force(true);
      files.lock.lock();
      try {
        if (rf.generation != gen0 || rf.size < size0) {
          return false;
        }
        long tail = rf.size - size0;
        long tailCount = rf.count - count0;
        if (tail > 0) {
          long copied = JournalIo.copyRange(rf.ch, size0, rf.size, out);
          if (copied != tail) {
            throw new IOException(
                "journal file "
                    + rf.path
                    + " ended early: copied "
                    + copied
                    + " of the "
                    + tail
                    + " bytes appended during compaction");
          }
          carriedOver.addAndGet(tailCount);
        }
        Files.move(
            tmp, rf.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        swapped = true;
        files.replaced(rf, out, keep.size() + tailCount, tail > 0);
      } finally {
        files.lock.unlock();
      }
    } finally {
      if (!swapped) {
        JournalIo.close(out, tmp, false);
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
    JournalIo.fsyncDir(dir);
    return true;
  }
}

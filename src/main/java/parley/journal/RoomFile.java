package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's journal file while the journal is open: its channel, size, record count and last seq,
 * and the two things done to it: open it for appending (creating it with a header, or re-validating
 * it after a failure) and append whole frames. Every field and method is guarded by the {@link
 * RoomFiles} lock.
 */
final class RoomFile {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  static final String SUFFIX = ".journal";
  static final String TMP_SUFFIX = ".journal.tmp";
  static final Pattern ROOM_NAME = Pattern.compile("[a-z0-9_-]{1,32}");

  final String room;
  final Path path;
  FileChannel ch;
  boolean exists;
  boolean needsRecovery;
  long size;
  long count;
  long lastSeq;
  long compactRetryAt;
  boolean compactQueued;

  /**
   * Bumped whenever the file is replaced or re-validated, so a compaction can tell that it raced
   * one.
   */
  long generation;

  /**
   * The channel the writer is fsyncing outside the lock, if any: it must not be closed meanwhile.
   */
  FileChannel syncing;

  RoomFile(String room, Path path) {
    this.room = room;
    this.path = path;
  }

  static Path pathOf(Path dir, String room) {
    return dir.resolve(room + SUFFIX);
  }

  /**
   * Opens the file for appending if it is not open: creates it with a header, or re-validates it
   * after a failure (see {@link Recovery#revalidate}). A new file is fsynced with its directory
   * here when {@code syncNewFile}; otherwise this returns true and the caller owes the directory an
   * fsync.
   */
  boolean ensureOpen(Recovery recovery, boolean syncNewFile) throws IOException {
    if (ch != null) {
      return false;
    }
    if (needsRecovery && Files.exists(path)) {
      JournalFormat.Scan s = recovery.revalidate(path, room);
      exists = true;
      size = s.goodEnd;
      count = s.count;
      lastSeq = Math.max(lastSeq, s.lastSeq());
    } else if (needsRecovery) {
      exists = false;
    }
    boolean created = false;
    if (!exists) {
      FileChannel c =
          FileChannel.open(
              path,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      try {
        JournalIo.writeFully(c, JournalFormat.header(lastSeq));
        if (syncNewFile) {
          c.force(true);
          JournalIo.fsyncDir(path.getParent());
        } else {
          created = true;
        }
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
      ch = c;
      exists = true;
      size = JournalFormat.HEADER_SIZE;
      count = 0;
    } else {
      FileChannel c = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        long actual = c.size();
        if (actual != size) {
          log.warn(
              "Journal file {} is {} bytes, expected {}; truncating to the last known valid frame",
              path,
              actual,
              size);
          if (actual > size) {
            c.truncate(size);
          } else {
            throw new IOException(
                "journal file " + path + " shrank from " + size + " to " + actual);
          }
        }
        c.position(size);
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
      ch = c;
    }
    needsRecovery = false;
    return created;
  }

  /**
   * Writes whole frames at the end of the open file (the last one has seq {@code last}) and counts
   * them.
   */
  void write(ByteBuffer[] frames, long last) throws IOException {
    long total = 0;
    for (ByteBuffer b : frames) {
      total += b.remaining();
    }
    if (frames.length == 1) {
      JournalIo.writeFully(ch, frames[0]);
    } else {
      long written = 0;
      while (written < total) {
        written += ch.write(frames);
      }
    }
    size += total;
    count += frames.length;
    lastSeq = last;
  }
}

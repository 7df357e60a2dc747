package parley.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.store.DurableFile;

/**
 * File helpers shared by the journal's parts: whole writes, range copies, quiet closes, directory
 * fsync.
 */
final class JournalIo {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  private JournalIo() {}

  /**
   * Closes {@code ch}; a failure is logged, as a warning when {@code warn} (at shutdown), else at
   * debug.
   */
  static void close(FileChannel ch, Path path, boolean warn) {
    try {
      ch.close();
    } catch (IOException e) {
      if (warn) {
        log.warn("closing {} failed", path, e);
      } else {
        log.debug("closing {}", path, e);
      }
    }
  }

  /**
   * Copies bytes {@code [from, end)} of {@code src} to {@code dst} at its position; stops early if
   * {@code src} is shorter. Returns the number of bytes copied.
   */
  static long copyRange(FileChannel src, long from, long end, FileChannel dst) throws IOException {
    long pos = from;
    while (pos < end) {
      long n = src.transferTo(pos, end - pos, dst);
      if (n <= 0) {
        break;
      }
      pos += n;
    }
    return pos - from;
  }

  static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Makes file creations and renames in {@code dir} durable (Linux; a no-op where unsupported). */
  static void fsyncDir(Path dir) {
    DurableFile.fsyncDirectory(dir);
  }
}

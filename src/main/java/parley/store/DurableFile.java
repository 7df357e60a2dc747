package parley.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small files replaced whole, atomically and durably (the ban list, the history epoch). */
public final class DurableFile {
  private static final Logger LOG = LoggerFactory.getLogger(DurableFile.class);

  private DurableFile() {}

  /**
   * Replaces {@code file} with {@code content}: written to {@code <file>.tmp} and fsynced, renamed
   * over {@code file} atomically, then the directory is fsynced so the rename survives a crash. A
   * reader sees the old content or the new, never a mix.
   */
  public static void replace(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(file.toAbsolutePath().getParent());
  }

  /** Makes file creations and renames in {@code dir} durable (Linux; a no-op where unsupported). */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.debug("directory fsync of {} not supported here", dir, e);
    }
  }
}

package parley.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.store.DurableFile;

/**
 * The epoch of a history directory: a random 64-bit value, written as 16 lowercase hex digits to
 * {@code <dir>/EPOCH} when the history is first created and kept from then on. {@code (epoch, room,
 * seq)} names at most one event ever: whenever a room's numbering could go back (the history
 * directory is new, or recovery discards records or a whole room file), the journal takes a new
 * epoch before anything else changes, so that clients holding seqs of the old numbering can tell.
 *
 * <p>The file is written to {@code EPOCH.tmp}, fsynced, renamed over {@code EPOCH} and the
 * directory fsynced, so a crash leaves either the old epoch or the new one, never a torn one.
 */
public final class Epoch {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  /** The file's name inside the history directory. */
  public static final String FILE = "EPOCH";

  private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{16}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Epoch() {}

  /** A new random epoch, as 16 lowercase hex digits. */
  public static String random() {
    return String.format("%016x", RANDOM.nextLong());
  }

  /** Whether {@code s} looks like an epoch (16 lowercase hex digits). */
  public static boolean valid(String s) {
    return s != null && FORMAT.matcher(s).matches();
  }

  /**
   * The epoch stored in {@code dir}, or null when there is none: no file, or one that does not hold
   * an epoch (logged; the caller then writes a new one, which clients see as a change).
   *
   * @throws IOException if the file exists but cannot be read
   */
  static String read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return null;
    } catch (java.nio.charset.CharacterCodingException e) {
      text = "";
    }
    if (!valid(text)) {
      log.warn("{} does not hold an epoch (16 hex digits); a new epoch replaces it", file);
      return null;
    }
    return text;
  }

  /** Writes a new random epoch to {@code dir} atomically and durably, and returns it. */
  static String create(Path dir) throws IOException {
    String epoch = random();
    DurableFile.replace(dir.resolve(FILE), (epoch + "\n").getBytes(StandardCharsets.US_ASCII));
    return epoch;
  }
}

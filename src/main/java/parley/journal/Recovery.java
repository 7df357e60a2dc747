package parley.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reading room files back and repairing them. At open: every {@code <room>.journal} in the
 * directory is read; a file with a torn header (no records) is removed, one that is not a journal
 * is moved aside to {@code .bad-<millis>}, and a torn or corrupt tail is cut back to the last valid
 * frame after its bytes are saved to {@code <room>.journal.discarded-<offset>-<millis>}. Unfinished
 * compaction files are deleted. After a failed write, a file is re-validated the same way before
 * the next append. Bad data never raises an exception; only I/O errors and an unknown (newer)
 * format version do, so that a newer journal is never modified.
 */
final class Recovery {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  /** One room as read at open: its file state and every valid record in it. */
  record Recovered(RoomFile file, List<JournalRecord> records) {}

  private final Path dir;
  private final Clock clock;

  Recovery(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  /**
   * Told before recovery discards anything of a room file at open (a torn or corrupt tail, a torn
   * header, a whole file moved aside), while the file is still untouched: the room's numbering may
   * go back, so the journal takes a new {@link Epoch} first.
   */
  interface LossHook {
    void beforeLoss(String room, String what) throws IOException;
  }

  /**
   * Reads and repairs every room file, in room name order, handing each to {@code onRoom}; {@code
   * onLoss} is called before each repair that discards something.
   */
  void recoverAll(Consumer<Recovered> onRoom, LossHook onLoss) throws IOException {
    List<Path> journals = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(RoomFile.TMP_SUFFIX)) {
          log.info("Removing unfinished compaction file {}", p);
          Files.deleteIfExists(p);
        } else if (name.endsWith(RoomFile.SUFFIX) && Files.isRegularFile(p)) {
          journals.add(p);
        }
      }
    }
    Collections.sort(journals);
    for (Path p : journals) {
      String name = p.getFileName().toString();
      String room = name.substring(0, name.length() - RoomFile.SUFFIX.length());
      if (!RoomFile.ROOM_NAME.matcher(room).matches()) {
        log.warn("Ignoring journal file {}: {} is not a valid room name", p, room);
        continue;
      }
      onRoom.accept(recover(room, p, onLoss));
    }
  }

  private Recovered recover(String room, Path path, LossHook onLoss) throws IOException {
    RoomFile rf = new RoomFile(room, path);
    JournalFormat.Scan s = JournalFormat.scan(path, room, true);
    switch (s.headerState) {
      case UNSUPPORTED_VERSION:
        throw new IOException(
            "journal file "
                + path
                + " has unsupported format version "
                + s.version
                + " (this build reads version "
                + JournalFormat.VERSION
                + "); refusing to modify it");
      case EMPTY:
      case TORN:
        // its seq floor is unreadable: a file is re-created with a floor above 0 only after its
        // predecessor vanished, but that cannot be told apart here
        onLoss.beforeLoss(room, "torn header");
        log.warn(
            "Journal file {}: torn header at offset 0 ({} bytes, no records); removing it, "
                + "the room starts a fresh file",
            path,
            s.fileSize);
        Files.delete(path);
        JournalIo.fsyncDir(dir);
        break;
      case CORRUPT:
        onLoss.beforeLoss(room, "unreadable file (" + s.problem + ")");
        Path aside = path.resolveSibling(path.getFileName() + ".bad-" + clock.millis());
        log.warn(
            "Journal file {}: {} at offset 0; not a readable journal, moving it to {} "
                + "and starting the room with an empty history",
            path,
            s.problem,
            aside);
        Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
        JournalIo.fsyncDir(dir);
        break;
      case OK:
        if (s.problem != null) {
          onLoss.beforeLoss(
              room, "records after seq " + s.lastFrameSeq + " cut off (" + s.problem + ")");
          truncateTail(path, s);
        }
        rf.exists = true;
        rf.size = s.goodEnd;
        rf.count = s.count;
        rf.lastSeq = s.lastSeq();
        break;
      default:
        throw new AssertionError(s.headerState);
    }
    return new Recovered(rf, s.records);
  }

  /**
   * Re-reads a file that a failed write or fsync left in doubt, cutting a torn tail as at open.
   * Returns the scan (records not collected); throws if the header is no longer readable.
   */
  JournalFormat.Scan revalidate(Path path, String room) throws IOException {
    JournalFormat.Scan s = JournalFormat.scan(path, room, false);
    if (s.headerState != JournalFormat.HeaderState.OK) {
      throw new IOException(
          "journal file " + path + " unreadable after an earlier failure: " + s.problem);
    }
    if (s.problem != null) {
      truncateTail(path, s);
    }
    return s;
  }

  /** Cuts a file back to its last valid frame, keeping a copy of what is cut off. */
  private void truncateTail(Path path, JournalFormat.Scan s) throws IOException {
    long discard = s.fileSize - s.goodEnd;
    Path saved =
        path.resolveSibling(path.getFileName() + ".discarded-" + s.goodEnd + "-" + clock.millis());
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      String savedNote;
      try (FileChannel out =
          FileChannel.open(saved, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        JournalIo.copyRange(ch, s.goodEnd, s.fileSize, out);
        out.force(true);
        savedNote = "a copy of the discarded bytes is in " + saved;
      } catch (IOException e) {
        savedNote = "could not save a copy of the discarded bytes (" + e + ")";
      }
      log.warn(
          "Journal file {}: {} at offset {}; keeping {} valid records (up to seq {}), "
              + "truncating the file from {} to {} bytes ({} bytes discarded); {}",
          path,
          s.problem,
          s.goodEnd,
          s.count,
          s.lastFrameSeq,
          s.fileSize,
          s.goodEnd,
          discard,
          savedNote);
      ch.truncate(s.goodEnd);
      ch.force(true);
    }
    JournalIo.fsyncDir(dir);
  }
}

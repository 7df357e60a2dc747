package parley.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.openAlways;
import static parley.journal.JournalTestSupport.range;
import static parley.journal.JournalTestSupport.rec;
import static parley.journal.JournalTestSupport.seqs;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Torn and corrupt files are cut back to their valid prefix with a WARN, never an exception. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalRecoveryTest {

  @TempDir Path dir;
  Path file;
  ListAppender<ILoggingEvent> logged;

  @BeforeEach
  void setUp() {
    file = dir.resolve("lobby.journal");
    logged = JournalTestSupport.captureJournalLog();
  }

  @AfterEach
  void tearDown() {
    JournalTestSupport.detach(logged);
  }

  /**
   * Writes seq 1..n to lobby and returns the file offset at which each frame starts (index seq-1),
   * plus the end.
   */
  private long[] writeLobby(int n) throws IOException {
    try (Journal j = openAlways(dir)) {
      for (int seq = 1; seq <= n; seq++) {
        j.append(rec("lobby", seq, 1000 + seq)).join();
      }
    }
    long[] offsets = new long[n + 1];
    long off = JournalFormat.HEADER_SIZE;
    for (int seq = 1; seq <= n; seq++) {
      offsets[seq - 1] = off;
      off +=
          JournalFormat.FRAME_HEADER_SIZE
              + JournalFormat.BODY_FIXED_SIZE
              + JournalTestSupport.payload("lobby", seq).length;
    }
    offsets[n] = off;
    assertEquals(off, Files.size(file));
    return offsets;
  }

  private void assertWarned(String... fragments) {
    List<String> warns = JournalTestSupport.warnings(logged);
    assertTrue(
        warns.stream().anyMatch(w -> Arrays.stream(fragments).allMatch(w::contains)),
        "expected a WARN containing " + Arrays.toString(fragments) + ", got " + warns);
  }

  /** Reopens, checks the loaded lobby history, appends one more record and checks it survives. */
  private void assertRecoversTo(List<Long> expected) throws IOException {
    long next;
    try (Journal j = openAlways(dir)) {
      assertEquals(expected, seqs(j.load().getOrDefault("lobby", List.of())));
      next = j.lastSeq("lobby") + 1;
      j.append(rec("lobby", next, 5000)).join();
    }
    try (Journal j = openAlways(dir)) {
      List<JournalRecord> lobby = j.load().get("lobby");
      List<Long> withNew = new java.util.ArrayList<>(expected);
      withNew.add(next);
      assertEquals(withNew, seqs(lobby));
      assertArrayEquals(
          JournalTestSupport.payload("lobby", next), lobby.get(lobby.size() - 1).payload());
    }
  }

  private void truncate(long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  private void flipByte(long offset) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
      ch.write(b, offset);
    }
  }

  private List<Path> sideFiles(String marker) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("lobby.journal." + marker))
          .toList();
    }
  }

  @Test
  void tornLastRecordIsCutOff() throws IOException {
    long[] off = writeLobby(5);
    truncate(off[5] - 7); // mid-way through frame 5
    assertRecoversTo(range(1, 4));
    assertWarned("lobby.journal", "truncated frame", "offset " + off[4], "truncating the file");
    // the discarded bytes are kept for inspection
    List<Path> saved = sideFiles("discarded-" + off[4]);
    assertEquals(1, saved.size());
    assertEquals(off[5] - 7 - off[4], Files.size(saved.get(0)));
  }

  @Test
  void tornFrameHeaderIsCutOff() throws IOException {
    long[] off = writeLobby(3);
    truncate(off[2] + 3); // only 3 bytes of frame 3's length/crc
    assertRecoversTo(range(1, 2));
    assertWarned("lobby.journal", "truncated frame header", "offset " + off[2]);
  }

  @Test
  void corruptLastRecordIsCutOff() throws IOException {
    long[] off = writeLobby(5);
    flipByte(off[5] - 2); // a payload byte of frame 5
    assertRecoversTo(range(1, 4));
    assertWarned("lobby.journal", "checksum mismatch", "offset " + off[4]);
  }

  @Test
  void corruptLengthIsCaughtBySanityCheck() throws IOException {
    long[] off = writeLobby(5);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(4).putInt(0, 0x7fffffff), off[3]);
    }
    assertRecoversTo(range(1, 3));
    assertWarned("lobby.journal", "implausible frame length", "offset " + off[3]);
  }

  @Test
  void corruptionInTheMiddleKeepsThePrefixAndSavesTheRest() throws IOException {
    long[] off = writeLobby(5);
    flipByte(off[1] + 12); // seq field of frame 2
    byte[] before = Files.readAllBytes(file);
    assertRecoversTo(range(1, 1));
    assertWarned(
        "lobby.journal",
        "checksum mismatch",
        "offset " + off[1],
        (off[5] - off[1]) + " bytes discarded");
    List<Path> saved = sideFiles("discarded-" + off[1]);
    assertEquals(1, saved.size());
    assertArrayEquals(
        Arrays.copyOfRange(before, (int) off[1], before.length), Files.readAllBytes(saved.get(0)));
  }

  @Test
  void zeroFilledTailIsCutOff() throws IOException {
    long[] off = writeLobby(3);
    Files.write(
        file,
        new byte[4096],
        StandardOpenOption.APPEND); // what a crash can leave on some file systems
    assertRecoversTo(range(1, 3));
    assertWarned("lobby.journal", "implausible frame length 0", "offset " + off[3]);
  }

  @Test
  void seqGoingBackwardsEndsTheValidData() throws IOException {
    long[] off = writeLobby(3);
    // append a well-formed frame whose seq repeats seq 2
    ByteBuffer dup = JournalFormat.frame(2, 0, new byte[] {1, 2, 3});
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(dup);
    }
    assertRecoversTo(range(1, 3));
    assertWarned("lobby.journal", "seq 2 not greater than previous seq 3", "offset " + off[3]);
  }

  @Test
  void tornHeaderStartsAFreshFile() throws IOException {
    Files.write(file, new byte[] {0x50, 0x52, 0x4C}); // first 3 bytes of the magic
    assertRecoversTo(List.of());
    assertWarned("lobby.journal", "torn header");
  }

  @Test
  void emptyFileStartsAFreshFile() throws IOException {
    Files.write(file, new byte[0]);
    assertRecoversTo(List.of());
    assertWarned("lobby.journal", "torn header");
  }

  @Test
  void foreignFileIsMovedAside() throws IOException {
    byte[] garbage = "this is not a journal at all, just some text".getBytes();
    Files.write(file, garbage);
    assertRecoversTo(List.of());
    assertWarned("lobby.journal", "bad magic number", "moving it to");
    List<Path> aside = sideFiles("bad-");
    assertEquals(1, aside.size());
    assertArrayEquals(garbage, Files.readAllBytes(aside.get(0)));
  }

  @Test
  void otherRoomsAreUnaffectedAndBadNamesIgnored() throws IOException {
    long[] off = writeLobby(4);
    try (Journal j = openAlways(dir)) {
      j.append(rec("ops", 1, 0)).join();
    }
    truncate(off[4] - 1);
    Files.write(dir.resolve("Not A Room.journal"), new byte[] {1, 2, 3});
    try (Journal j = openAlways(dir)) {
      Map<String, List<JournalRecord>> loaded = j.load();
      assertEquals(range(1, 3), seqs(loaded.get("lobby")));
      assertEquals(List.of(1L), seqs(loaded.get("ops")));
      assertFalse(loaded.containsKey("Not A Room"));
    }
    assertWarned("Not A Room.journal", "not a valid room name");
  }

  @Test
  void leftoverCompactionTempFileIsRemoved() throws IOException {
    writeLobby(2);
    Path tmp = dir.resolve("lobby.journal.tmp");
    Files.write(tmp, new byte[] {9, 9, 9});
    assertRecoversTo(range(1, 2));
    assertFalse(Files.exists(tmp));
  }
}

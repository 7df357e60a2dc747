package parley.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.openAlways;
import static parley.journal.JournalTestSupport.rec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history's epoch file: created once, atomically, before any room file; kept; renewed on loss.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalEpochTest {

  @TempDir Path dir;

  private Path epochFile() {
    return dir.resolve(Epoch.FILE);
  }

  private String open() throws IOException {
    try (Journal j = openAlways(dir)) {
      return j.epoch();
    }
  }

  private void write(int from, int to) throws IOException {
    try (Journal j = openAlways(dir)) {
      for (int seq = from; seq <= to; seq++) {
        j.append(rec("lobby", seq, 1000 + seq)).join();
      }
    }
  }

  @Test
  void aNewHistoryGetsAnEpochBeforeAnyRoomFileAndKeepsIt() throws IOException {
    String epoch;
    try (Journal j = openAlways(dir)) {
      epoch = j.epoch();
      assertTrue(Epoch.valid(epoch), epoch);
      // written and durable at open, before any room file exists
      assertEquals(epoch + "\n", Files.readString(epochFile(), StandardCharsets.US_ASCII));
      assertFalse(Files.exists(dir.resolve("lobby.journal")));
      assertFalse(Files.exists(dir.resolve(Epoch.FILE + ".tmp")), "no temp file left");
      j.append(rec("lobby", 1, 1000)).join();
      assertEquals(epoch, j.epoch());
    }
    write(2, 3);
    assertEquals(epoch, open(), "reused across restarts");
    assertEquals(epoch + "\n", Files.readString(epochFile(), StandardCharsets.US_ASCII));
  }

  @Test
  void twoNewHistoriesHaveDifferentEpochs(@TempDir Path other) throws IOException {
    String a = open();
    String b;
    try (Journal j = openAlways(other)) {
      b = j.epoch();
    }
    assertNotEquals(a, b);
  }

  @Test
  void anOldHistoryWithoutEpochGetsOneAndKeepsItsNumbering() throws IOException {
    write(1, 5);
    Files.delete(epochFile()); // as written by a version without epochs
    String epoch;
    try (Journal j = openAlways(dir)) {
      epoch = j.epoch();
      assertTrue(Epoch.valid(epoch));
      assertEquals(5, j.lastSeq("lobby"), "existing seqs stay valid");
    }
    assertEquals(epoch, open());
  }

  @Test
  void anUnfinishedEpochWriteLeavesTheOldEpoch() throws IOException {
    String epoch = open();
    // a crash while writing a new epoch leaves a temp file; EPOCH itself is only ever renamed over
    Files.writeString(dir.resolve(Epoch.FILE + ".tmp"), "12");
    assertEquals(epoch, open());
  }

  @Test
  void anEpochFileThatHoldsNoEpochIsReplaced() throws IOException {
    String epoch = open();
    Files.writeString(epochFile(), "not an epoch\n");
    String now = open();
    assertTrue(Epoch.valid(now));
    assertNotEquals(epoch, now);
    assertEquals(now, open());
  }

  @Test
  void aCutTailRenewsTheEpochDurably() throws IOException {
    write(1, 3);
    String epoch = open();
    Path file = dir.resolve("lobby.journal");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(file) - 5); // the last record is torn: seq 3 may have been seen
    }
    String renewed;
    try (Journal j = openAlways(dir)) {
      renewed = j.epoch();
      assertEquals(2, j.lastSeq("lobby"));
    }
    assertNotEquals(epoch, renewed);
    assertEquals(renewed, open(), "the new epoch is the stored one");
  }

  @Test
  void aRoomFileMovedAsideRenewsTheEpoch() throws IOException {
    write(1, 3);
    String epoch = open();
    Files.write(dir.resolve("lobby.journal"), new byte[40]);
    try (Journal j = openAlways(dir)) {
      assertNotEquals(epoch, j.epoch());
      assertEquals(0, j.lastSeq("lobby"));
    }
  }

  @Test
  void aCleanHistoryKeepsItsEpochWhateverTheRooms() throws IOException {
    write(1, 3);
    String epoch = open();
    try (Journal j = openAlways(dir)) {
      j.append(rec("dev", 1, 1000)).join();
    }
    assertEquals(epoch, open());
  }
}

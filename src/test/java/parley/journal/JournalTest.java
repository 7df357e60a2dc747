package parley.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.openAlways;
import static parley.journal.JournalTestSupport.range;
import static parley.journal.JournalTestSupport.rec;
import static parley.journal.JournalTestSupport.seqs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalTest {

  @TempDir Path dir;

  @Test
  void roundTripAcrossRoomsInOrder() throws IOException {
    List<String> rooms = List.of("lobby", "dev-team", "x_1");
    List<JournalRecord> written = new ArrayList<>();
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    try (Journal j = openAlways(dir)) {
      assertTrue(j.load().isEmpty());
      for (int seq = 1; seq <= 50; seq++) {
        for (String room : rooms) {
          if (room.equals("x_1") && seq > 7) {
            continue;
          }
          JournalRecord r = rec(room, seq, 1_700_000_000_000L + seq);
          written.add(r);
          futures.add(j.append(r));
        }
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      assertEquals(50, j.lastSeq("lobby"));
      assertEquals(7, j.lastSeq("x_1"));
      assertEquals(0, j.lastSeq("nobody"));
    }
    try (Journal j = openAlways(dir)) {
      assertEquals(50, j.lastSeq("lobby"));
      assertEquals(50, j.lastSeq("dev-team"));
      assertEquals(7, j.lastSeq("x_1"));
      Map<String, List<JournalRecord>> loaded = j.load();
      assertEquals(Set.copyOf(rooms), loaded.keySet());
      for (String room : rooms) {
        List<JournalRecord> expected = written.stream().filter(r -> r.room().equals(room)).toList();
        assertEquals(expected, loaded.get(room), room);
      }
      assertArrayEquals(
          JournalTestSupport.payload("lobby", 3), loaded.get("lobby").get(2).payload());
      // appending continues after the reopened history
      j.append(rec("lobby", 51, 1)).join();
    }
    try (Journal j = openAlways(dir)) {
      assertEquals(range(1, 51), seqs(j.load().get("lobby")));
    }
    assertTrue(Files.exists(dir.resolve("lobby.journal")));
  }

  @Test
  void futuresCompleteInAppendOrder() throws IOException {
    List<String> completed = Collections.synchronizedList(new ArrayList<>());
    List<String> expected = new ArrayList<>();
    try (Journal j =
        Journal.open(
            dir,
            Journal.SyncPolicy.BATCHED,
            null,
            JournalTestSupport.KEEP_ALL,
            java.time.Clock.systemUTC())) {
      for (int seq = 1; seq <= 300; seq++) {
        for (String room : List.of("a", "b", "c")) {
          String id = room + seq;
          expected.add(id);
          j.append(rec(room, seq, 0)).thenRun(() -> completed.add(id));
        }
      }
      j.flush().join();
    }
    assertEquals(expected, completed);
  }

  @Test
  void rejectsNonIncreasingSeqAndBadInput() throws IOException {
    try (Journal j = openAlways(dir)) {
      j.append(rec("lobby", 5, 0)).join();
      assertFailsWith(IllegalArgumentException.class, j.append(rec("lobby", 5, 0)));
      assertFailsWith(IllegalArgumentException.class, j.append(rec("lobby", 4, 0)));
      assertFailsWith(IllegalArgumentException.class, j.append(rec("../etc", 1, 0)));
      assertFailsWith(IllegalArgumentException.class, j.append(rec("UPPER", 1, 0)));
      assertFailsWith(
          IllegalArgumentException.class,
          j.append(new JournalRecord("lobby", 9, 0, new byte[JournalFormat.MAX_PAYLOAD + 1])));
      assertEquals(5, j.lastSeq("lobby"));
      j.append(new JournalRecord("lobby", 6, 0, new byte[0])).join();
    }
    try (Journal j = openAlways(dir)) {
      List<JournalRecord> lobby = j.load().get("lobby");
      assertEquals(List.of(5L, 6L), seqs(lobby));
      assertEquals(0, lobby.get(1).payload().length);
    }
  }

  @Test
  void appendAfterCloseFailsAndCloseIsIdempotent() throws IOException {
    Journal j = openAlways(dir);
    j.append(rec("lobby", 1, 0));
    j.close();
    j.close();
    assertFailsWith(IllegalStateException.class, j.append(rec("lobby", 2, 0)));
    assertFailsWith(IllegalStateException.class, j.compactAsync("lobby"));
    j.flush().join(); // everything was flushed by close
    try (Journal again = openAlways(dir)) {
      assertEquals(List.of(1L), seqs(again.load().get("lobby")));
    }
  }

  @Test
  void loadHandsOverOnce() throws IOException {
    try (Journal j = openAlways(dir)) {
      j.load();
      assertThrows(IllegalStateException.class, j::load);
    }
  }

  @Test
  void directoryCannotBeOpenedTwice() throws IOException {
    try (Journal j = openAlways(dir)) {
      IOException e = assertThrows(IOException.class, () -> openAlways(dir));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
    openAlways(dir).close();
  }

  @Test
  void writerIsASingleDaemonThreadThatStopsOnClose() throws Exception {
    Journal j = openAlways(dir);
    Thread writer =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("parley-journal"))
            .findFirst()
            .orElseThrow();
    assertTrue(writer.isDaemon());
    j.close();
    assertTrue(!writer.isAlive());
  }

  @Test
  void openRejectsNewerFormatWithoutTouchingIt() throws IOException {
    try (Journal j = openAlways(dir)) {
      j.append(rec("lobby", 1, 0)).join();
    }
    Path file = dir.resolve("lobby.journal");
    byte[] bytes = Files.readAllBytes(file);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
    b.putShort(4, (short) 99); // version 99, with a matching header CRC
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes, 0, 16);
    b.putInt(16, (int) crc.getValue());
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> openAlways(dir));
    assertTrue(e.getMessage().contains("unsupported format version 99"), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(file));
    openAlwaysAfterFix(file);
  }

  private void openAlwaysAfterFix(Path file) throws IOException {
    // the failed open released the directory lock
    Files.delete(file);
    openAlways(dir).close();
  }

  static void assertFailsWith(Class<? extends Throwable> type, CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    assertInstanceOf(type, e.getCause());
  }
}

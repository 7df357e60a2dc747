package parley.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.range;
import static parley.journal.JournalTestSupport.rec;
import static parley.journal.JournalTestSupport.seqs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import parley.journal.Journal.SyncPolicy;
import parley.journal.JournalTestSupport.MutableClock;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalRetentionTest {

  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  private List<Long> fileSeqs(String room) throws IOException {
    return seqs(Journal.readFile(dir.resolve(room + ".journal"), room));
  }

  @Test
  void compactionByCountKeepsExactlyTheLastN() throws IOException {
    MutableClock clock = new MutableClock(T0);
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.ALWAYS, Retention.messages(5), clock)) {
      for (int seq = 1; seq <= 9; seq++) {
        j.append(rec("lobby", seq, T0)).join();
        j.append(rec("other", seq, T0)).join();
      }
      assertEquals(range(1, 9), fileSeqs("lobby"));
      j.compact("lobby");
      assertEquals(range(5, 9), fileSeqs("lobby"));
      assertEquals(range(1, 9), fileSeqs("other"), "only the named room is compacted");
      j.compact("lobby"); // idempotent
      assertEquals(range(5, 9), fileSeqs("lobby"));
      // appends continue in the compacted file
      j.append(rec("lobby", 10, T0)).join();
      assertEquals(range(5, 10), fileSeqs("lobby"));
      assertEquals(10, j.lastSeq("lobby"));
    }
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.ALWAYS, Retention.messages(5), clock)) {
      var loaded = j.load();
      assertEquals(range(6, 10), seqs(loaded.get("lobby")), "load returns the window");
      assertEquals(range(5, 9), seqs(loaded.get("other")));
    }
    // open applied the window to the files as well
    assertEquals(range(6, 10), fileSeqs("lobby"));
    assertEquals(range(5, 9), fileSeqs("other"));
  }

  @Test
  void batchedAppendsDuringCompactionAreCarriedIntoTheNewFile() throws Exception {
    MutableClock clock = new MutableClock(T0);
    int total = 20_000;
    List<CompletableFuture<Void>> compactions = new ArrayList<>();
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.BATCHED, Retention.messages(100), clock)) {
      for (int seq = 1; seq <= total; seq++) {
        CompletableFuture<Void> f = j.append(rec("lobby", seq, T0));
        assertTrue(
            f.isDone() && !f.isCompletedExceptionally(), "batched: written before append returns");
        if (seq % 500 == 0) {
          compactions.add(j.compactAsync("lobby")); // rewrites race the appends that follow
        }
      }
      CompletableFuture.allOf(compactions.toArray(CompletableFuture[]::new)).join();
      j.flush().join();
      List<Long> onDisk = fileSeqs("lobby");
      assertTrue(
          onDisk.size() < 1000,
          "compacted (automatically and on demand): " + onDisk.size() + " records");
      assertEquals(
          range(total - onDisk.size() + 1, total),
          onDisk,
          "a contiguous tail, nothing lost at the seams");
      assertEquals(total, j.lastSeq("lobby"));
      assertTrue(j.carriedOverCount() > 0, "some appends raced a compaction");
    }
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.BATCHED, Retention.messages(100), clock)) {
      assertEquals(range(total - 99, total), seqs(j.load().get("lobby")));
      j.append(rec("lobby", total + 1, T0)).join();
      assertEquals(total + 1, j.lastSeq("lobby"));
    }
  }

  @Test
  void compactionByAgeUsesTheInjectedClock() throws IOException {
    MutableClock clock = new MutableClock(T0);
    Retention r = new Retention(100, Duration.ofMinutes(10));
    try (Journal j = JournalTestSupport.open(dir, SyncPolicy.ALWAYS, r, clock)) {
      long min = 60_000;
      long[] ts = {T0 - 30 * min, T0 - 11 * min, T0 - 10 * min, T0 - 5 * min, T0};
      for (int i = 0; i < ts.length; i++) {
        j.append(rec("lobby", i + 1, ts[i])).join();
      }
      j.compact("lobby");
      assertEquals(
          List.of(3L, 4L, 5L), fileSeqs("lobby"), "ts >= now - maxAge is kept, boundary included");
      clock.advance(Duration.ofMinutes(6));
      j.compact("lobby");
      assertEquals(List.of(5L), fileSeqs("lobby"));
      clock.advance(Duration.ofMinutes(5));
      j.compact("lobby");
      assertEquals(List.of(), fileSeqs("lobby"));
      assertEquals(5, j.lastSeq("lobby"));
    }
    // seq never goes back, even though every record aged out
    try (Journal j = JournalTestSupport.open(dir, SyncPolicy.ALWAYS, r, clock)) {
      assertEquals(List.of(), j.load().get("lobby"));
      assertEquals(5, j.lastSeq("lobby"));
      JournalTest.assertFailsWith(
          IllegalArgumentException.class, j.append(rec("lobby", 5, clock.millis())));
      j.append(rec("lobby", 6, clock.millis())).join();
    }
    try (Journal j = JournalTestSupport.open(dir, SyncPolicy.ALWAYS, r, clock)) {
      assertEquals(List.of(6L), seqs(j.load().get("lobby")));
    }
  }

  @Test
  void countAndAgeTogether() throws IOException {
    MutableClock clock = new MutableClock(T0);
    Retention r = new Retention(3, Duration.ofHours(1));
    try (Journal j = JournalTestSupport.open(dir, SyncPolicy.ALWAYS, r, clock)) {
      long h = 3_600_000;
      long[] ts = {T0 - 5 * h, T0 - 4 * h, T0 - 2 * h, T0 - h / 2, T0 - 1};
      for (int i = 0; i < ts.length; i++) {
        j.append(rec("lobby", i + 1, ts[i])).join();
      }
      j.compact("lobby");
      // last 3 are seq 3,4,5; of those seq 3 is older than an hour
      assertEquals(List.of(4L, 5L), fileSeqs("lobby"));
    }
    assertEquals(
        List.of(4L, 5L),
        new Retention(3, Duration.ofHours(1))
                .apply(
                    List.of(rec("x", 3, T0 - 7_200_000), rec("x", 4, T0 - 1), rec("x", 5, T0)), T0)
                .stream()
                .map(JournalRecord::seq)
                .toList());
    assertEquals(
        2,
        new Retention(2, Duration.ZERO)
            .apply(List.of(rec("x", 1, 0), rec("x", 2, 0), rec("x", 3, 0)), T0)
            .size(),
        "ZERO = no age limit");
  }

  @Test
  void writerCompactsAutomaticallyPastTwiceTheLimit() throws IOException {
    MutableClock clock = new MutableClock(T0);
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.BATCHED, Retention.messages(10), clock)) {
      for (int seq = 1; seq <= 20; seq++) {
        j.append(rec("lobby", seq, T0)).join();
      }
      j.flush().join();
      assertEquals(
          range(1, 20), fileSeqs("lobby"), "2 x maxMessages is not yet past the threshold");
      j.append(rec("lobby", 21, T0)).join();
      j.flush().join(); // queued behind the compaction that the 21st record triggered
      assertEquals(range(12, 21), fileSeqs("lobby"));
      for (int seq = 22; seq <= 25; seq++) {
        j.append(rec("lobby", seq, T0)).join();
      }
      j.flush().join();
      assertEquals(range(12, 25), fileSeqs("lobby"));
    }
  }

  @Test
  void compactionIsSafeWhileAppendsContinue() throws Exception {
    MutableClock clock = new MutableClock(T0);
    int total = 3000;
    List<String> rooms = List.of("a", "b");
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.BATCHED, Retention.messages(100), clock)) {
      AtomicBoolean done = new AtomicBoolean();
      List<Throwable> compactErrors = new ArrayList<>();
      Thread compactor =
          new Thread(
              () -> {
                int i = 0;
                while (!done.get()) {
                  try {
                    j.compact(rooms.get(i++ % 2));
                  } catch (RuntimeException e) {
                    compactErrors.add(e);
                  }
                }
              },
              "test-compactor");
      compactor.start();
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int seq = 1; seq <= total; seq++) {
        for (String room : rooms) {
          futures.add(j.append(rec(room, seq, T0)));
        }
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      done.set(true);
      compactor.join();
      assertTrue(compactErrors.isEmpty(), compactErrors.toString());
      j.flush().join(); // after any automatic compaction of the last batch
      for (String room : rooms) {
        List<Long> inFile = fileSeqs(room);
        assertTrue(inFile.size() >= 100 && inFile.size() <= 200, "size " + inFile.size());
        assertEquals(range(total - inFile.size() + 1, total), inFile, "contiguous tail");
      }
    }
    try (Journal j =
        JournalTestSupport.open(dir, SyncPolicy.BATCHED, Retention.messages(100), clock)) {
      var loaded = j.load();
      for (String room : rooms) {
        assertEquals(range(total - 99, total), seqs(loaded.get(room)));
      }
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
    }
  }
}

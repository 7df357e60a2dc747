package parley.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static parley.journal.JournalTestSupport.range;
import static parley.journal.JournalTestSupport.seqs;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import parley.journal.Journal.SyncPolicy;

/** Many threads append at once: every record lands, and each room keeps its seq order. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalConcurrencyTest {

  static final int THREADS = 8;
  static final int ROOMS = 4;
  static final int PER_THREAD = 1500;

  @TempDir Path dir;

  @Test
  void concurrentAppendersBatched() throws Exception {
    run(SyncPolicy.BATCHED);
  }

  @Test
  void concurrentAppendersAlways() throws Exception {
    run(SyncPolicy.ALWAYS);
  }

  private void run(SyncPolicy policy) throws Exception {
    String[] rooms = new String[ROOMS];
    long[] counters = new long[ROOMS];
    Object[] roomLocks = new Object[ROOMS];
    Map<String, List<Long>> completionOrder = new HashMap<>();
    for (int k = 0; k < ROOMS; k++) {
      rooms[k] = "room-" + k;
      roomLocks[k] = new Object();
      completionOrder.put(rooms[k], Collections.synchronizedList(new ArrayList<>()));
    }
    ConcurrentLinkedQueue<CompletableFuture<Void>> futures = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    try (Journal j =
        Journal.open(dir, policy, null, JournalTestSupport.KEEP_ALL, Clock.systemUTC())) {
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < PER_THREAD; i++) {
                    int k = (id + i) % ROOMS; // every thread writes to every room
                    String room = rooms[k];
                    // as in the server: seq is assigned and appended under the room's order
                    synchronized (roomLocks[k]) {
                      long seq = ++counters[k];
                      CompletableFuture<Void> f = j.append(JournalTestSupport.rec(room, seq, seq));
                      f.thenRun(() -> completionOrder.get(room).add(seq));
                      futures.add(f);
                    }
                  }
                },
                "appender-" + t);
        threads.add(th);
        th.start();
      }
      start.countDown();
      for (Thread th : threads) {
        th.join();
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    }
    long perRoom = (long) THREADS * PER_THREAD / ROOMS;
    try (Journal j =
        Journal.open(dir, policy, null, JournalTestSupport.KEEP_ALL, Clock.systemUTC())) {
      Map<String, List<JournalRecord>> loaded = j.load();
      for (String room : rooms) {
        List<JournalRecord> records = loaded.get(room);
        assertEquals(range(1, perRoom), seqs(records), room);
        for (JournalRecord r : records) {
          assertArrayEquals(JournalTestSupport.payload(room, r.seq()), r.payload());
        }
        assertEquals(range(1, perRoom), completionOrder.get(room), "acknowledged in append order");
        assertEquals(perRoom, j.lastSeq(room));
      }
    }
  }
}

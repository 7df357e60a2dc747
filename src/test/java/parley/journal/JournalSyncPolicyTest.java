package parley.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.rec;
import static parley.journal.JournalTestSupport.seqs;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import parley.journal.Journal.SyncPolicy;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalSyncPolicyTest {

  /** Scheduling slack allowed on top of maxSyncDelay on a busy 2-core machine. */
  static final long SLACK_MS = 450;

  @TempDir Path dir;

  @Test
  void alwaysAcknowledgesOnlyAfterWriteAndFsync() throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (Journal j =
        Journal.open(
            dir,
            SyncPolicy.ALWAYS,
            Duration.ofSeconds(10),
            JournalTestSupport.KEEP_ALL,
            Clock.systemUTC())) {
      j.onSync(lag -> events.add("sync"));
      CompletableFuture<Void> f = j.append(rec("lobby", 1, 0));
      f.whenComplete((v, e) -> events.add("ack"));
      f.join();
      assertEquals(List.of("sync", "ack"), events, "the fsync precedes the acknowledgement");
      assertTrue(j.syncCount() >= 1);
      // a fresh reader sees the acknowledged record
      assertEquals(List.of(1L), seqs(Journal.readFile(dir.resolve("lobby.journal"), "lobby")));
    }
  }

  @Test
  void alwaysGroupsConcurrentAppendsIntoOneFsync() throws Exception {
    CountDownLatch holdWriter = new CountDownLatch(1);
    CountDownLatch firstSync = new CountDownLatch(1);
    try (Journal j =
        Journal.open(
            dir, SyncPolicy.ALWAYS, null, JournalTestSupport.KEEP_ALL, Clock.systemUTC())) {
      j.onSync(
          lag -> {
            firstSync.countDown();
            try {
              holdWriter.await(); // keep the writer busy while the test queues more appends
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      CompletableFuture<Void> first = j.append(rec("lobby", 1, 0));
      assertTrue(firstSync.await(10, TimeUnit.SECONDS));
      List<CompletableFuture<Void>> rest = new ArrayList<>();
      for (int seq = 2; seq <= 200; seq++) {
        rest.add(j.append(rec("lobby", seq, 0)));
      }
      long before = j.syncCount();
      holdWriter.countDown();
      first.join();
      CompletableFuture.allOf(rest.toArray(CompletableFuture[]::new)).join();
      assertEquals(1, j.syncCount() - before, "199 queued records shared one fsync");
    }
  }

  @Test
  void batchedAcknowledgesAfterWriteAndFsyncsWithinTheBound() throws Exception {
    long delayMs = 50;
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch synced = new CountDownLatch(1);
    try (Journal j =
        Journal.open(
            dir,
            SyncPolicy.BATCHED,
            Duration.ofMillis(delayMs),
            JournalTestSupport.KEEP_ALL,
            Clock.systemUTC())) {
      j.onSync(
          lag -> {
            events.add("sync");
            synced.countDown();
          });
      CompletableFuture<Void> f = j.append(rec("lobby", 1, 0));
      f.whenComplete((v, e) -> events.add("ack"));
      f.join();
      // written (visible to another reader) before any fsync
      assertEquals(List.of(1L), seqs(Journal.readFile(dir.resolve("lobby.journal"), "lobby")));
      assertTrue(synced.await(10, TimeUnit.SECONDS), "the timer fsyncs without any flush()");
      assertEquals(List.of("ack", "sync"), events);
      assertTrue(j.syncCount() >= 1);
      long lagMs = TimeUnit.NANOSECONDS.toMillis(j.maxSyncLagNanos());
      assertTrue(lagMs >= delayMs - 1, "waited for the batch window, lag " + lagMs);
      assertTrue(lagMs <= delayMs + SLACK_MS, "fsync lag " + lagMs + " ms");
    }
  }

  @Test
  void batchedKeepsTheBoundUnderAContinuousStream() throws Exception {
    long delayMs = 20;
    try (Journal j =
        Journal.open(
            dir,
            SyncPolicy.BATCHED,
            Duration.ofMillis(delayMs),
            JournalTestSupport.KEEP_ALL,
            Clock.systemUTC())) {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
      long seq = 0;
      while (System.nanoTime()
          < end) { // appends never pause long enough for the queue to stay empty
        j.append(rec("lobby", ++seq, 0)).join();
      }
      long syncsDuringStream = j.syncCount();
      long lagMs = TimeUnit.NANOSECONDS.toMillis(j.maxSyncLagNanos());
      assertTrue(
          syncsDuringStream >= 3,
          "the timer is not pushed back by new appends: " + syncsDuringStream);
      assertTrue(
          syncsDuringStream < seq,
          "batched: fewer fsyncs (" + syncsDuringStream + ") than records " + seq);
      assertTrue(lagMs <= delayMs + SLACK_MS, "fsync lag " + lagMs + " ms");
    }
  }

  @Test
  void flushForcesAnFsyncNow() throws Exception {
    try (Journal j =
        Journal.open(
            dir,
            SyncPolicy.BATCHED,
            Duration.ofHours(1),
            JournalTestSupport.KEEP_ALL,
            Clock.systemUTC())) {
      j.append(rec("lobby", 1, 0)).join();
      assertEquals(0, j.syncCount(), "nothing forces an fsync before the (1 h) bound");
      j.flush().join();
      assertEquals(1, j.syncCount());
      j.flush().join();
      assertEquals(1, j.syncCount(), "nothing left to sync");
    }
  }
}

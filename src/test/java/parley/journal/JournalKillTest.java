package parley.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.journal.JournalTestSupport.range;
import static parley.journal.JournalTestSupport.seqs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 while appending: every record whose acknowledgement the child printed is in the journal
 * after reopening. With a small retention limit the child also compacts while it is killed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalKillTest {

  static final int ACKS_BEFORE_KILL = 5000;

  @TempDir Path dir;

  @ParameterizedTest(name = "maxMessages={0}")
  @ValueSource(ints = {Integer.MAX_VALUE, 300})
  void everyAcknowledgedRecordSurvivesKill9(int maxMessages) throws Exception {
    Path journalDir = dir.resolve("data");
    Path stderr = dir.resolve("child.err");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                JournalKillChild.class.getName(),
                journalDir.toString(),
                "lobby",
                Integer.toString(maxMessages))
            .redirectError(stderr.toFile())
            .start();
    List<Long> acked = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acked.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
        parse(line, acked);
      }
      assertEquals(
          ACKS_BEFORE_KILL,
          acked.size(),
          () -> "child ended early; stderr: " + readQuietly(stderr));
      // SIGKILL, mid-stream. Through the ProcessHandle: Process.destroyForcibly() would also close
      // our end of the pipe and lose the acknowledgements the child printed just before dying.
      assertTrue(child.toHandle().destroyForcibly());
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      // whatever the child printed before it died is still in the pipe
      while ((line = out.readLine()) != null) {
        parse(line, acked);
      }
    } finally {
      child.destroyForcibly();
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    long maxAcked = acked.get(acked.size() - 1);
    for (int i = 1; i < acked.size(); i++) {
      assertTrue(acked.get(i) > acked.get(i - 1), "acknowledged in order");
    }

    try (Journal j =
        Journal.open(
            journalDir,
            Journal.SyncPolicy.BATCHED,
            null,
            Retention.messages(maxMessages),
            Clock.systemUTC())) {
      Map<String, List<JournalRecord>> loaded = j.load();
      List<Long> got = seqs(loaded.get("lobby"));
      long last = got.get(got.size() - 1);
      assertTrue(last >= maxAcked, "last journaled " + last + " < last acknowledged " + maxAcked);
      assertTrue(j.lastSeq("lobby") >= maxAcked);
      if (maxMessages == Integer.MAX_VALUE) {
        // no retention: every acknowledged seq, and nothing else but what followed it
        assertEquals(range(1, last), got);
        assertTrue(got.containsAll(acked));
      } else {
        // retention: exactly the last maxMessages records, so every acknowledged one of that window
        assertEquals(range(last - maxMessages + 1, last), got);
      }
    }
  }

  private static void parse(String line, List<Long> acked) {
    if (line.matches("\\d+")) {
      acked.add(Long.parseLong(line));
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }
}

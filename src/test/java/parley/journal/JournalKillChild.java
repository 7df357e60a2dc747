package parley.journal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.slf4j.LoggerFactory;

/**
 * Child process of {@link JournalKillTest}: appends records with the BATCHED policy and prints the
 * seq of each one to stdout as soon as its append future completes (i.e. once it is acknowledged).
 * It never finishes on its own; the test kills it with SIGKILL.
 *
 * <p>Arguments: journal directory, room, retention maxMessages.
 */
public final class JournalKillChild {

  public static void main(String[] args) throws Exception {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    Path dir = Path.of(args[0]);
    String room = args[1];
    int maxMessages = Integer.parseInt(args[2]);
    Journal j =
        Journal.open(
            dir,
            Journal.SyncPolicy.BATCHED,
            Duration.ofMillis(50),
            Retention.messages(maxMessages),
            Clock.systemUTC());
    Semaphore inFlight = new Semaphore(2000); // keep the queue bounded
    for (long seq = 1; ; seq++) {
      inFlight.acquire();
      long s = seq;
      j.append(JournalTestSupport.rec(room, s, System.currentTimeMillis()))
          .whenComplete(
              (v, e) -> {
                inFlight.release();
                if (e == null) {
                  System.out.println(s);
                  System.out.flush();
                } else {
                  System.err.println("append " + s + " failed: " + e);
                }
              });
    }
  }
}

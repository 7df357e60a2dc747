package parley.support;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Awaitility set up for the tests' waits on local events: the first check at once, then every 5 ms,
 * in the calling thread (so a condition may read the test's own unsynchronized state). With {@code
 * untilAsserted}, the last assertion's message (what was seen) is in the failure.
 */
public final class Eventually {
  private Eventually() {}

  public static ConditionFactory within(Duration atMost) {
    return Awaitility.await()
        .atMost(atMost)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }
}

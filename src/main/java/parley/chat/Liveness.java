package parley.chat;

/**
 * Whether a connection's client is still there: anything heard from it counts; after {@code
 * intervalMs} of quiet it is probed (a telnet TIMING-MARK, a WebSocket ping), again every {@code
 * intervalMs} while the quiet lasts; after {@code deadlineMs} of quiet it is lost. Time is an
 * argument (milliseconds on any monotonic clock), so the rule is tested without waiting.
 *
 * <p>{@link #heard} is the only call on the input path: one field write.
 */
public final class Liveness {
  /** What to do now. */
  public enum Step {
    /** Nothing: check again after {@link #nextCheckIn}. */
    WAIT,
    /** Send a probe that needs an answer, then check again after {@link #nextCheckIn}. */
    PROBE,
    /** Nothing heard within the deadline: the client is gone. */
    LOST
  }

  private final long intervalMs;
  private final long deadlineMs;
  private long heardAt;
  private long probedAt;

  /**
   * @param now when the connection opened: it counts as heard then
   */
  public Liveness(long intervalMs, long deadlineMs, long now) {
    if (intervalMs <= 0 || deadlineMs <= intervalMs) {
      throw new IllegalArgumentException(
          "need 0 < interval < deadline: " + intervalMs + ", " + deadlineMs);
    }
    this.intervalMs = intervalMs;
    this.deadlineMs = deadlineMs;
    this.heardAt = now;
    this.probedAt = now;
  }

  /** Something arrived from the client. */
  public void heard(long now) {
    heardAt = now;
  }

  /** The step due at {@code now}. */
  public Step check(long now) {
    if (now - heardAt >= deadlineMs) {
      return Step.LOST;
    }
    if (now - Math.max(heardAt, probedAt) >= intervalMs) {
      probedAt = now;
      return Step.PROBE;
    }
    return Step.WAIT;
  }

  /** Milliseconds from {@code now} until the next step may be due (at least 1). */
  public long nextCheckIn(long now) {
    long probe = Math.max(heardAt, probedAt) + intervalMs;
    long lost = heardAt + deadlineMs;
    return Math.max(1, Math.min(probe, lost) - now);
  }
}

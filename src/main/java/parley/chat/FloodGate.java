package parley.chat;

import java.util.ArrayDeque;

/**
 * Flood control for one connection: a token bucket ({@code burst} lines, refilled at {@code
 * ratePerSecond}). A line over the rate is held back and released when a token is due; when more
 * than {@code maxQueued} lines are held back the sender is flooding and must be disconnected. Time
 * is passed in (nanoseconds), so the rules are tested without a clock.
 *
 * @param <T> what is held for each line (the line itself, or the work of handling it)
 */
public final class FloodGate<T> {
  /** What to do with an offered line. */
  public enum Verdict {
    PASS,
    HELD,
    FLOODING
  }

  private final double burst;
  private final double perNano;
  private final int maxQueued;
  private final ArrayDeque<T> held = new ArrayDeque<>();
  private double tokens;
  private long last;

  public FloodGate(int burst, int ratePerSecond, int maxQueued, long nowNanos) {
    this.burst = burst;
    this.perNano = ratePerSecond / 1e9;
    this.maxQueued = maxQueued;
    this.tokens = burst;
    this.last = nowNanos;
  }

  private void refill(long now) {
    if (now > last) {
      tokens = Math.min(burst, tokens + (now - last) * perNano);
      last = now;
    }
  }

  /**
   * PASS: handle the line now. HELD: it waits, see {@link #release}. FLOODING: disconnect the
   * sender.
   */
  public Verdict offer(T line, long now) {
    refill(now);
    if (held.isEmpty() && tokens >= 1) {
      tokens -= 1;
      return Verdict.PASS;
    }
    if (held.size() >= maxQueued) {
      return Verdict.FLOODING;
    }
    held.add(line);
    return Verdict.HELD;
  }

  /** The next held line whose token is due now, or null. */
  public T release(long now) {
    refill(now);
    if (!held.isEmpty() && tokens >= 1) {
      tokens -= 1;
      return held.poll();
    }
    return null;
  }

  /** Nanoseconds from {@code now} until the next held line may go; -1 when nothing is held. */
  public long nanosUntilNext(long now) {
    if (held.isEmpty()) {
      return -1;
    }
    refill(now);
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
  }
}

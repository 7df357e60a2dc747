package parley.room;

/**
 * The slow-reader rule for one connection, without timers or sockets: the {@link Outbox} tells it
 * what is owed and how much the peer has taken so far, and runs the checks it asks for; it answers
 * whether to keep the connection, check again in {@link #checkMs()}, or drop it, and by which rule.
 *
 * <p>A connection may owe up to {@code limit} bytes without question. Over it, progress is judged a
 * few times per window ({@value #WINDOW_CHECKS} checks of {@link #checkMs()} each): a reader that
 * stays behind for a whole window and took nothing in it, or took less than the limit in it while
 * owing over {@value #HARD_FACTOR} times the limit, is dropped; one that owes over {@value
 * #CEILING_FACTOR} times the limit is dropped at once, so the memory held for one connection stays
 * bounded. A reader that catches up ends the watch, and the next one starts afresh. The window must
 * be long: the kernel's send buffer (megabytes) lets Netty write again only once much of it has
 * drained, so a reader's progress shows in steps that can be seconds apart.
 *
 * <p>Time enters as the checks themselves: the caller runs one every {@link #checkMs()} while it is
 * told to {@link Verdict#CHECK_AGAIN}, and the window is {@value #WINDOW_CHECKS} of them. Used on
 * one thread; allocates nothing but the reason of a drop.
 */
public final class SlowReaderPolicy {

  /** What the caller does next. */
  public enum Verdict {
    /** Nothing to do: under the limit, caught up (the watch ends), or a check is already due. */
    KEEP,
    /** Run {@link #check} in {@link #checkMs()}. */
    CHECK_AGAIN,
    /** Drop the connection: {@link #rule()} and {@link #why()} say why. */
    DROP
  }

  /** Which part of the rule dropped a reader. */
  public enum Rule {
    /** Owed over {@link #CEILING_FACTOR} times the limit at once. */
    CEILING,
    /** Took nothing in a whole window while owing over the limit. */
    TOOK_NOTHING,
    /**
     * Took less than the limit in a whole window while owing over {@link #HARD_FACTOR} times the
     * limit.
     */
    TOOK_TOO_LITTLE
  }

  /** Checks per window. */
  public static final int WINDOW_CHECKS = 4;

  /** Owing over this many times the limit, a reader must take at least the limit per window. */
  public static final int HARD_FACTOR = 8;

  /**
   * Owing over this many times the limit, a connection is dropped at once, however fast it reads.
   */
  public static final int CEILING_FACTOR = 64;

  private final long limit;
  private final long checkMs;

  /**
   * The amount taken so far at each of the last checks, oldest first (while watching); made at the
   * first watch.
   */
  private long[] takenAt;

  /** Checks made since the watch began. */
  private int checks;

  private boolean watching;
  private Rule rule;
  private long dropOwed;
  private long dropTook;

  /**
   * {@code limit}: bytes a connection may owe without question; {@code windowMs}: what progress is
   * judged over.
   */
  public SlowReaderPolicy(long limit, long windowMs) {
    this.limit = limit;
    this.checkMs = Math.max(1, windowMs / WINDOW_CHECKS);
  }

  /** Milliseconds between checks. */
  public long checkMs() {
    return checkMs;
  }

  /** The window progress is judged over, in milliseconds: {@value #WINDOW_CHECKS} checks. */
  public long windowMs() {
    return WINDOW_CHECKS * checkMs;
  }

  /** Whether a watch is on (a check is due). */
  public boolean watching() {
    return watching;
  }

  /**
   * What is owed has grown past the limit (or may have): over the ceiling, DROP; over the limit
   * with no watch on, the watch starts from {@code taken} and the caller is to CHECK_AGAIN; else
   * KEEP. {@code taken} is the total the peer has taken so far.
   */
  public Verdict owed(long owed, long taken) {
    if (owed > CEILING_FACTOR * limit) {
      return drop(Rule.CEILING, owed, 0);
    }
    if (owed > limit && !watching) {
      if (takenAt == null) {
        takenAt = new long[WINDOW_CHECKS + 1];
      }
      watching = true;
      checks = 0;
      takenAt[0] = taken;
      return Verdict.CHECK_AGAIN;
    }
    return Verdict.KEEP;
  }

  /**
   * A check that {@link #owed} or a previous check asked for: caught up (owing no more than the
   * limit), KEEP and the watch ends; behind for a whole window with too little taken in it, DROP;
   * else CHECK_AGAIN.
   */
  public Verdict check(long owed, long taken) {
    if (owed <= limit) {
      watching = false;
      return Verdict.KEEP;
    }
    if (checks < WINDOW_CHECKS) {
      takenAt[++checks] = taken;
    } else {
      System.arraycopy(takenAt, 1, takenAt, 0, WINDOW_CHECKS);
      takenAt[WINDOW_CHECKS] = taken;
    }
    if (checks == WINDOW_CHECKS) {
      long took = taken - takenAt[0];
      if (took <= 0) {
        return drop(Rule.TOOK_NOTHING, owed, took);
      }
      if (owed > HARD_FACTOR * limit && took < limit) {
        return drop(Rule.TOOK_TOO_LITTLE, owed, took);
      }
    }
    return Verdict.CHECK_AGAIN;
  }

  private Verdict drop(Rule r, long owed, long took) {
    watching = false;
    rule = r;
    dropOwed = owed;
    dropTook = took;
    return Verdict.DROP;
  }

  /** The rule of the last DROP, or null. */
  public Rule rule() {
    return rule;
  }

  /** The last DROP in words, for the log; null if none. */
  public String why() {
    if (rule == null) {
      return null;
    }
    return switch (rule) {
      case CEILING -> "over " + dropOwed + " bytes waiting, " + CEILING_FACTOR + " times the limit";
      case TOOK_NOTHING ->
          "took nothing in " + windowMs() + " ms with " + dropOwed + " bytes waiting";
      case TOOK_TOO_LITTLE ->
          "took only "
              + dropTook
              + " bytes in "
              + windowMs()
              + " ms with "
              + dropOwed
              + " bytes waiting";
    };
  }
}

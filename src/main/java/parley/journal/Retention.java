package parley.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-room history retention: keep at most the last {@code maxMessages} records and, when {@code
 * maxAge} is set, only those of them with {@code tsMillis >= now - maxAge}.
 *
 * @param maxMessages how many of the most recent records to keep, {@code > 0}
 * @param maxAge maximum age of a kept record; {@code null} or {@link Duration#ZERO} means no age
 *     limit
 */
public record Retention(int maxMessages, Duration maxAge) {

  public Retention {
    if (maxMessages <= 0) {
      throw new IllegalArgumentException("maxMessages must be > 0, got " + maxMessages);
    }
    if (maxAge != null && maxAge.isNegative()) {
      throw new IllegalArgumentException("maxAge must not be negative, got " + maxAge);
    }
  }

  /** Retention by count only. */
  public static Retention messages(int maxMessages) {
    return new Retention(maxMessages, null);
  }

  /** True when an age limit applies. */
  public boolean hasMaxAge() {
    return maxAge != null && !maxAge.isZero();
  }

  /** True when a record with this timestamp is young enough to keep at {@code nowMillis}. */
  public boolean youngEnough(long tsMillis, long nowMillis) {
    if (!hasMaxAge()) {
      return true;
    }
    long cutoff;
    try {
      cutoff = Math.subtractExact(nowMillis, maxAge.toMillis());
    } catch (
        ArithmeticException
            e) { // an age limit beyond the range of epoch millis: nothing is that old
      return true;
    }
    return tsMillis >= cutoff;
  }

  /**
   * The retained window of {@code records} (seq ascending): the last {@code maxMessages} of them,
   * minus those older than {@code maxAge}. Returns a new list; the input is not modified.
   */
  public List<JournalRecord> apply(List<JournalRecord> records, long nowMillis) {
    int from = Math.max(0, records.size() - maxMessages);
    List<JournalRecord> kept = new ArrayList<>(records.size() - from);
    for (int i = from; i < records.size(); i++) {
      JournalRecord r = records.get(i);
      if (youngEnough(r.tsMillis(), nowMillis)) {
        kept.add(r);
      }
    }
    return kept;
  }
}

package parley.bench;

import org.HdrHistogram.Histogram;

/**
 * Counters owned by one client event loop. Only that loop's thread writes them; the coordinator
 * reads them by running a task on the loop (see {@link ClientPool#snapshot}), so no locking is
 * needed.
 */
final class LoopStats {
  /** Latency in microseconds, up to 10 minutes, 3 significant digits. */
  final Histogram latencyUs = new Histogram(600_000_000L, 3);

  /** Join latency (connect start to joined) in microseconds. */
  final Histogram joinUs = new Histogram(3_600_000_000L, 3);

  long deliveredInWindow; // bench lines from others that arrived inside the measurement window
  long measuredUnique; // first deliveries of messages sent inside the window (any arrival time)
  long late; // ... of which arrived after the window closed (during drain)
  long duplicates; // same (sender, seq) seen twice by one receiver
  long outOfOrder; // seq lower than one already seen from that sender by that receiver
  long stale; // lines from an earlier rung
  long selfEcho; // own messages echoed back (not counted as deliveries)
  long untracked; // seq beyond the dedup bitmap (counted, not deduplicated)
  long sentWarmup;
  long sentMeasured;
  long sentAfter;
  long maxBacklog; // largest number of messages a pacer was behind schedule
  long unwritable; // sends made while the channel was not writable (server not reading)
  long pings;

  void reset() {
    latencyUs.reset();
    deliveredInWindow =
        measuredUnique = late = duplicates = outOfOrder = stale = selfEcho = untracked = 0;
    sentWarmup = sentMeasured = sentAfter = maxBacklog = unwritable = 0;
  }

  /** Adds {@code o} into this (used on a copy, off the loop). */
  void add(LoopStats o) {
    latencyUs.add(o.latencyUs);
    joinUs.add(o.joinUs);
    deliveredInWindow += o.deliveredInWindow;
    measuredUnique += o.measuredUnique;
    late += o.late;
    duplicates += o.duplicates;
    outOfOrder += o.outOfOrder;
    stale += o.stale;
    selfEcho += o.selfEcho;
    untracked += o.untracked;
    sentWarmup += o.sentWarmup;
    sentMeasured += o.sentMeasured;
    sentAfter += o.sentAfter;
    maxBacklog = Math.max(maxBacklog, o.maxBacklog);
    unwritable += o.unwritable;
    pings += o.pings;
  }

  LoopStats copy() {
    LoopStats c = new LoopStats();
    c.add(this);
    return c;
  }
}

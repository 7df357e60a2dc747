package parley.bench;

import java.util.Arrays;

/**
 * One measured load step. Holds the time window and the per-receiver, per-sender bookkeeping used
 * to find duplicates, loss and reordering. Receiver {@code r}'s rows are touched only by the event
 * loop that owns client {@code r}.
 *
 * <p>Payload carried in every chat line: {@code ~b <rung> <sender> <seq> <sendNanoTime> xxxx...}.
 */
final class Rung {
  final int id;
  final int receivers;
  final int senders;
  final int seqCap; // seqs >= seqCap are not deduplicated
  final int words; // longs per (receiver, sender)
  final long[][] seen; // [receiver][sender * words + seq / 64]
  final int[][] lastSeq; // [receiver][sender]
  volatile long start; // pacers start
  volatile long measureStart;
  volatile long measureEnd;

  Rung(int id, int receivers, int senders, int seqCap) {
    this.id = id;
    this.receivers = receivers;
    this.senders = senders;
    this.seqCap = seqCap;
    this.words = Math.max(1, (seqCap + 63) / 64);
    this.seen = new long[receivers][];
    this.lastSeq = new int[receivers][];
  }

  /** Called on the receiver's event loop for every bench line it gets. */
  void onBench(
      BenchClient rcv, LoopStats st, int rung, int sender, int seq, long sentAt, long now) {
    if (rung != id) {
      st.stale++;
      return;
    }
    if (sender == rcv.id) {
      st.selfEcho++;
      return;
    }
    int r = rcv.id;
    if (r >= receivers || sender < 0 || sender >= senders || seq < 0) {
      st.stale++;
      return;
    }
    int[] last = lastSeq[r];
    if (last == null) {
      last = lastSeq[r] = new int[senders];
      Arrays.fill(last, -1);
    }
    boolean dup = false;
    if (seq < seqCap) {
      long[] bits = seen[r];
      if (bits == null) {
        bits = seen[r] = new long[senders * words];
      }
      int w = sender * words + (seq >>> 6);
      long m = 1L << (seq & 63);
      if ((bits[w] & m) != 0) {
        dup = true;
      } else {
        bits[w] |= m;
      }
    } else {
      st.untracked++;
    }
    if (dup) {
      st.duplicates++;
      return;
    }
    if (seq < last[sender]) {
      st.outOfOrder++;
    } else {
      last[sender] = seq;
    }
    long ms = measureStart;
    long me = measureEnd;
    if (now >= ms && now < me) {
      st.deliveredInWindow++;
    }
    if (sentAt >= ms && sentAt < me) {
      st.measuredUnique++;
      if (now >= me) {
        st.late++;
      }
      long us = Math.max(0, (now - sentAt) / 1000);
      st.latencyUs.recordValue(Math.min(us, st.latencyUs.getHighestTrackableValue()));
    }
  }
}

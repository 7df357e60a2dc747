package parley.bench;

import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends bench lines from the senders that live on one event loop, at this loop's share of the
 * aggregate rate, evenly paced: a 1 ms tick sends however many messages the schedule says are due,
 * round-robin over the senders, so every sender sends at R/S msgs/s. Each line is stamped with
 * System.nanoTime() just before it is written.
 */
final class Pacer implements Runnable {
  private final EventLoop loop;
  private final List<BenchClient> senders;
  private final double ratePerSec;
  private final Rung rung;
  private final int payloadLen;
  private final CountDownLatch done;
  private final StringBuilder sb = new StringBuilder(256);
  private long sent;
  private int rr;
  private ScheduledFuture<?> tick;

  Pacer(
      EventLoop loop,
      List<BenchClient> senders,
      double ratePerSec,
      Rung rung,
      int payloadLen,
      CountDownLatch done) {
    this.loop = loop;
    this.senders = senders;
    this.ratePerSec = ratePerSec;
    this.rung = rung;
    this.payloadLen = payloadLen;
    this.done = done;
  }

  void start() {
    if (senders.isEmpty() || ratePerSec <= 0) {
      done.countDown();
      return;
    }
    long delay = Math.max(0, rung.start - System.nanoTime());
    tick = loop.scheduleAtFixedRate(this, delay, 1_000_000L, TimeUnit.NANOSECONDS);
  }

  @Override
  public void run() {
    long now = System.nanoTime();
    LoopStats st = senders.get(0).stats;
    if (now >= rung.measureEnd) {
      tick.cancel(false);
      done.countDown();
      return;
    }
    long due = (long) ((now - rung.start) * ratePerSec / 1e9) + 1;
    long backlog = due - sent;
    if (backlog > st.maxBacklog && now >= rung.measureStart) {
      st.maxBacklog = backlog; // only judged inside the measurement window (warm-up includes JIT)
    }
    while (sent < due) {
      BenchClient c = senders.get(rr);
      rr = (rr + 1 == senders.size()) ? 0 : rr + 1;
      sent++;
      if (!c.joined() || c.ch == null || !c.ch.isActive()) {
        continue;
      }
      if (!c.ch.isWritable()) {
        st.unwritable++;
      }
      long t = System.nanoTime();
      int seq = c.seq++;
      sb.setLength(0);
      sb.append("~b ")
          .append(rung.id)
          .append(' ')
          .append(c.id)
          .append(' ')
          .append(seq)
          .append(' ')
          .append(t)
          .append(' ');
      while (sb.length() < payloadLen) {
        sb.append('x');
      }
      c.say(sb);
      if (t < rung.measureStart) {
        st.sentWarmup++;
      } else if (t < rung.measureEnd) {
        st.sentMeasured++;
      } else {
        st.sentAfter++;
      }
    }
  }
}

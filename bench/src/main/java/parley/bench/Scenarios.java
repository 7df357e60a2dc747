package parley.bench;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The four scenarios. Each takes a started server and returns table rows. */
final class Scenarios {
  private static final Logger log = LoggerFactory.getLogger(Scenarios.class);
  private static final long SELF = ProcessHandle.current().pid();

  private final Options o;
  private int rungCounter;

  Scenarios(Options o) {
    this.o = o;
  }

  // ------------------------------------------------------------------ fan-out ladder

  List<ResultRow> ladder(ServerUnderTest s, Proto proto) throws InterruptedException {
    List<ResultRow> rows = new ArrayList<>();
    try (ClientPool pool = new ClientPool(proto, o.host, s.port(proto), o.threads, "b", o)) {
      ClientPool.JoinResult jr = pool.connect(o.clients, o.window, o.joinTimeoutSec * 1000);
      log.info(
          "ladder {}/{}: {} of {} joined in {} s, {} failed {}",
          s.name(),
          proto.label(),
          jr.joined(),
          jr.requested(),
          fmt(jr.seconds()),
          jr.failed(),
          jr.sampleFailures());
      List<BenchClient> members = pool.joinedClients();
      if (members.size() < 2) {
        ResultRow r = ResultRow.of("fan-out", s.name(), proto, "N=" + o.clients);
        r.result = "FAILED: only " + members.size() + " clients joined " + jr.sampleFailures();
        rows.add(r);
        return rows;
      }
      Thread.sleep(2000); // let join notices settle
      int senders = o.effectiveSenders(members.size());
      for (double rate : o.rates) {
        rows.add(rung(pool, s, proto, members, senders, rate));
      }
    }
    return rows;
  }

  private ResultRow rung(
      ClientPool pool,
      ServerUnderTest s,
      Proto proto,
      List<BenchClient> members,
      int senderCount,
      double rate)
      throws InterruptedException {
    int n = members.size();
    String step = String.format(Locale.ROOT, "R=%s/s N=%d S=%d", trim(rate), n, senderCount);
    List<BenchClient> senders = members.subList(0, senderCount);
    int senderBound = 0;
    for (BenchClient c : senders) {
      senderBound = Math.max(senderBound, c.id + 1);
      c.seq = 0;
    }
    double perSender = rate / senderCount;
    int seqCap = (int) Math.ceil(perSender * (o.warmupSec + o.measureSec + 2) * 1.25) + 64;
    pool.snapshot(true);
    int lostBefore = pool.lostAfterJoin();
    Rung r = new Rung(++rungCounter, pool.clients.size(), senderBound, seqCap);
    long t0 = System.nanoTime() + 100_000_000L;
    r.start = t0;
    r.measureStart = t0 + (long) (o.warmupSec * 1e9);
    r.measureEnd = r.measureStart + (long) (o.measureSec * 1e9);
    pool.rung = r;

    Map<EventLoop, List<BenchClient>> byLoop = new LinkedHashMap<>();
    for (BenchClient c : senders) {
      byLoop.computeIfAbsent(c.ch.eventLoop(), k -> new ArrayList<>()).add(c);
    }
    CountDownLatch done = new CountDownLatch(byLoop.size());
    for (Map.Entry<EventLoop, List<BenchClient>> e : byLoop.entrySet()) {
      double share = rate * e.getValue().size() / senderCount;
      new Pacer(e.getKey(), e.getValue(), share, r, o.payload, done).start();
    }
    log.info(
        "{} {} {}: warm-up {} s, measure {} s, drain {} s",
        s.name(),
        proto.label(),
        step,
        o.warmupSec,
        o.measureSec,
        o.drainSec);
    sleepUntil(r.measureStart);
    double cpu0 = ProcStats.cpuSeconds(s.pid());
    double gen0 = ProcStats.cpuSeconds(SELF);
    double all0 = ProcStats.machineBusySeconds();
    sleepUntil(r.measureEnd);
    double cpu1 = ProcStats.cpuSeconds(s.pid());
    double gen1 = ProcStats.cpuSeconds(SELF);
    double all1 = ProcStats.machineBusySeconds();
    double rss = ProcStats.rssMb(s.pid());
    double hwm = ProcStats.hwmMb(s.pid());
    done.await(30, TimeUnit.SECONDS);
    sleepUntil(r.measureEnd + (long) (o.drainSec * 1e9));
    // Adaptive drain: keep waiting while window lines are still arriving, up to --drain-max.
    LoopStats st = pool.snapshot(false);
    long drainEnd = r.measureEnd + (long) (Math.max(o.drainSec, o.drainMaxSec) * 1e9);
    long expectedSoFar = st.sentMeasured * (long) (n - 1);
    while (st.measuredUnique < expectedSoFar && System.nanoTime() < drainEnd) {
      long before = st.measuredUnique;
      Thread.sleep(1000);
      st = pool.snapshot(false);
      if (st.measuredUnique == before) {
        break; // nothing arrived for a second: the rest is lost
      }
    }
    double drained = (System.nanoTime() - r.measureEnd) / 1e9;
    pool.rung = null;
    int lost = pool.lostAfterJoin() - lostBefore;

    ResultRow row = ResultRow.of("fan-out", s.name(), proto, step);
    long expected = st.sentMeasured * (long) (n - 1);
    row.deliveredPerSec = st.deliveredInWindow / o.measureSec;
    row.expectedPerSec = expected / o.measureSec;
    row.lossCount = Math.max(0, expected - st.measuredUnique);
    row.lossPct = expected == 0 ? 0 : 100.0 * row.lossCount / expected;
    latency(row, st.latencyUs);
    row.serverCpu = cpu1 - cpu0;
    row.genCpu = gen1 - gen0;
    row.otherCpu = Math.max(0, (all1 - all0) - row.serverCpu - row.genCpu);
    row.rssMb = rss;
    row.hwmMb = hwm;
    row.duplicates = st.duplicates;
    row.outOfOrder = st.outOfOrder;
    row.late = st.late;
    List<String> notes = new ArrayList<>();
    notes.add(
        String.format(Locale.ROOT, "sent %,d in window; drained %.0f s", st.sentMeasured, drained));
    if (row.otherCpu > 0.1 * o.measureSec) {
      notes.add("machine busy with other work: results disturbed");
    }
    if (st.maxBacklog > Math.max(5, rate / 100)) {
      notes.add("pacer lagged " + st.maxBacklog + " msgs");
    }
    if (st.unwritable > 0) {
      notes.add(st.unwritable + " sends while socket full");
    }
    if (lost > 0) {
      notes.add(lost + " clients disconnected");
    }
    if (st.untracked > 0) {
      notes.add(st.untracked + " untracked seqs");
    }
    if (st.pings > 0) {
      notes.add(st.pings + " PINGs answered");
    }
    row.result = String.join("; ", notes);
    log.info(
        "{} {} {}: delivered {}/s of {}/s, loss {}, p50 {} ms p99 {} ms max {} ms, cpu {} s, rss {} MB",
        s.name(),
        proto.label(),
        step,
        fmt(row.deliveredPerSec),
        fmt(row.expectedPerSec),
        row.lossCount,
        fmt(row.p50),
        fmt(row.p99),
        fmt(row.max),
        fmt(row.serverCpu),
        fmt(rss));
    return row;
  }

  // ------------------------------------------------------------------ join storm

  ResultRow joinStorm(ServerUnderTest s, Proto proto) throws InterruptedException {
    ResultRow row =
        ResultRow.of(
            "join storm",
            s.name(),
            proto,
            String.format(Locale.ROOT, "N=%d window=%d", o.joinClients, o.joinWindow));
    try (ClientPool pool = new ClientPool(proto, o.host, s.port(proto), o.threads, "j", o)) {
      double cpu0 = ProcStats.cpuSeconds(s.pid());
      double gen0 = ProcStats.cpuSeconds(SELF);
      double all0 = ProcStats.machineBusySeconds();
      ClientPool.JoinResult jr = pool.connect(o.joinClients, o.joinWindow, o.joinTimeoutSec * 1000);
      double cpu1 = ProcStats.cpuSeconds(s.pid());
      double gen1 = ProcStats.cpuSeconds(SELF);
      double all1 = ProcStats.machineBusySeconds();
      Thread.sleep(2000);
      row.rssMb = ProcStats.rssMb(s.pid());
      row.hwmMb = ProcStats.hwmMb(s.pid());
      LoopStats st = pool.snapshot(false);
      latency(row, st.joinUs);
      row.serverCpu = cpu1 - cpu0;
      row.genCpu = gen1 - gen0;
      row.otherCpu = Math.max(0, (all1 - all0) - row.serverCpu - row.genCpu);
      int stillJoined = pool.joinedClients().size();
      row.result =
          String.format(
              Locale.ROOT,
              "%d/%d joined in %.2f s%s; %d failed; %d still connected after 2 s%s",
              jr.joined(),
              jr.requested(),
              jr.seconds(),
              jr.timedOut() ? " (TIMED OUT)" : "",
              jr.failed(),
              stillJoined,
              jr.sampleFailures().isEmpty() ? "" : "; e.g. " + jr.sampleFailures().get(0));
      if (jr.seconds() > 0) {
        row.result += String.format(Locale.ROOT, "; %.0f joins/s", jr.joined() / jr.seconds());
      }
      if (row.otherCpu > 0.1 * jr.seconds()) {
        row.result += "; machine busy with other work: results disturbed";
      }
      StringBuilder ms = new StringBuilder();
      for (Map.Entry<Integer, Long> e : pool.milestones.entrySet()) {
        int k = e.getKey();
        if (k == 1000 || k == 2000 || k % 5000 == 0) {
          ms.append(ms.length() == 0 ? "" : ", ")
              .append(k / 1000)
              .append("k@")
              .append(
                  String.format(Locale.ROOT, "%.1fs", (e.getValue() - jr.firstStartNanos()) / 1e9));
        }
      }
      if (ms.length() > 0) {
        row.result += "; reached " + ms;
      }
      log.info("join storm {} {}: {}", s.name(), proto.label(), row.result);
    }
    return row;
  }

  // ------------------------------------------------------------------ idle memory

  List<ResultRow> idle(ServerUnderTest s, Proto proto) throws InterruptedException {
    List<ResultRow> rows = new ArrayList<>();
    Thread.sleep((long) (o.idleSettleSec * 1000));
    ResultRow zero = ResultRow.of("idle memory", s.name(), proto, "0 clients");
    zero.rssMb = ProcStats.rssMb(s.pid());
    zero.hwmMb = ProcStats.hwmMb(s.pid());
    double c0 = ProcStats.cpuSeconds(s.pid());
    Thread.sleep((long) (o.idleSettleSec * 1000));
    zero.serverCpu = ProcStats.cpuSeconds(s.pid()) - c0;
    zero.result = "CPU over " + trim(o.idleSettleSec) + " s idle";
    rows.add(zero);
    try (ClientPool pool = new ClientPool(proto, o.host, s.port(proto), o.threads, "i", o)) {
      ClientPool.JoinResult jr = pool.connect(o.idleClients, o.window, o.joinTimeoutSec * 1000);
      Thread.sleep((long) (o.idleSettleSec * 1000));
      ResultRow r = ResultRow.of("idle memory", s.name(), proto, o.idleClients + " idle clients");
      double c1 = ProcStats.cpuSeconds(s.pid());
      Thread.sleep((long) (o.idleSettleSec * 1000));
      r.serverCpu = ProcStats.cpuSeconds(s.pid()) - c1;
      r.rssMb = ProcStats.rssMb(s.pid());
      r.hwmMb = ProcStats.hwmMb(s.pid());
      r.result =
          String.format(
              Locale.ROOT,
              "%d/%d joined; +%.1f MB RSS vs 0 clients (%.1f KB/client); CPU over %s s idle",
              jr.joined(),
              jr.requested(),
              r.rssMb - zero.rssMb,
              jr.joined() > 0 ? (r.rssMb - zero.rssMb) * 1024 / jr.joined() : Double.NaN,
              trim(o.idleSettleSec));
      rows.add(r);
    }
    return rows;
  }

  // ------------------------------------------------------------------ history replay

  List<ResultRow> history(ServerUnderTest s) throws InterruptedException {
    List<ResultRow> rows = new ArrayList<>();
    int lines = o.historyLines;
    try (ClientPool fill = new ClientPool(Proto.TELNET, o.host, s.port(Proto.TELNET), 1, "h", o)) {
      CountDownLatch observed = new CountDownLatch(1);
      fill.onCreate =
          c -> {
            c.historyTarget = lines;
            c.historyListener = observed::countDown;
          };
      ClientPool.JoinResult jr = fill.connect(2, 2, 60_000);
      if (jr.joined() < 2) {
        ResultRow r = ResultRow.of("history replay", s.name(), Proto.TELNET, lines + " lines");
        r.result = "FAILED: filler clients could not join " + jr.sampleFailures();
        rows.add(r);
        return rows;
      }
      BenchClient writer = fill.clients.get(0);
      BenchClient observer = fill.clients.get(1);
      // Fill the history: `lines` chat lines, 50 every 10 ms (5000/s; flood limits are raised).
      writer
          .ch
          .eventLoop()
          .execute(
              new Runnable() {
                int i;

                @Override
                public void run() {
                  for (int k = 0; k < 50 && i < lines; k++, i++) {
                    StringBuilder sb = new StringBuilder("~h ").append(i).append(' ');
                    while (sb.length() < o.payload) {
                      sb.append('x');
                    }
                    writer.say(sb);
                  }
                  if (i < lines) {
                    writer.ch.eventLoop().schedule(this, 10, TimeUnit.MILLISECONDS);
                  }
                }
              });
      boolean ok = observed.await(120, TimeUnit.SECONDS);
      log.info("history filled: observer saw {} of {} lines", observer.historySeen, lines);
      if (!ok) {
        ResultRow r = ResultRow.of("history replay", s.name(), Proto.TELNET, lines + " lines");
        r.result =
            "FAILED: observer saw only " + observer.historySeen + " of " + lines + " lines live";
        rows.add(r);
        return rows;
      }
      Thread.sleep(1000);
      for (Proto p : List.of(Proto.TELNET, Proto.WS)) {
        rows.add(historyJoins(s, p, lines));
      }
    }
    return rows;
  }

  private ResultRow historyJoins(ServerUnderTest s, Proto p, int lines)
      throws InterruptedException {
    ResultRow row =
        ResultRow.of(
            "history replay", s.name(), p, lines + " lines, " + o.historyRepeats + " joins");
    Histogram h = new Histogram(3_600_000_000L, 3);
    int complete = 0;
    int minSeen = Integer.MAX_VALUE;
    double cpu0 = ProcStats.cpuSeconds(s.pid());
    try (ClientPool pool = new ClientPool(p, o.host, s.port(p), 1, "n" + p.label().charAt(0), o)) {
      for (int k = 0; k < o.historyRepeats; k++) {
        CountDownLatch got = new CountDownLatch(1);
        pool.onCreate =
            c -> {
              c.historyTarget = lines;
              c.historyListener = got::countDown;
            };
        ClientPool.JoinResult jr = pool.connect(1, 1, 60_000);
        BenchClient c = pool.clients.get(pool.clients.size() - 1);
        if (c.ch == null) {
          log.warn("history join {} ({}): never connected", k, p.label());
          minSeen = 0;
          continue;
        }
        boolean ok = jr.joined() == 1 && got.await(60, TimeUnit.SECONDS);
        int seen = ClientPool.runOn(c.ch.eventLoop(), () -> c.historySeen);
        minSeen = Math.min(minSeen, seen);
        if (ok) {
          long doneAt = ClientPool.runOn(c.ch.eventLoop(), () -> c.historyDoneAt);
          long us = (doneAt - c.nickSentAt) / 1000;
          h.recordValue(Math.max(0, us));
          complete++;
        } else {
          log.warn(
              "history join {} ({}): saw {} of {} lines; {}",
              k,
              p.label(),
              seen,
              lines,
              jr.sampleFailures());
        }
        c.state = BenchClient.State.CLOSED;
        c.close();
        Thread.sleep(300);
      }
    }
    row.serverCpu = ProcStats.cpuSeconds(s.pid()) - cpu0;
    row.rssMb = ProcStats.rssMb(s.pid());
    row.hwmMb = ProcStats.hwmMb(s.pid());
    if (complete > 0) {
      latency(row, h);
    }
    row.lossCount = (long) Math.max(0, lines - minSeen);
    row.lossPct = 100.0 * row.lossCount / lines;
    row.result =
        String.format(
            Locale.ROOT,
            "%d/%d joins got all %d lines; time = nickname/hello sent -> %dth line",
            complete,
            o.historyRepeats,
            lines,
            lines);
    log.info(
        "history {} {}: {} p50 {} ms max {} ms",
        s.name(),
        p.label(),
        row.result,
        fmt(row.p50),
        fmt(row.max));
    return row;
  }

  // ------------------------------------------------------------------ helpers

  static void latency(ResultRow row, Histogram us) {
    if (us.getTotalCount() == 0) {
      return;
    }
    row.p50 = us.getValueAtPercentile(50) / 1000.0;
    row.p99 = us.getValueAtPercentile(99) / 1000.0;
    row.p999 = us.getValueAtPercentile(99.9) / 1000.0;
    row.max = us.getMaxValue() / 1000.0;
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long d;
    while ((d = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(d / 1_000_000, 200)));
    }
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}

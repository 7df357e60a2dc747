package parley.journal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/** Helpers shared by the journal tests. */
final class JournalTestSupport {

  static final Retention KEEP_ALL = Retention.messages(1_000_000);

  private JournalTestSupport() {}

  static byte[] payload(String room, long seq) {
    return ("{\"type\":\"message\",\"room\":\""
            + room
            + "\",\"seq\":"
            + seq
            + ",\"text\":\"héllo "
            + seq
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static JournalRecord rec(String room, long seq, long ts) {
    return new JournalRecord(room, seq, ts, payload(room, seq));
  }

  static Journal open(Path dir, Journal.SyncPolicy policy, Retention retention, Clock clock)
      throws IOException {
    return Journal.open(dir, policy, Duration.ofMillis(50), retention, clock);
  }

  static Journal openAlways(Path dir) throws IOException {
    return open(dir, Journal.SyncPolicy.ALWAYS, KEEP_ALL, Clock.systemUTC());
  }

  static List<Long> seqs(List<JournalRecord> records) {
    return records.stream().map(JournalRecord::seq).toList();
  }

  static List<Long> range(long fromInclusive, long toInclusive) {
    return java.util.stream.LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
  }

  /** Captures what parley.journal.Journal logs; detach with {@link #detach}. */
  static ListAppender<ILoggingEvent> captureJournalLog() {
    Logger logger = (Logger) LoggerFactory.getLogger("parley.journal.Journal");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  static void detach(ListAppender<ILoggingEvent> appender) {
    Logger logger = (Logger) LoggerFactory.getLogger("parley.journal.Journal");
    logger.detachAppender(appender);
    appender.stop();
  }

  static List<String> warnings(ListAppender<ILoggingEvent> appender) {
    return appender.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private final AtomicLong millis;

    MutableClock(long startMillis) {
      this.millis = new AtomicLong(startMillis);
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}

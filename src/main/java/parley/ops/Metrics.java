package parley.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import parley.chat.ChatEvent;

/**
 * Parley's own meters, all named here, so that a call site is one line. Every meter carries the tag
 * {@code node}. Built on a Prometheus registry that Vert.x's own metrics share ({@link #registry});
 * {@link #NONE} has no registry behind it and its meters do nothing.
 *
 * <p>Hot path: deliveries are counted once per event and event loop ({@link #delivered}, adding the
 * number of recipients), never per recipient; the counters are striped adders.
 */
public final class Metrics {
  /** Meters that record nothing (metrics off, unit tests). */
  public static final Metrics NONE = new Metrics(new CompositeMeterRegistry(), null);

  /** Transports as {@code SessionState.via} names them: the {@code transport} tag. */
  public static final String[] TRANSPORTS = {"telnet", "web"};

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Counter logins;
  private final Counter messagesIn;
  private final Counter[] deliveries;
  private final Timer fanOut;
  private final Counter slowReaderDrops;
  private final Counter floodDrops;
  private final Timer journalWrite;
  private final Timer journalFsync;

  private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
    logins =
        Counter.builder("parley.logins")
            .description("Sessions that logged in with a nickname")
            .register(registry);
    messagesIn =
        Counter.builder("parley.messages.in")
            .description("Chat lines (messages and /me) accepted from users of this node")
            .register(registry);
    ChatEvent.Type[] types = ChatEvent.Type.values();
    deliveries = new Counter[types.length];
    for (ChatEvent.Type t : types) {
      deliveries[t.ordinal()] =
          Counter.builder("parley.deliveries")
              .description("Room events handed to a session's outbox, by event type")
              .tag("type", t.name().toLowerCase(java.util.Locale.ROOT))
              .register(registry);
    }
    fanOut =
        Timer.builder("parley.fanout")
            .description(
                "From a live event's timestamp (the line accepted, before its append) to the end"
                    + " of its fan-out into the outboxes of one event loop")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    slowReaderDrops = drops("slow_reader");
    floodDrops = drops("flood");
    journalWrite = journalTimer("parley.journal.write", "Writing records to a room's journal file");
    journalFsync = journalTimer("parley.journal.fsync", "One fsync of a journal file");
  }

  /** Meters of node {@code node} in a fresh Prometheus registry. */
  public static Metrics prometheus(String node) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", node);
    return new Metrics(registry, registry);
  }

  private Counter drops(String rule) {
    return Counter.builder("parley.drops")
        .description("Sessions disconnected by a rule: slow_reader (outbox), flood (input)")
        .tag("rule", rule)
        .register(registry);
  }

  private Timer journalTimer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
  }

  /** The registry, for Vert.x's metrics and the gauges of a node. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus registry to scrape; null for {@link #NONE}. */
  public PrometheusMeterRegistry prometheus() {
    return prometheus;
  }

  /** A gauge read at each scrape. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  public void loggedIn() {
    logins.increment();
  }

  public void messageIn() {
    messagesIn.increment();
  }

  /**
   * One event fanned out on one event loop to {@code recipients} sessions; {@code sinceMillis}: the
   * event's timestamp for a live event, or -1 (history being filled in) to leave the timer out.
   */
  public void delivered(ChatEvent.Type type, int recipients, long sinceMillis) {
    if (recipients > 0) {
      deliveries[type.ordinal()].increment(recipients);
    }
    if (sinceMillis >= 0) {
      fanOut.record(Math.max(0, System.currentTimeMillis() - sinceMillis), TimeUnit.MILLISECONDS);
    }
  }

  /** Sessions released from a join's hold: counted without a latency. */
  public void delivered(ChatEvent.Type type, int recipients) {
    delivered(type, recipients, -1);
  }

  public void slowReaderDropped() {
    slowReaderDrops.increment();
  }

  public void floodDropped() {
    floodDrops.increment();
  }

  public void journalWrite(long nanos) {
    journalWrite.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void journalFsync(long nanos) {
    journalFsync.record(nanos, TimeUnit.NANOSECONDS);
  }
}

package parley.journal;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.ChatEvent;
import parley.config.ParleyConfig;
import parley.store.LocalChatStore;
import parley.wire.EventJson;

/**
 * Connects the chat store to the on-disk {@link Journal}: events go in as their JSON form, and at
 * start the journal's retained records are read back as events.
 */
public final class EventJournal implements LocalChatStore.EventLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);

  private final Journal journal;

  private EventJournal(Journal journal) {
    this.journal = journal;
  }

  /** Opens {@code dataDir/history}. Blocking: call it before any event loop needs the store. */
  public static EventJournal open(ParleyConfig config) throws IOException {
    ParleyConfig.History h = config.history();
    Retention retention =
        new Retention(h.retain(), h.retainDays() == 0 ? null : Duration.ofDays(h.retainDays()));
    Journal.SyncPolicy policy =
        "always".equals(h.fsync()) ? Journal.SyncPolicy.ALWAYS : Journal.SyncPolicy.BATCHED;
    Path dir = config.dataDir().resolve("history");
    return new EventJournal(
        Journal.open(
            dir, policy, Duration.ofMillis(h.fsyncDelayMs()), retention, Clock.systemUTC()));
  }

  /**
   * Everything retained on disk, per room, as events in seq order. Records that don't parse are
   * skipped.
   */
  public Map<String, List<ChatEvent>> load() {
    Map<String, List<ChatEvent>> out = new java.util.TreeMap<>();
    journal
        .load()
        .forEach(
            (room, records) -> {
              List<ChatEvent> events = new ArrayList<>(records.size());
              for (JournalRecord r : records) {
                try {
                  events.add(
                      EventJson.fromJson(new JsonObject(Buffer.buffer(r.payload())))
                          .withSeq(r.seq()));
                } catch (RuntimeException e) {
                  LOG.warn(
                      "history of #{}: record {} can't be read ({}); skipped",
                      room,
                      r.seq(),
                      e.toString());
                }
              }
              out.put(room, events);
            });
    return out;
  }

  @Override
  public CompletionStage<Void> write(ChatEvent event) {
    byte[] json = EventJson.toJson(event).toBuffer().getBytes();
    return journal.append(
        new JournalRecord(event.room(), event.seq(), event.ts().toEpochMilli(), json));
  }

  @Override
  public long lastSeq(String room) {
    return journal.lastSeq(room);
  }

  @Override
  public String epoch() {
    return journal.epoch();
  }

  /** Writes and fsyncs everything appended so far; waits at most {@code timeout}. */
  public void flush(Duration timeout) {
    try {
      journal.flush().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("history flush did not finish: {}", e.toString());
    } catch (Exception e) {
      LOG.warn("history flush did not finish: {}", e.toString());
    }
  }

  @Override
  public void close() {
    journal.close();
  }

  /** See {@link Journal#timings}. */
  public void timings(LongConsumer write, LongConsumer fsync) {
    journal.timings(write, fsync);
  }

  /** See {@link Journal#isOpen}. */
  public boolean isOpen() {
    return journal.isOpen();
  }
}

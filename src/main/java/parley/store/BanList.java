package parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Banned addresses, kept in {@code data-dir/bans.json} so that they survive a restart. Each ban may
 * carry the nickname it was made for (so {@code /unban nick} works) and an end time. Thread-safe.
 *
 * <p>{@link #add} and {@link #remove} change the list in memory and return at once: they never
 * touch the disk, so they may be called on an event loop. The file is written by one background
 * thread ({@code parley-bans}), atomically (temp file, fsync, rename, directory fsync), always with
 * the latest list: changes made while a write is under way are coalesced into the next one, so the
 * last change wins on disk. {@link #flush} waits for the pending write. The thread exists only
 * while there is something to write, so a BanList needs no closing.
 */
public final class BanList {
  private static final Logger LOG = LoggerFactory.getLogger(BanList.class);

  /**
   * @param until null for a ban without end
   */
  public record Ban(String address, String nick, Instant until, String by) {
    boolean activeAt(Instant now) {
      return until == null || until.isAfter(now);
    }
  }

  /** Null for a list kept in memory only. */
  private final Path file;

  private final Map<String, Ban> bans = new LinkedHashMap<>();

  /** The newest file content not yet taken by the writer; null when the writer has taken it. */
  private final AtomicReference<String> pending = new AtomicReference<>();

  /**
   * One ordered writer thread, started on demand and ended after a second without work. Not a
   * daemon: a JVM that ends normally still writes the last change.
   */
  private final ThreadPoolExecutor writer =
      new ThreadPoolExecutor(
          0,
          1,
          1,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> new Thread(r, "parley-bans"));

  /** The thread that wrote the file last, for tests. */
  private volatile Thread lastWriter;

  private BanList(Path file) {
    this.file = file;
  }

  /** A list kept in memory only, never written (tests, and stores that keep bans elsewhere). */
  public static BanList inMemory() {
    return new BanList(null);
  }

  /** Reads the ban file if there is one; a damaged file is reported and set aside, never fatal. */
  public static BanList open(Path dataDir) {
    BanList list = new BanList(dataDir.resolve("bans.json"));
    if (Files.exists(list.file)) {
      try {
        JsonArray all =
            new JsonObject(Files.readString(list.file)).getJsonArray("bans", new JsonArray());
        for (int i = 0; i < all.size(); i++) {
          JsonObject b = all.getJsonObject(i);
          String until = b.getString("until");
          Ban ban =
              new Ban(
                  b.getString("address"),
                  b.getString("nick"),
                  until == null ? null : Instant.parse(until),
                  b.getString("by"));
          list.bans.put(ban.address(), ban);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("ban list {} can't be read ({}); starting with no bans", list.file, e.toString());
      }
    }
    return list;
  }

  public synchronized Ban find(String address, Instant now) {
    Ban b = bans.get(address);
    return b != null && b.activeAt(now) ? b : null;
  }

  public synchronized void add(Ban ban) {
    bans.put(ban.address(), ban);
    save();
  }

  /**
   * Lifts bans on the address, or on the addresses banned for that nickname. @return what was
   * lifted
   */
  public synchronized List<Ban> remove(String addressOrNick) {
    List<Ban> lifted = new ArrayList<>();
    bans.values()
        .removeIf(
            b -> {
              boolean match =
                  b.address().equals(addressOrNick) || addressOrNick.equalsIgnoreCase(b.nick());
              if (match) {
                lifted.add(b);
              }
              return match;
            });
    if (!lifted.isEmpty()) {
      save();
    }
    return lifted;
  }

  /**
   * Completes once every change made before the call is on disk (or its write has failed and been
   * logged). Never fails.
   */
  public CompletableFuture<Void> flush() {
    return CompletableFuture.runAsync(() -> {}, writer); // runs after every write queued before it
  }

  /** The thread that wrote the file last; null before the first write. */
  Thread lastWriter() {
    return lastWriter;
  }

  /**
   * Under this object's lock: hands the current list to the writer, which writes it unless a newer
   * one comes.
   */
  private void save() {
    if (file == null) {
      return;
    }
    if (pending.getAndSet(snapshot()) == null) {
      writer.execute(this::writePending);
    }
  }

  private String snapshot() {
    JsonArray all = new JsonArray();
    Instant now = Instant.now();
    for (Ban b : bans.values()) {
      if (b.activeAt(now)) {
        all.add(
            new JsonObject()
                .put("address", b.address())
                .put("nick", b.nick())
                .put("until", b.until() == null ? null : b.until().toString())
                .put("by", b.by()));
      }
    }
    return new JsonObject().put("bans", all).encodePrettily();
  }

  /** Writer thread: writes the newest list, if a write queued earlier has not already taken it. */
  private void writePending() {
    String json = pending.getAndSet(null);
    if (json == null) {
      return;
    }
    lastWriter = Thread.currentThread();
    try {
      Files.createDirectories(file.getParent());
      DurableFile.replace(file, json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.error("ban list {} can't be written: {}", file, e.toString());
    }
  }
}

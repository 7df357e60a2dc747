package parley.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, append-only history journal: one file per room, {@code <dir>/<room>.journal}, in the
 * format described in {@link JournalFormat} (header with magic, version and seq floor; then
 * length-prefixed, CRC32C-checked frames of {@code seq, tsMillis, payload}).
 *
 * <h2>Acknowledgement</h2>
 *
 * A message is <b>acknowledged</b> once the future returned by {@link #append} has completed
 * normally; the server broadcasts a message only after that. What an acknowledgement guarantees
 * depends on the {@link SyncPolicy}:
 *
 * <ul>
 *   <li>{@link SyncPolicy#ALWAYS}: the future completes after the record has been written
 *       <em>and</em> fsynced (fdatasync). Group commit: every record queued at that moment shares
 *       one write and one fsync per room file. Survives kill -9, OS crash and power loss.
 *   <li>{@link SyncPolicy#BATCHED}: {@link #append} writes the record to the file itself, on the
 *       caller's thread, and returns an already completed future: {@code write(2)} has returned,
 *       the bytes are in the OS page cache, so it survives kill -9 of the process. Only the fsync
 *       is left to the writer thread; it follows within {@code maxSyncDelay} (default 50 ms) of the
 *       first unsynced write, which bounds what an OS crash or power loss can lose. This keeps a
 *       thread hop out of every message's path: the caller (an event loop) can broadcast at once.
 * </ul>
 *
 * For ALWAYS, futures complete in append order on the single writer thread ({@code
 * "parley-journal"}): dependent stages attached with non-async methods run on that thread and must
 * be quick and must never block on the journal (e.g. {@code flush().join()} there would deadlock).
 * Vert.x callers should hop back to their context, e.g. {@code Future.fromCompletionStage(cf,
 * context)}. Appends to one room must not race each other (the server sequences them under the
 * room's lock); appends to different rooms may come from any threads.
 *
 * <h2>Reading back</h2>
 *
 * {@link #open} reads every room file, truncates a torn or corrupt tail back to the last valid
 * frame (after saving the discarded bytes to {@code <room>.journal.discarded-<offset>-<millis>} and
 * logging a WARN), applies retention, and keeps the retained records for {@link #load}, which hands
 * them over once. Bad data never raises an exception; only I/O errors and an unknown future format
 * version do (the latter so that a newer journal is never modified by older code).
 *
 * <h2>Retention</h2>
 *
 * Each room keeps the last {@code maxMessages} records and, with {@code maxAge}, only those of them
 * with {@code tsMillis >= now - maxAge}. The writer thread compacts a room file (rewrite to a temp
 * file, fsync, atomic rename, fsync directory) when it holds more than {@code 2 * maxMessages}
 * records; {@link #compact} does it on demand. Appends keep being accepted meanwhile: records
 * written while the temp file was being built are copied over, under the file lock, just before the
 * rename.
 *
 * <p>The directory is locked ({@code <dir>/.lock}) so two processes cannot journal into it at once.
 *
 * <h2>Parts</h2>
 *
 * This class is the facade: it opens the directory and checks arguments. {@link Recovery} reads and
 * repairs the files at open, {@link RoomFile} is one open room file, {@link RoomFiles} holds them
 * under one lock and runs the fsyncs, {@link Compactor} applies retention, {@link Writer} is the
 * background thread, and {@link SyncStrategy} ({@link GroupCommit}, {@link BatchedSync}) makes an
 * append durable as its {@link SyncPolicy} says.
 */
public final class Journal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  /** Default bound on the delay between a BATCHED acknowledgement and its fsync. */
  public static final Duration DEFAULT_MAX_SYNC_DELAY = Duration.ofMillis(50);

  /**
   * ALWAYS appends are refused (future fails with RejectedExecutionException) beyond this many
   * queued bytes.
   */
  static final long MAX_PENDING_BYTES = 64L << 20;

  /** When an appended record counts as acknowledged; see the class documentation. */
  public enum SyncPolicy {
    /** Complete the future after write and fsync. */
    ALWAYS,
    /** Complete the future after write; fsync within maxSyncDelay. */
    BATCHED
  }

  private final Path dir;
  private final SyncPolicy policy;
  private final FileChannel lockChannel;
  private final FileLock dirLock;
  private final Recovery recovery;
  private final RoomFiles files;
  private final Compactor compactor;
  private final Writer writer;
  private final SyncStrategy strategy;

  /** The history's epoch (see {@link Epoch}); set at open, before any room file is created. */
  private volatile String epoch;

  // ---- handed to load() once, guarded by this
  private Map<String, List<JournalRecord>> snapshot = new TreeMap<>();
  private boolean loaded;

  private Journal(
      Path dir,
      SyncPolicy policy,
      Duration maxSyncDelay,
      Retention retention,
      Clock clock,
      FileChannel lockChannel,
      FileLock dirLock) {
    this.dir = dir;
    this.policy = policy;
    this.lockChannel = lockChannel;
    this.dirLock = dirLock;
    this.recovery = new Recovery(dir, clock);
    this.files =
        new RoomFiles(dir, recovery, SyncStrategy.syncsNewFiles(policy), maxSyncDelay.toNanos());
    this.compactor = new Compactor(dir, files, retention, clock);
    this.writer =
        new Writer(
            files,
            compactor,
            () -> {
              releaseDirLock();
              log.info("History journal in {} closed", dir);
            });
    this.strategy = SyncStrategy.of(policy, files, compactor, writer);
  }

  /**
   * Opens (creating if needed) the journal in {@code dir}, recovers every room file and starts the
   * writer thread.
   *
   * @param maxSyncDelay BATCHED fsync bound; {@code null} means {@link #DEFAULT_MAX_SYNC_DELAY}
   * @throws IOException on I/O errors, if another process holds the directory, or if a file has an
   *     unsupported (newer) format version
   */
  public static Journal open(
      Path dir, SyncPolicy policy, Duration maxSyncDelay, Retention retention, Clock clock)
      throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(clock, "clock");
    if (maxSyncDelay == null) {
      maxSyncDelay = DEFAULT_MAX_SYNC_DELAY;
    }
    if (maxSyncDelay.isNegative()) {
      throw new IllegalArgumentException("maxSyncDelay must not be negative: " + maxSyncDelay);
    }
    Files.createDirectories(dir);
    FileChannel lockChannel =
        FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      lockChannel.close();
      throw e;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException(
          "journal directory "
              + dir
              + " is in use by another journal ("
              + dir.resolve(".lock")
              + " is locked)");
    }
    Journal j = new Journal(dir, policy, maxSyncDelay, retention, clock, lockChannel, lock);
    try {
      j.recover(clock.millis());
    } catch (IOException | RuntimeException e) {
      j.files.closeAll();
      j.releaseDirLock();
      throw e;
    }
    j.writer.start(j.strategy);
    log.info(
        "History journal open in {} (policy {}, max sync delay {} ms, retention {} messages{}), {} rooms",
        dir,
        policy,
        maxSyncDelay.toMillis(),
        retention.maxMessages(),
        retention.hasMaxAge() ? " / " + retention.maxAge() : "",
        j.roomCount());
    return j;
  }

  /**
   * At open: reads and repairs every room file, applies retention and keeps what is retained for
   * load().
   */
  private synchronized void recover(long now) throws IOException {
    String stored = Epoch.read(dir);
    boolean[] renewed = {false};
    recovery.recoverAll(
        r -> {
          RoomFile rf = r.file();
          files.lock.lock();
          try {
            files.put(rf);
          } finally {
            files.lock.unlock();
          }
          strategy.recovered(rf.room, rf.lastSeq);
          snapshot.put(
              rf.room, Collections.unmodifiableList(compactor.trimAtOpen(rf, r.records(), now)));
        },
        (room, what) -> {
          if (!renewed[0]) {
            epoch = Epoch.create(dir);
            renewed[0] = true;
            log.warn(
                "History of #{}: {}; its seq numbering may go back, so the history takes the "
                    + "new epoch {} (was {}): resuming clients are told their position is gone",
                room,
                what,
                epoch,
                stored == null ? "none" : stored);
          } else {
            log.warn(
                "History of #{}: {}; the history already has the new epoch {}", room, what, epoch);
          }
        });
    if (renewed[0]) {
      return;
    }
    if (stored != null) {
      epoch = stored;
    } else {
      epoch = Epoch.create(dir);
      if (roomCount() > 0) {
        log.info(
            "History in {} had no epoch (written by an older version); its epoch is now {}, "
                + "seq numbering continues",
            dir,
            epoch);
      } else {
        log.info("New history in {}: epoch {}", dir, epoch);
      }
    }
  }

  /**
   * The history's epoch: 16 hex digits, stored in {@code <dir>/EPOCH}. It stays the same as long as
   * no room's seq numbering can go back; see {@link Epoch}.
   */
  public String epoch() {
    return epoch;
  }

  private int roomCount() {
    files.lock.lock();
    try {
      return files.size();
    } finally {
      files.lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------ API

  /**
   * Everything retained at open time, per room (sorted by room name), seq ascending. Call once, at
   * start: the records are handed over and not kept; a second call throws IllegalStateException.
   */
  public synchronized Map<String, List<JournalRecord>> load() {
    if (loaded) {
      throw new IllegalStateException("load() may be called only once");
    }
    loaded = true;
    Map<String, List<JournalRecord>> s = snapshot;
    snapshot = null;
    return Collections.unmodifiableMap(s);
  }

  /**
   * Journals a record and returns a future completed when it is acknowledged (see class doc). For
   * ALWAYS the record is queued for the writer thread and this never blocks on I/O; for BATCHED the
   * record is written here, on the caller's thread (a {@code write(2)} into the page cache, no
   * fsync), and the future returned is already complete. The future fails with
   * IllegalStateException after close, with IllegalArgumentException for an invalid room name, an
   * oversized payload or a seq not greater than {@link #lastSeq} of the room, with the IOException
   * if writing (or, for ALWAYS, fsyncing) fails, and, for ALWAYS only, with
   * RejectedExecutionException when more than {@link #MAX_PENDING_BYTES} (64 MiB) are queued for
   * the writer.
   */
  public CompletableFuture<Void> append(JournalRecord r) {
    Objects.requireNonNull(r, "record");
    if (!RoomFile.ROOM_NAME.matcher(r.room()).matches()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("invalid room name: " + r.room()));
    }
    if (r.payload().length > JournalFormat.MAX_PAYLOAD) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "payload too large: " + r.payload().length + " > " + JournalFormat.MAX_PAYLOAD));
    }
    return strategy.append(
        r.room(), r.seq(), JournalFormat.frame(r.seq(), r.tsMillis(), r.payload()));
  }

  /**
   * Applies retention to the room's file now, on the writer thread, and waits for it. Appends keep
   * being accepted meanwhile. Blocks the caller: do not call it on an event loop or the writer
   * thread.
   *
   * @throws IllegalStateException after close
   * @throws java.io.UncheckedIOException if the rewrite fails (the old file stays in place)
   */
  public void compact(String room) {
    try {
      compactAsync(room).join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof IOException io) {
        throw new java.io.UncheckedIOException(io);
      }
      throw e;
    }
  }

  /** Non-blocking {@link #compact}: the future completes once the room file has been compacted. */
  public CompletableFuture<Void> compactAsync(String room) {
    Objects.requireNonNull(room, "room");
    if (!RoomFile.ROOM_NAME.matcher(room).matches()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("invalid room name: " + room));
    }
    return writer.enqueue(new Writer.Op(Writer.Kind.COMPACT, room, 0, null));
  }

  /**
   * Highest seq of the room: journaled at open, or accepted by {@link #append} since (for ALWAYS
   * including records still queued); 0 if none. Never decreases, even when retention drops every
   * record.
   */
  public long lastSeq(String room) {
    return strategy.lastSeq(room);
  }

  /**
   * Reports the time of every write to a room file and of every fsync of one, in nanoseconds (for
   * metrics); called on the thread that wrote or synced.
   */
  public void timings(LongConsumer write, LongConsumer fsync) {
    files.timings(write, fsync);
  }

  /** Whether the journal takes appends: opened and not closed. */
  public boolean isOpen() {
    return !writer.isClosed();
  }

  /** Writes and fsyncs everything appended so far; after close, returns the close future. */
  public CompletableFuture<Void> flush() {
    return writer.enqueue(new Writer.Op(Writer.Kind.FLUSH, null, 0, null));
  }

  /**
   * Flushes and fsyncs everything appended, stops the writer thread and releases the directory.
   * Idempotent.
   */
  @Override
  public void close() {
    writer.close();
  }

  // ----------------------------------------------------------------------------- test hooks

  /** Number of fsyncs (fdatasync) of journal files performed by the writer. */
  long syncCount() {
    return files.syncCount();
  }

  /** Records appended while a compaction ran and copied into its new file. */
  long carriedOverCount() {
    return compactor.carriedOver();
  }

  /** Largest observed delay between the first unsynced write and the fsync that covered it. */
  long maxSyncLagNanos() {
    return files.maxSyncLagNanos();
  }

  /** Called on the writer thread after each sync round, with its lag in nanoseconds. */
  void onSync(LongConsumer listener) {
    files.onSync(listener);
  }

  /** Reads a journal file as-is (no repair), for tests and tools. */
  static List<JournalRecord> readFile(Path file, String room) throws IOException {
    return JournalFormat.scan(file, room, true).records;
  }

  private void releaseDirLock() {
    try {
      if (dirLock.isValid()) {
        dirLock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      log.warn("releasing the lock on {} failed", dir, e);
    }
  }

  @Override
  public String toString() {
    return "Journal[" + dir + ", " + policy + "]";
  }
}

package parley.journal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, append-only history journal: one file per room, {@code <dir>/<room>.journal}, in the format
 * described in {@link JournalFormat} (header with magic, version and seq floor; then length-prefixed,
 * CRC32C-checked frames of {@code seq, tsMillis, payload}).
 *
 * <h2>Acknowledgement</h2>
 * A message is <b>acknowledged</b> once the future returned by {@link #append} has completed
 * normally; the server broadcasts a message only after that. What an acknowledgement guarantees
 * depends on the {@link SyncPolicy}:
 * <ul>
 *   <li>{@link SyncPolicy#ALWAYS}: the future completes after the record has been written
 *       <em>and</em> fsynced (fdatasync). Group commit: every record queued at that moment shares one
 *       write and one fsync per room file. Survives kill -9, OS crash and power loss.</li>
 *   <li>{@link SyncPolicy#BATCHED}: {@link #append} writes the record to the file itself, on the
 *       caller's thread, and returns an already completed future: {@code write(2)} has returned, the
 *       bytes are in the OS page cache, so it survives kill -9 of the process. Only the fsync is left
 *       to the writer thread; it follows within {@code maxSyncDelay} (default 50 ms) of the first
 *       unsynced write, which bounds what an OS crash or power loss can lose. This keeps a thread hop
 *       out of every message's path: the caller (an event loop) can broadcast at once.</li>
 * </ul>
 * For ALWAYS, futures complete in append order on the single writer thread ({@code "parley-journal"}):
 * dependent stages attached with non-async methods run on that thread and must be quick and must
 * never block on the journal (e.g. {@code flush().join()} there would deadlock). Vert.x callers should
 * hop back to their context, e.g. {@code Future.fromCompletionStage(cf, context)}. Appends to one room
 * must not race each other (the server sequences them under the room's lock); appends to different rooms
 * may come from any threads.
 *
 * <h2>Reading back</h2>
 * {@link #open} reads every room file, truncates a torn or corrupt tail back to the last valid
 * frame (after saving the discarded bytes to {@code <room>.journal.discarded-<offset>-<millis>} and
 * logging a WARN), applies retention, and keeps the retained records for {@link #load}, which
 * hands them over once. Bad data never raises an exception; only I/O errors and an unknown future
 * format version do (the latter so that a newer journal is never modified by older code).
 *
 * <h2>Retention</h2>
 * Each room keeps the last {@code maxMessages} records and, with {@code maxAge}, only those of them
 * with {@code tsMillis >= now - maxAge}. The writer thread compacts a room file (rewrite to a temp
 * file, fsync, atomic rename, fsync directory) when it holds more than {@code 2 * maxMessages}
 * records; {@link #compact} does it on demand. Appends keep being accepted meanwhile: records written
 * while the temp file was being built are copied over, under the file lock, just before the rename.
 *
 * <p>The directory is locked ({@code <dir>/.lock}) so two processes cannot journal into it at once.
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** Default bound on the delay between a BATCHED acknowledgement and its fsync. */
    public static final Duration DEFAULT_MAX_SYNC_DELAY = Duration.ofMillis(50);
    /** ALWAYS appends are refused (future fails with RejectedExecutionException) beyond this many queued bytes. */
    static final long MAX_PENDING_BYTES = 64L << 20;
    static final String SUFFIX = ".journal";
    private static final String TMP_SUFFIX = ".journal.tmp";
    private static final Pattern ROOM_NAME = Pattern.compile("[a-z0-9_-]{1,32}");

    /** When an appended record counts as acknowledged; see the class documentation. */
    public enum SyncPolicy {
        /** Complete the future after write and fsync. */
        ALWAYS,
        /** Complete the future after write; fsync within maxSyncDelay. */
        BATCHED
    }

    private final Path dir;
    private final SyncPolicy policy;
    private final long maxSyncDelayNanos;
    private final Retention retention;
    private final Clock clock;
    private final FileChannel lockChannel;
    private final FileLock dirLock;

    // ---- shared between callers and the writer, guarded by qlock
    private final ReentrantLock qlock = new ReentrantLock();
    private final Condition notEmpty = qlock.newCondition();
    private ArrayDeque<Op> queue = new ArrayDeque<>();
    /**
     * ALWAYS only: the high-water mark of the append queue, i.e. per room the highest seq journaled at open
     * or accepted by {@link #append} since (including records still queued). BATCHED appends write at once,
     * so there {@link RoomFile#lastSeq} is the high-water mark and this map stays empty.
     */
    private final Map<String, Long> acceptedSeq = new HashMap<>();
    private long pendingBytes;
    private volatile boolean closed;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    // ---- file state, guarded by flock: written by the writer thread, and for BATCHED also by appenders.
    // The writer fsyncs outside the lock, so an fsync never holds up an append.
    private final ReentrantLock flock = new ReentrantLock();
    private final Map<String, RoomFile> files = new HashMap<>();
    /** Built once: a method reference that captures {@code this} would be a new object per append. */
    private final java.util.function.Function<String, RoomFile> newRoomFile = this::newRoomFile;
    private final Set<RoomFile> dirty = new LinkedHashSet<>();
    /**
     * Channels dropped after a failure while they still held unsynced writes, or while the writer was
     * fsyncing them: the next sync round forces and then closes them, so no acknowledged record is left
     * unsynced and no channel is closed under a running force().
     */
    private final List<Retired> retired = new ArrayList<>();
    private boolean dirSyncPending;
    /** Read by the writer under qlock to time its next fsync, hence volatile. */
    private volatile long unsyncedSinceNanos;
    private volatile boolean unsynced;
    private final Thread writer;

    // ---- handed to load() once
    private Map<String, List<JournalRecord>> snapshot = new TreeMap<>();
    private boolean loaded;

    // ---- observability for tests
    private final AtomicLong syncCount = new AtomicLong();
    private final AtomicLong carriedOver = new AtomicLong();
    private volatile long maxSyncLagNanos;
    private volatile LongConsumer syncListener;

    private enum Kind { APPEND, FLUSH, COMPACT, AUTO_COMPACT, CLOSE }

    private static final class Op {
        final Kind kind;
        final String room;
        final long seq;
        final ByteBuffer frame;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        Throwable error;

        Op(Kind kind, String room, long seq, ByteBuffer frame) {
            this.kind = kind;
            this.room = room;
            this.seq = seq;
            this.frame = frame;
        }
    }

    /** State of one room file, guarded by flock. */
    private static final class RoomFile {
        final String room;
        final Path path;
        FileChannel ch;
        boolean exists;
        boolean needsRecovery;
        long size;
        long count;
        long lastSeq;
        long compactRetryAt;
        boolean compactQueued;
        /** Bumped whenever the file is replaced or re-validated, so a compaction can tell that it raced one. */
        long generation;
        /** The channel the writer is fsyncing outside flock, if any: it must not be closed meanwhile. */
        FileChannel syncing;

        RoomFile(String room, Path path) {
            this.room = room;
            this.path = path;
        }
    }

    /** A channel taken out of use while its fsync was still owed (see {@link #retired}). */
    private record Retired(Path path, FileChannel ch) {
    }

    private Journal(Path dir, SyncPolicy policy, Duration maxSyncDelay, Retention retention, Clock clock,
                           FileChannel lockChannel, FileLock dirLock) {
        this.dir = dir;
        this.policy = policy;
        this.maxSyncDelayNanos = maxSyncDelay.toNanos();
        this.retention = retention;
        this.clock = clock;
        this.lockChannel = lockChannel;
        this.dirLock = dirLock;
        this.writer = new Thread(this::runWriter, "parley-journal");
        this.writer.setDaemon(true);
    }

    /**
     * Opens (creating if needed) the journal in {@code dir}, recovers every room file and starts the
     * writer thread.
     *
     * @param maxSyncDelay BATCHED fsync bound; {@code null} means {@link #DEFAULT_MAX_SYNC_DELAY}
     * @throws IOException on I/O errors, if another process holds the directory, or if a file has an
     *                     unsupported (newer) format version
     */
    public static Journal open(Path dir, SyncPolicy policy, Duration maxSyncDelay, Retention retention,
                                      Clock clock) throws IOException {
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
        FileChannel lockChannel = FileChannel.open(dir.resolve(".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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
            throw new IOException("journal directory " + dir + " is in use by another journal (" + dir.resolve(".lock") + " is locked)");
        }
        Journal j = new Journal(dir, policy, maxSyncDelay, retention, clock, lockChannel, lock);
        try {
            j.recoverAll();
        } catch (IOException | RuntimeException e) {
            j.closeFiles();
            j.releaseDirLock();
            throw e;
        }
        // Publish the recovered state to callers (they read it under qlock) and to the writer.
        j.qlock.lock();
        j.qlock.unlock();
        j.writer.start();
        log.info("History journal open in {} (policy {}, max sync delay {} ms, retention {} messages{}), {} rooms",
                dir, policy, maxSyncDelay.toMillis(), retention.maxMessages(),
                retention.hasMaxAge() ? " / " + retention.maxAge() : "", j.files.size());
        return j;
    }

    // ------------------------------------------------------------------------------------------ API

    /**
     * Everything retained at open time, per room (sorted by room name), seq ascending. Call once, at
     * start: the records are handed over and not kept; a second call throws IllegalStateException.
     */
    public Map<String, List<JournalRecord>> load() {
        qlock.lock();
        try {
            if (loaded) {
                throw new IllegalStateException("load() may be called only once");
            }
            loaded = true;
            Map<String, List<JournalRecord>> s = snapshot;
            snapshot = null;
            return Collections.unmodifiableMap(s);
        } finally {
            qlock.unlock();
        }
    }

    /**
     * Journals a record and returns a future completed when it is acknowledged (see class doc).
     * For ALWAYS the record is queued for the writer thread and this never blocks on I/O; for BATCHED
     * the record is written here, on the caller's thread (a {@code write(2)} into the page cache, no
     * fsync), and the future returned is already complete. The future fails with IllegalStateException
     * after close, with IllegalArgumentException for an invalid room name, an oversized payload or a seq
     * not greater than {@link #lastSeq} of the room, with the IOException if writing (or, for ALWAYS,
     * fsyncing) fails, and, for ALWAYS only, with RejectedExecutionException when more than
     * {@link #MAX_PENDING_BYTES} (64 MiB) are queued for the writer.
     */
    public CompletableFuture<Void> append(JournalRecord r) {
        Objects.requireNonNull(r, "record");
        if (!ROOM_NAME.matcher(r.room()).matches()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("invalid room name: " + r.room()));
        }
        if (r.payload().length > JournalFormat.MAX_PAYLOAD) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "payload too large: " + r.payload().length + " > " + JournalFormat.MAX_PAYLOAD));
        }
        ByteBuffer frame = JournalFormat.frame(r.seq(), r.tsMillis(), r.payload());
        if (policy == SyncPolicy.BATCHED) {
            return appendDirect(r.room(), r.seq(), frame);
        }
        Op op = new Op(Kind.APPEND, r.room(), r.seq(), frame);
        qlock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
            }
            long last = acceptedSeq.getOrDefault(r.room(), 0L);
            if (r.seq() <= last) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "seq " + r.seq() + " of room " + r.room() + " is not greater than last seq " + last));
            }
            int bytes = op.frame.remaining();
            if (pendingBytes + bytes > MAX_PENDING_BYTES) {
                return CompletableFuture.failedFuture(new RejectedExecutionException(
                        "journal overloaded: " + pendingBytes + " bytes waiting for the disk"));
            }
            pendingBytes += bytes;
            acceptedSeq.put(r.room(), r.seq());
            enqueueLocked(op);
        } finally {
            qlock.unlock();
        }
        return op.future;
    }

    /**
     * BATCHED: write on the caller's thread under flock; the writer thread only fsyncs.
     *
     * <p>Refusing after close needs no flag of its own: {@link #closed} is set before the CLOSE op is
     * queued, and the writer's final {@link #syncDirty} takes flock only after it has dequeued that op. So
     * an append whose critical section (under flock) comes after that sync's snapshot sees
     * {@code closed} and refuses, and one whose critical section came before has marked its room dirty,
     * so that sync covers it. Nothing else writes the files after CLOSE.
     */
    private CompletableFuture<Void> appendDirect(String room, long seq, ByteBuffer frame) {
        int outcome;
        flock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
            }
            RoomFile rf = files.computeIfAbsent(room, newRoomFile);
            if (seq <= rf.lastSeq) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "seq " + seq + " of room " + room + " is not greater than last seq " + rf.lastSeq));
            }
            try {
                outcome = writeRecords(rf, new ByteBuffer[] {frame}, seq);
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        } finally {
            flock.unlock();
        }
        if ((outcome & WAKE_WRITER) != 0) {
            qlock.lock();
            try {
                notEmpty.signal(); // the writer may be waiting with nothing to sync: start the fsync timer
            } finally {
                qlock.unlock();
            }
        }
        if ((outcome & COMPACTION_DUE) != 0) {
            enqueue(new Op(Kind.AUTO_COMPACT, room, 0, null));
        }
        return CompletableFuture.completedFuture(null);
    }

    /** {@link #writeRecords} outcome: this write started a new unsynced period, the writer must be woken. */
    private static final int WAKE_WRITER = 1;
    /** {@link #writeRecords} outcome: the room is due for compaction (already marked queued). */
    private static final int COMPACTION_DUE = 2;

    /**
     * Under flock: opens the room's file if needed, writes whole frames to it (the last one has seq
     * {@code lastSeq}), and records the write: size, count, last seq, dirty. On failure logs the error,
     * abandons the channel (the next append re-validates the file) and rethrows.
     *
     * @return a combination of {@link #WAKE_WRITER} and {@link #COMPACTION_DUE}
     */
    private int writeRecords(RoomFile rf, ByteBuffer[] frames, long lastSeq) throws IOException {
        try {
            ensureOpen(rf);
            long total = 0;
            for (ByteBuffer b : frames) {
                total += b.remaining();
            }
            if (frames.length == 1) {
                writeFully(rf.ch, frames[0]);
            } else {
                long written = 0;
                while (written < total) {
                    written += rf.ch.write(frames);
                }
            }
            rf.size += total;
            rf.count += frames.length;
            rf.lastSeq = lastSeq;
        } catch (IOException | RuntimeException e) {
            log.error("Writing {} record(s) to {} failed", frames.length, rf.path, e);
            abandonChannel(rf);
            throw e;
        }
        int outcome = markDirty(rf) ? WAKE_WRITER : 0;
        if (compactionDue(rf)) {
            outcome |= COMPACTION_DUE;
        }
        return outcome;
    }

    private RoomFile newRoomFile(String room) {
        return new RoomFile(room, dir.resolve(room + SUFFIX));
    }

    /** Under flock: whether the room's file has grown enough to compact it (and marks it queued). */
    private boolean compactionDue(RoomFile rf) {
        if (!rf.compactQueued && overThreshold(rf)) {
            rf.compactQueued = true;
            return true;
        }
        return false;
    }

    /** Under flock: whether the room's file holds enough records to compact it (retry backoff included). */
    private boolean overThreshold(RoomFile rf) {
        return rf.count > 2L * retention.maxMessages() && rf.count >= rf.compactRetryAt;
    }

    /**
     * Applies retention to the room's file now, on the writer thread, and waits for it. Appends keep
     * being accepted meanwhile. Blocks the caller: do not call it on an event loop or the writer thread.
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
        if (!ROOM_NAME.matcher(room).matches()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("invalid room name: " + room));
        }
        return enqueue(new Op(Kind.COMPACT, room, 0, null));
    }

    /**
     * Highest seq of the room: journaled at open, or accepted by {@link #append} since (for ALWAYS
     * including records still queued); 0 if none. Never decreases, even when retention drops every record.
     */
    public long lastSeq(String room) {
        if (policy == SyncPolicy.BATCHED) {
            flock.lock();
            try {
                RoomFile rf = files.get(room);
                return rf == null ? 0 : rf.lastSeq;
            } finally {
                flock.unlock();
            }
        }
        qlock.lock();
        try {
            return acceptedSeq.getOrDefault(room, 0L);
        } finally {
            qlock.unlock();
        }
    }

    /** Writes and fsyncs everything appended so far; after close, returns the close future. */
    public CompletableFuture<Void> flush() {
        return enqueue(new Op(Kind.FLUSH, null, 0, null));
    }

    /** Flushes and fsyncs everything appended, stops the writer thread and releases the directory. Idempotent. */
    @Override
    public void close() {
        qlock.lock();
        try {
            if (!closed) {
                closed = true;
                Op op = new Op(Kind.CLOSE, null, 0, null);
                op.future.whenComplete((v, e) -> {
                    if (e == null) {
                        closeFuture.complete(null);
                    } else {
                        closeFuture.completeExceptionally(e);
                    }
                });
                enqueueLocked(op);
            }
        } finally {
            qlock.unlock();
        }
        if (Thread.currentThread() != writer) {
            boolean interrupted = false;
            while (writer.isAlive()) {
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ----------------------------------------------------------------------------- test hooks

    /** Number of fsyncs (fdatasync) of journal files performed by the writer. */
    long syncCount() {
        return syncCount.get();
    }

    /** Records appended while a compaction ran and copied into its new file. */
    long carriedOverCount() {
        return carriedOver.get();
    }

    /** Largest observed delay between the first unsynced write and the fsync that covered it. */
    long maxSyncLagNanos() {
        return maxSyncLagNanos;
    }

    /** Called on the writer thread after each sync round, with its lag in nanoseconds. */
    void onSync(LongConsumer listener) {
        this.syncListener = listener;
    }

    /** Reads a journal file as-is (no repair), for tests and tools. */
    static List<JournalRecord> readFile(Path file, String room) throws IOException {
        return JournalFormat.scan(file, room, true).records;
    }

    // ----------------------------------------------------------------------------- queue

    private CompletableFuture<Void> enqueue(Op op) {
        qlock.lock();
        try {
            if (closed) {
                if (op.kind == Kind.FLUSH) {
                    return closeFuture;
                }
                return CompletableFuture.failedFuture(new IllegalStateException("journal is closed"));
            }
            enqueueLocked(op);
        } finally {
            qlock.unlock();
        }
        return op.future;
    }

    private void enqueueLocked(Op op) {
        boolean wasEmpty = queue.isEmpty();
        queue.add(op);
        if (wasEmpty) {
            notEmpty.signal();
        }
    }

    // ----------------------------------------------------------------------------- open / recovery

    private void recoverAll() throws IOException {
        List<Path> journals = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(TMP_SUFFIX)) {
                    log.info("Removing unfinished compaction file {}", p);
                    Files.deleteIfExists(p);
                } else if (name.endsWith(SUFFIX) && Files.isRegularFile(p)) {
                    journals.add(p);
                }
            }
        }
        Collections.sort(journals);
        long now = clock.millis();
        for (Path p : journals) {
            String name = p.getFileName().toString();
            String room = name.substring(0, name.length() - SUFFIX.length());
            if (!ROOM_NAME.matcher(room).matches()) {
                log.warn("Ignoring journal file {}: {} is not a valid room name", p, room);
                continue;
            }
            recoverRoom(room, p, now);
        }
    }

    private void recoverRoom(String room, Path path, long now) throws IOException {
        RoomFile rf = new RoomFile(room, path);
        JournalFormat.Scan s = JournalFormat.scan(path, room, true);
        switch (s.headerState) {
            case UNSUPPORTED_VERSION:
                throw new IOException("journal file " + path + " has unsupported format version " + s.version
                        + " (this build reads version " + JournalFormat.VERSION + "); refusing to modify it");
            case EMPTY:
            case TORN:
                log.warn("Journal file {}: torn header at offset 0 ({} bytes, no records); removing it, "
                        + "the room starts a fresh file", path, s.fileSize);
                Files.delete(path);
                fsyncDir();
                break;
            case CORRUPT:
                Path aside = path.resolveSibling(path.getFileName() + ".bad-" + clock.millis());
                log.warn("Journal file {}: {} at offset 0; not a readable journal, moving it to {} "
                        + "and starting the room with an empty history", path, s.problem, aside);
                Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
                fsyncDir();
                break;
            case OK:
                if (s.problem != null) {
                    truncateTail(path, s);
                }
                rf.exists = true;
                rf.size = s.goodEnd;
                rf.count = s.count;
                rf.lastSeq = s.lastSeq();
                break;
            default:
                throw new AssertionError(s.headerState);
        }
        files.put(room, rf);
        if (policy == SyncPolicy.ALWAYS) {
            acceptedSeq.put(room, rf.lastSeq);
        }
        List<JournalRecord> window = retention.apply(s.records, now);
        if (rf.exists && window.size() < s.records.size()) {
            try {
                rewrite(rf, window, rf.lastSeq, rf.size, rf.count, rf.generation);
            } catch (IOException e) {
                log.warn("Journal file {}: compaction at open failed, keeping the file as is", path, e);
            }
        }
        snapshot.put(room, Collections.unmodifiableList(window));
    }

    /** Cuts a file back to its last valid frame, keeping a copy of what is cut off. */
    private void truncateTail(Path path, JournalFormat.Scan s) throws IOException {
        long discard = s.fileSize - s.goodEnd;
        Path saved = path.resolveSibling(path.getFileName() + ".discarded-" + s.goodEnd + "-" + clock.millis());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            String savedNote;
            try (FileChannel out = FileChannel.open(saved, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                copyRange(ch, s.goodEnd, s.fileSize, out);
                out.force(true);
                savedNote = "a copy of the discarded bytes is in " + saved;
            } catch (IOException e) {
                savedNote = "could not save a copy of the discarded bytes (" + e + ")";
            }
            log.warn("Journal file {}: {} at offset {}; keeping {} valid records (up to seq {}), "
                            + "truncating the file from {} to {} bytes ({} bytes discarded); {}",
                    path, s.problem, s.goodEnd, s.count, s.lastFrameSeq, s.fileSize, s.goodEnd, discard, savedNote);
            ch.truncate(s.goodEnd);
            ch.force(true);
        }
        fsyncDir();
    }

    // ----------------------------------------------------------------------------- writer thread

    private void runWriter() {
        ArrayDeque<Op> batch = new ArrayDeque<>();
        boolean stop = false;
        while (!stop) {
            try {
                qlock.lock();
                try {
                    while (queue.isEmpty()) {
                        if (unsynced) {
                            long wait = unsyncedSinceNanos + maxSyncDelayNanos - System.nanoTime();
                            if (wait <= 0) {
                                break;
                            }
                            notEmpty.awaitNanos(wait);
                        } else {
                            notEmpty.await();
                        }
                    }
                    ArrayDeque<Op> swap = queue;
                    queue = batch;
                    batch = swap;
                    for (Op op : batch) {
                        if (op.kind == Kind.APPEND) {
                            pendingBytes -= op.frame.remaining();
                        }
                    }
                } finally {
                    qlock.unlock();
                }
                stop = process(batch);
                syncIfOverdue();
            } catch (InterruptedException e) {
                log.warn("Journal writer interrupted; ignoring (close() stops it)");
            } catch (Throwable t) {
                log.error("Journal writer failed on a batch of {} operations", batch.size(), t);
                for (Op op : batch) {
                    op.future.completeExceptionally(t);
                    if (op.kind == Kind.CLOSE) {
                        stop = true;
                    }
                }
            } finally {
                batch.clear();
            }
        }
        closeFiles();
        releaseDirLock();
        log.info("History journal in {} closed", dir);
    }

    /** Writer thread: runs a sync round if the oldest unsynced write has waited maxSyncDelay. */
    private void syncIfOverdue() {
        if (unsynced && System.nanoTime() - unsyncedSinceNanos >= maxSyncDelayNanos) {
            syncDirty();
        }
    }

    /** Runs one batch; returns true when it held the close operation. */
    private boolean process(ArrayDeque<Op> batch) {
        List<Op> appends = new ArrayList<>();
        boolean stop = false;
        for (Op op : batch) {
            switch (op.kind) {
                case APPEND:
                    appends.add(op);
                    break;
                case FLUSH:
                    commit(appends);
                    appends.clear();
                    syncDirty();
                    op.future.complete(null);
                    break;
                case COMPACT:
                case AUTO_COMPACT:
                    commit(appends);
                    appends.clear();
                    compact(op);
                    break;
                case CLOSE:
                    commit(appends);
                    appends.clear();
                    // closed is set, so direct appends stop at this sync's snapshot: it covers every earlier one
                    syncDirty();
                    closeFiles();
                    op.future.complete(null);
                    stop = true;
                    break;
                default:
                    throw new AssertionError(op.kind);
            }
        }
        commit(appends);
        return stop;
    }

    private void compact(Op op) {
        RoomFile rf;
        flock.lock();
        try {
            rf = files.get(op.room);
        } finally {
            flock.unlock();
        }
        if (rf == null) {
            op.future.complete(null);
            return;
        }
        try {
            if (op.kind == Kind.AUTO_COMPACT) {
                autoCompact(rf); // clears compactQueued itself on success
            } else {
                compactRoom(rf);
            }
            op.future.complete(null);
        } catch (IOException | RuntimeException e) {
            if (op.kind == Kind.AUTO_COMPACT) {
                flock.lock();
                try { // compactRetryAt holds the next attempt back
                    rf.compactRetryAt = rf.count + retention.maxMessages();
                    rf.compactQueued = false;
                } finally {
                    flock.unlock();
                }
                log.error("Automatic compaction of room {} failed; will retry after {} more records",
                        rf.room, retention.maxMessages(), e);
            } else {
                log.error("Compaction of room {} failed; its journal file is unchanged", op.room, e);
            }
            op.future.completeExceptionally(e);
        }
    }

    /**
     * Writer thread, for an AUTO_COMPACT op. Appends go on during the compaction without queueing another
     * one: compactQueued stays set until the op ends, and is cleared (on success) under the same lock as
     * the final threshold check, so no append can slip in between unnoticed. If appends made during the
     * rewrite put the file over the threshold again, it is compacted again at once, ahead of ops queued
     * meanwhile (a flush queued after those appends must find the room compacted), with the usual sync
     * check in between.
     */
    private void autoCompact(RoomFile rf) throws IOException {
        while (true) {
            boolean rewritten = compactRoom(rf);
            flock.lock();
            try {
                if (!rewritten || !overThreshold(rf)) {
                    rf.compactQueued = false;
                    return;
                }
            } finally {
                flock.unlock();
            }
            syncIfOverdue();
        }
    }

    /** Writes a group of appends (one gathering write per room), fsyncs for ALWAYS, completes the futures in order. */
    private void commit(List<Op> appends) {
        if (appends.isEmpty()) {
            return;
        }
        Map<RoomFile, List<Op>> byRoom = new LinkedHashMap<>();
        List<String> toCompact = new ArrayList<>();
        flock.lock();
        try {
            writeGroups(appends, byRoom, toCompact);
        } finally {
            flock.unlock();
        }
        for (String room : toCompact) {
            enqueue(new Op(Kind.AUTO_COMPACT, room, 0, null));
        }
        if (policy == SyncPolicy.ALWAYS) {
            Map<RoomFile, Throwable> failed = syncDirty();
            for (Map.Entry<RoomFile, Throwable> f : failed.entrySet()) {
                List<Op> ops = byRoom.get(f.getKey());
                if (ops != null) {
                    for (Op op : ops) {
                        if (op.error == null) {
                            op.error = f.getValue();
                        }
                    }
                }
            }
        }
        for (Op op : appends) {
            if (op.error == null) {
                op.future.complete(null);
            } else {
                op.future.completeExceptionally(op.error);
            }
        }
    }

    /** Under flock: one gathering write per room. */
    private void writeGroups(List<Op> appends, Map<RoomFile, List<Op>> byRoom, List<String> toCompact) {
        for (Op op : appends) {
            RoomFile rf = files.computeIfAbsent(op.room, this::newRoomFile);
            byRoom.computeIfAbsent(rf, k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<RoomFile, List<Op>> e : byRoom.entrySet()) {
            RoomFile rf = e.getKey();
            List<Op> ops = e.getValue();
            ByteBuffer[] bufs = new ByteBuffer[ops.size()];
            for (int i = 0; i < bufs.length; i++) {
                bufs[i] = ops.get(i).frame;
            }
            try {
                // the writer is running, so WAKE_WRITER needs no action here
                if ((writeRecords(rf, bufs, ops.get(ops.size() - 1).seq) & COMPACTION_DUE) != 0) {
                    toCompact.add(rf.room);
                }
            } catch (IOException | RuntimeException ex) {
                for (Op op : ops) {
                    op.error = ex;
                }
            }
        }
    }

    /** Under flock; returns true when this starts a new unsynced period (the writer must be told). */
    private boolean markDirty(RoomFile rf) {
        dirty.add(rf);
        if (!unsynced) {
            unsyncedSinceNanos = System.nanoTime();
            unsynced = true;
            return true;
        }
        return false;
    }

    /**
     * Writer thread: fdatasyncs every dirty file, then forces and closes the retired channels; returns the
     * files whose sync failed. The lists are taken under flock, the fsyncs run outside it, so appends go on
     * meanwhile; a channel being forced is marked ({@link RoomFile#syncing}) so that an appender's
     * {@link #abandonChannel} retires it instead of closing it under the force.
     */
    private Map<RoomFile, Throwable> syncDirty() {
        Map<RoomFile, Throwable> failed = Map.of();
        List<RoomFile> rooms;
        List<Retired> toClose;
        boolean wasUnsynced;
        long since;
        boolean dirSync;
        flock.lock();
        try {
            if (!unsynced && dirty.isEmpty() && !dirSyncPending && retired.isEmpty()) {
                return failed;
            }
            rooms = new ArrayList<>(dirty.size());
            for (RoomFile rf : dirty) {
                if (rf.ch != null) {
                    rooms.add(rf);
                    rf.syncing = rf.ch;
                }
            }
            dirty.clear();
            toClose = retired.isEmpty() ? List.of() : new ArrayList<>(retired);
            retired.clear();
            wasUnsynced = unsynced;
            since = unsyncedSinceNanos;
            unsynced = false;
            dirSync = dirSyncPending;
            dirSyncPending = false;
        } finally {
            flock.unlock();
        }
        try {
            if (dirSync) {
                fsyncDir(); // files created by appenders since the last round
            }
            for (int i = 0; i < rooms.size(); i++) {
                RoomFile rf = rooms.get(i);
                FileChannel ch = rf.syncing; // set above by this thread, the only one that sets it
                try {
                    ch.force(false);
                    syncCount.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    log.error("fsync of {} failed; its recent records may not be durable", rf.path, e);
                    if (failed.isEmpty()) {
                        failed = new HashMap<>();
                    }
                    failed.put(rf, e);
                    flock.lock();
                    try {
                        rf.syncing = null; // this force is over: abandoning may close the channel
                        if (rf.ch == ch) {
                            abandonChannel(rf);
                        }
                    } finally {
                        flock.unlock();
                    }
                }
            }
        } finally {
            if (!rooms.isEmpty()) {
                flock.lock();
                try {
                    for (RoomFile rf : rooms) {
                        rf.syncing = null;
                    }
                } finally {
                    flock.unlock();
                }
            }
        }
        // Channels abandoned with writes not yet fsynced (acknowledged BATCHED records): sync, then close.
        // Nobody else uses them any more, so this needs no lock.
        for (Retired r : toClose) {
            try {
                r.ch().force(false);
                syncCount.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                log.error("fsync of {} (dropped after a failure) failed; its recent records may not be durable",
                        r.path(), e);
            }
            close(r.ch(), r.path(), false);
        }
        if (wasUnsynced) {
            long lag = System.nanoTime() - since;
            if (lag > maxSyncLagNanos) {
                maxSyncLagNanos = lag;
            }
            LongConsumer l = syncListener;
            if (l != null) {
                try {
                    l.accept(lag);
                } catch (RuntimeException e) {
                    log.warn("sync listener failed", e);
                }
            }
        }
        return failed;
    }

    /**
     * Under flock: opens the room's file for appending, creating it with a header, or re-validating it after
     * a failure. A new file is fsynced (with its directory) here for ALWAYS, and by the next sync round for
     * BATCHED, whose appends run on event loops.
     */
    private void ensureOpen(RoomFile rf) throws IOException {
        if (rf.ch != null) {
            return;
        }
        if (rf.needsRecovery && Files.exists(rf.path)) {
            JournalFormat.Scan s = JournalFormat.scan(rf.path, rf.room, false);
            if (s.headerState != JournalFormat.HeaderState.OK) {
                throw new IOException("journal file " + rf.path + " unreadable after an earlier failure: " + s.problem);
            }
            if (s.problem != null) {
                truncateTail(rf.path, s);
            }
            rf.exists = true;
            rf.size = s.goodEnd;
            rf.count = s.count;
            rf.lastSeq = Math.max(rf.lastSeq, s.lastSeq());
        } else if (rf.needsRecovery) {
            rf.exists = false;
        }
        if (!rf.exists) {
            FileChannel ch = FileChannel.open(rf.path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                writeFully(ch, JournalFormat.header(rf.lastSeq));
                if (policy == SyncPolicy.ALWAYS) {
                    ch.force(true);
                    fsyncDir();
                } else {
                    dirSyncPending = true;
                }
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            rf.ch = ch;
            rf.exists = true;
            rf.size = JournalFormat.HEADER_SIZE;
            rf.count = 0;
        } else {
            FileChannel ch = FileChannel.open(rf.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                long actual = ch.size();
                if (actual != rf.size) {
                    log.warn("Journal file {} is {} bytes, expected {}; truncating to the last known valid frame",
                            rf.path, actual, rf.size);
                    if (actual > rf.size) {
                        ch.truncate(rf.size);
                    } else {
                        throw new IOException("journal file " + rf.path + " shrank from " + rf.size + " to " + actual);
                    }
                }
                ch.position(rf.size);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            rf.ch = ch;
        }
        rf.needsRecovery = false;
    }

    /**
     * Under flock, after a failed write or fsync: drop the channel; the next append re-validates the file
     * first. If the channel still holds writes that no fsync has covered (the room was dirty: acknowledged
     * BATCHED records), or the writer is fsyncing it right now, it is not closed here but retired: the next
     * sync round forces and closes it. {@link #unsynced} stays (or is) set, so that round comes within
     * maxSyncDelay.
     */
    private void abandonChannel(RoomFile rf) {
        boolean wasDirty = dirty.remove(rf);
        rf.generation++;
        FileChannel ch = rf.ch;
        if (ch != null) {
            rf.ch = null;
            if (wasDirty || rf.syncing == ch) {
                retired.add(new Retired(rf.path, ch));
                if (!unsynced) {
                    // Only when not dirty, i.e. the writer is in syncDirty (forcing ch): it will see this
                    // when it next waits, no wake-up needed.
                    unsyncedSinceNanos = System.nanoTime();
                    unsynced = true;
                }
            } else {
                close(ch, rf.path, false);
            }
        }
        rf.needsRecovery = true;
    }

    // ----------------------------------------------------------------------------- compaction

    /**
     * Writer thread. Reads the file up to its size at the start, without the lock; appends go on meanwhile
     * and are carried over by {@link #rewrite}. Returns true if the file was rewritten.
     */
    private boolean compactRoom(RoomFile rf) throws IOException {
        long size0;
        long count0;
        long gen0;
        long floor;
        flock.lock();
        try {
            if (!rf.exists) {
                return false;
            }
            size0 = rf.size;
            count0 = rf.count;
            gen0 = rf.generation;
            floor = rf.lastSeq;
        } finally {
            flock.unlock();
        }
        if (!Files.exists(rf.path)) {
            return false;
        }
        JournalFormat.Scan s = JournalFormat.scan(rf.path, rf.room, true, size0);
        if (s.headerState != JournalFormat.HeaderState.OK || s.problem != null) {
            throw new IOException("journal file " + rf.path + " is not fully readable (" + s.problem
                    + "); not compacting it");
        }
        List<JournalRecord> keep = retention.apply(s.records, clock.millis());
        if (keep.size() == s.records.size()) {
            flock.lock();
            try {
                rf.compactRetryAt = rf.count + retention.maxMessages(); // nothing to drop yet
            } finally {
                flock.unlock();
            }
            return false;
        }
        if (rewrite(rf, keep, floor, size0, count0, gen0)) {
            log.debug("Compacted {}: kept {} of {} records", rf.path, keep.size(), s.records.size());
            return true;
        }
        return false;
    }

    /**
     * Replaces the room file by one holding only {@code keep} plus whatever was appended after
     * {@code size0}: temp file, fsync, then under flock copy the new tail, atomic rename and switch the
     * appenders to the new file; fsync dir. The tail copied under the lock is fsynced by the next sync
     * round, like any other BATCHED write. Returns false (and leaves the file alone) if the file was
     * replaced or re-validated meanwhile.
     */
    private boolean rewrite(RoomFile rf, List<JournalRecord> keep, long floor, long size0, long count0, long gen0)
            throws IOException {
        Path tmp = rf.path.resolveSibling(rf.room + TMP_SUFFIX);
        FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean swapped = false;
        try {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
            os.write(JournalFormat.header(floor).array());
            for (JournalRecord r : keep) {
                os.write(JournalFormat.frame(r.seq(), r.tsMillis(), r.payload()).array());
            }
            os.flush();
            out.force(true);
            flock.lock();
            try {
                if (rf.generation != gen0 || rf.size < size0) {
                    return false;
                }
                long tail = rf.size - size0;
                long tailCount = rf.count - count0;
                if (tail > 0) {
                    long copied = copyRange(rf.ch, size0, rf.size, out);
                    if (copied != tail) {
                        throw new IOException("journal file " + rf.path + " ended early: copied " + copied + " of the "
                                + tail + " bytes appended during compaction");
                    }
                    carriedOver.addAndGet(tailCount);
                }
                Files.move(tmp, rf.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                swapped = true;
                // The old inode is gone; its channel (and any unsynced bytes in it) no longer matter. The
                // writer runs this, so no fsync of that channel is under way.
                if (rf.ch != null) {
                    close(rf.ch, rf.path, false);
                }
                dirty.remove(rf);
                rf.ch = out; // positioned at its end: appends continue in the new file
                rf.exists = true;
                rf.needsRecovery = false;
                rf.size = out.position();
                rf.count = keep.size() + tailCount;
                rf.generation++;
                if (tail > 0) {
                    markDirty(rf);
                }
            } finally {
                flock.unlock();
            }
        } finally {
            if (!swapped) {
                close(out, tmp, false);
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
        fsyncDir();
        return true;
    }

    // ----------------------------------------------------------------------------- helpers

    /** Closes {@code ch}; a failure is logged, as a warning when {@code warn} (at shutdown), else at debug. */
    private static void close(FileChannel ch, Path path, boolean warn) {
        try {
            ch.close();
        } catch (IOException e) {
            if (warn) {
                log.warn("closing {} failed", path, e);
            } else {
                log.debug("closing {}", path, e);
            }
        }
    }

    /**
     * Copies bytes {@code [from, end)} of {@code src} to {@code dst} at its position; stops early if
     * {@code src} is shorter. Returns the number of bytes copied.
     */
    private static long copyRange(FileChannel src, long from, long end, FileChannel dst) throws IOException {
        long pos = from;
        while (pos < end) {
            long n = src.transferTo(pos, end - pos, dst);
            if (n <= 0) {
                break;
            }
            pos += n;
        }
        return pos - from;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Makes file creations and renames in the directory durable (Linux; a no-op where unsupported). */
    private void fsyncDir() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            log.debug("directory fsync of {} not supported here", dir, e);
        }
    }

    /** Writer thread at close (or open, on failure): closes every file. Appends are refused by then. */
    private void closeFiles() {
        flock.lock();
        try {
            for (RoomFile rf : files.values()) {
                if (rf.ch != null) {
                    close(rf.ch, rf.path, true);
                    rf.ch = null;
                }
            }
            for (Retired r : retired) { // only left here if the last sync round did not run
                close(r.ch(), r.path(), true);
            }
            retired.clear();
        } finally {
            flock.unlock();
        }
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

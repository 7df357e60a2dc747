package parley.cluster;

import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.ChatEvent;
import parley.journal.EventJournal;

/**
 * Keeps a clustered node's own history journal ({@code --data-dir}) a copy of the whole cluster's
 * history, so that a full stop and start of the cluster keeps it:
 *
 * <ul>
 *   <li>{@link #seed} (at start, before the node serves anyone): for each room in this node's
 *       journal, if the cluster knows less of the room than the journal (nothing, after a full
 *       restart, or an older seq), the journaled events after the cluster's last seq are put in,
 *       and the room's counter continues from the journal's last seq. The node with the newest
 *       journal thereby wins, whatever order the nodes start in.
 *   <li>{@link #start}: every {@link #INTERVAL} it reads the events after what it has journaled
 *       ({@link ClusterHistory.Follow}) and appends them in seq order, whichever node sequenced
 *       them: the rooms it knows every time, every room (finding new ones) every {@link
 *       #DISCOVERY}. A node that (re)joins a running cluster catches up the same way.
 *   <li>{@link #close} (graceful stop, after the listeners closed and before leaving the cluster):
 *       a last catch-up and an fsync.
 * </ul>
 *
 * <p>If the cluster ever knows less of a room than this node journaled (two nodes lost at once, or
 * a merge after a split brain that kept the other side's history), the room's counter is moved up
 * to what this node journaled, so that no seq is given to two different events.
 *
 * <p>Durability across the loss of one node comes from the cluster's backups; the journal only
 * matters when every node stops. A kill -9 of every node at once loses what was said in the last
 * {@link #INTERVAL} (in a room created in the last {@link #DISCOVERY}, since it was created), plus
 * the fsync delay; a graceful stop loses nothing.
 */
public final class JournalMirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalMirror.class);
  public static final Duration INTERVAL = Duration.ofMillis(200);

  /**
   * How often the whole map is read to find rooms this node has not journaled yet; in between, only
   * the known rooms' entries are read (a call over every partition each 200 ms delays the
   * partitions' other work).
   */
  public static final Duration DISCOVERY = Duration.ofSeconds(2);

  private final IMap<String, ClusterHistory> history;
  private final EventJournal journal;
  private final int retain;

  /** Per room, the highest seq this node has journaled (or found already journaled). */
  private final Map<String, Long> journaled = new ConcurrentHashMap<>();

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "parley-cluster-journal");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean closed;
  private long discoveredAt;

  public JournalMirror(ClusteredChatStore store, EventJournal journal) {
    this.history = store.historyMap();
    this.journal = journal;
    this.retain = store.retain();
  }

  /**
   * Puts the journal's history into the cluster where the cluster has less. Blocking.
   *
   * @param loaded the journal's retained events per room, as {@link EventJournal#load()} gives them
   * @return how many rooms the cluster took from this journal
   */
  public int seed(Map<String, List<ChatEvent>> loaded) {
    int seeded = 0;
    for (Map.Entry<String, List<ChatEvent>> room : loaded.entrySet()) {
      List<ClusterHistory.Entry> entries = new ArrayList<>(room.getValue().size());
      List<String> topics = new ArrayList<>(room.getValue().size());
      for (ChatEvent e : room.getValue()) {
        entries.add(new ClusterHistory.Entry(e.seq(), ClusteredChatStore.json(e)));
        topics.add(ClusteredChatStore.topicSet(e));
      }
      long mine =
          Math.max(
              journal.lastSeq(room.getKey()),
              entries.isEmpty() ? 0 : entries.get(entries.size() - 1).seq());
      journaled.put(room.getKey(), mine);
      long before = history.executeOnKey(room.getKey(), ClusterHistory.Read.last(0)).lastSeq();
      if (before < mine) {
        long after =
            history.executeOnKey(
                room.getKey(), new ClusterHistory.Seed(entries, topics, mine, retain));
        LOG.info(
            "history of #{}: the cluster had seq {}, this node's journal {}; now {}",
            room.getKey(),
            before,
            mine,
            after);
        seeded++;
      }
    }
    return seeded;
  }

  /** Starts following the cluster's history into the journal, with a first catch-up at once. */
  public void start() {
    timer.scheduleWithFixedDelay(
        this::followQuietly, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void followQuietly() {
    if (closed) {
      return;
    }
    try {
      followQuick();
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("could not copy the cluster's history to this node's journal: {}", e.toString());
      }
    }
  }

  /**
   * One catch-up: journals every room's events after what this node has. Returns how many it
   * journaled.
   */
  int followAll() {
    return follow(true);
  }

  private int followQuick() {
    long now = System.nanoTime();
    boolean all = journaled.isEmpty() || now - discoveredAt > DISCOVERY.toNanos();
    return follow(all);
  }

  private synchronized int follow(boolean discover) {
    int written = 0;
    if (!journaled.isEmpty()) {
      written +=
          journal(
              history
                  .submitToKeys(new java.util.HashSet<>(journaled.keySet()), followOp())
                  .toCompletableFuture()
                  .join());
    }
    if (discover) {
      discoveredAt = System.nanoTime();
      written += journal(history.executeOnEntries(followOp()));
    }
    return written;
  }

  private ClusterHistory.Follow followOp() {
    return new ClusterHistory.Follow(new HashMap<>(journaled), retain);
  }

  /** Journals what a Follow read brought, room by room in seq order. */
  private int journal(Map<String, ClusterHistory.Slice> news) {
    int written = 0;
    for (Map.Entry<String, ClusterHistory.Slice> room : news.entrySet()) {
      ClusterHistory.Slice slice = room.getValue();
      if (slice == null) {
        continue;
      }
      String name = room.getKey();
      long mine = journaled.getOrDefault(name, 0L);
      if (slice.lastSeq() < mine) {
        // the cluster lost this room's state (two nodes lost at once, or a split-brain merge that
        // kept the other side's): its counter continues after what this node has journaled, so no
        // seq is given twice
        long now =
            history.executeOnKey(name, new ClusterHistory.Seed(List.of(), List.of(), mine, retain));
        LOG.warn(
            "history of #{}: the cluster had seq {}, less than this node journaled ({}); it continues "
                + "from {}",
            name,
            slice.lastSeq(),
            mine,
            now);
        continue;
      }
      long last = journal.lastSeq(name);
      for (ClusterHistory.Entry e : slice.events()) {
        if (e.seq() > last) {
          ChatEvent event = ClusteredChatStore.event(e);
          journal
              .write(event)
              .exceptionally(
                  err -> {
                    LOG.warn(
                        "event {} of #{} not journaled: {}", event.seq(), name, err.toString());
                    return null;
                  });
          last = e.seq();
          written++;
        }
      }
      // the cluster has no event between the slice's last one and its lastSeq (only a Seed moves
      // the counter past it)
      journaled.merge(name, Math.max(last, slice.lastSeq()), Math::max);
    }
    return written;
  }

  /**
   * Stops following, after a last catch-up and a flush to disk. Call before this node leaves the
   * cluster.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    timer.shutdown();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
      followAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn(
          "last copy of the cluster's history to this node's journal failed: {}", e.toString());
    } finally {
      closed = true;
      journal.flush(Duration.ofSeconds(5));
    }
  }
}

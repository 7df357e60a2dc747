package parley.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The history of one room as the cluster keeps it: the value of the Hazelcast map {@code
 * parley.history}, keyed by room. It holds the room's sequence counter, its topic and the retained
 * tail of its events (each the event's JSON without seq, and its seq).
 *
 * <p>It is only ever changed by the entry processors below, which Hazelcast runs atomically on the
 * member that owns the room's partition and again on the backup member. Appending is therefore one
 * network round trip that both numbers and stores the event; processors are deterministic so that
 * the backup ends up with the same seq. The map keeps values as objects (OBJECT in-memory format),
 * so a processor changes the room in place instead of deserialising and serialising its whole
 * history.
 */
public final class ClusterHistory implements DataSerializable {
  private long lastSeq;
  private String topic;
  private ArrayDeque<Entry> events = new ArrayDeque<>();

  public ClusterHistory() {}

  /** One retained event. */
  public record Entry(long seq, String json) {}

  public long lastSeq() {
    return lastSeq;
  }

  public String topic() {
    return topic;
  }

  /** Keeps the event; {@code topicText} is the topic it sets, or null when it sets none. */
  private void add(Entry e, String topicText, int retain) {
    events.addLast(e);
    lastSeq = e.seq();
    if (topicText != null) {
      topic = topicText;
    }
    while (events.size() > retain) {
      events.removeFirst();
    }
  }

  private List<Entry> last(int count) {
    int n = Math.min(Math.max(count, 0), events.size());
    List<Entry> out = new ArrayList<>(n);
    Iterator<Entry> it = events.descendingIterator();
    for (int i = 0; i < n; i++) {
      out.add(it.next());
    }
    Collections.reverse(out);
    return out;
  }

  /**
   * The same rule as the local store: what is after {@code afterSeq}, the newest {@code max}, and
   * what's missed.
   */
  private Slice since(long afterSeq, int max) {
    long first = events.isEmpty() ? lastSeq + 1 : events.peekFirst().seq();
    long missed = Math.max(0, first - 1 - Math.max(0, afterSeq));
    int newer = 0;
    Iterator<Entry> it = events.descendingIterator();
    while (it.hasNext() && it.next().seq() > afterSeq) {
      newer++;
    }
    int n = Math.min(newer, Math.max(max, 0));
    missed += newer - n;
    return new Slice(last(n), missed, lastSeq, topic);
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(lastSeq);
    out.writeString(topic);
    writeEntries(out, events);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    lastSeq = in.readLong();
    topic = in.readString();
    events = new ArrayDeque<>(readEntries(in));
  }

  static void writeEntries(ObjectDataOutput out, java.util.Collection<Entry> entries)
      throws IOException {
    out.writeInt(entries.size());
    for (Entry e : entries) {
      out.writeLong(e.seq());
      out.writeString(e.json());
    }
  }

  static List<Entry> readEntries(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    List<Entry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Entry(in.readLong(), in.readString()));
    }
    return out;
  }

  /**
   * What a read returns: some events, how many asked-for ones are gone, and the room's seq and
   * topic.
   */
  public static final class Slice implements DataSerializable {
    private List<Entry> events;
    private long missed;
    private long lastSeq;
    private String topic;

    public Slice() {}

    Slice(List<Entry> events, long missed, long lastSeq, String topic) {
      this.events = events;
      this.missed = missed;
      this.lastSeq = lastSeq;
      this.topic = topic;
    }

    static final Slice EMPTY = new Slice(List.of(), 0, 0, null);

    public List<Entry> events() {
      return events;
    }

    public long missed() {
      return missed;
    }

    public long lastSeq() {
      return lastSeq;
    }

    public String topic() {
      return topic;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      writeEntries(out, events);
      out.writeLong(missed);
      out.writeLong(lastSeq);
      out.writeString(topic);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      events = readEntries(in);
      missed = in.readLong();
      lastSeq = in.readLong();
      topic = in.readString();
    }
  }

  private static ClusterHistory valueOf(Map.Entry<String, ClusterHistory> entry) {
    ClusterHistory h = entry.getValue();
    return h == null ? new ClusterHistory() : h;
  }

  /** Numbers the event with the room's next seq and keeps it; returns the seq. */
  public static final class Append
      implements EntryProcessor<String, ClusterHistory, Long>, DataSerializable {
    private String json;
    private String topicText;
    private int retain;

    public Append() {}

    /**
     * @param topicText the topic the event sets, or null
     */
    public Append(String json, String topicText, int retain) {
      this.json = json;
      this.topicText = topicText;
      this.retain = retain;
    }

    @Override
    public Long process(Map.Entry<String, ClusterHistory> entry) {
      ClusterHistory h = valueOf(entry);
      long seq = h.lastSeq + 1;
      h.add(new Entry(seq, json), topicText, retain);
      entry.setValue(h);
      return seq;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(json);
      out.writeString(topicText);
      out.writeInt(retain);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      json = in.readString();
      topicText = in.readString();
      retain = in.readInt();
    }
  }

  /**
   * Puts a node's journaled history into the cluster when the cluster has less of the room: the
   * events after the cluster's last seq are added and the counter moves on to the journal's last
   * seq. Returns the room's last seq afterwards.
   */
  public static final class Seed
      implements EntryProcessor<String, ClusterHistory, Long>, DataSerializable {
    private List<Entry> entries;
    private List<String> topics;
    private long journalLastSeq;
    private int retain;

    public Seed() {}

    /**
     * @param topics for each entry, the topic it sets, or null
     */
    public Seed(List<Entry> entries, List<String> topics, long journalLastSeq, int retain) {
      this.entries = entries;
      this.topics = topics;
      this.journalLastSeq = journalLastSeq;
      this.retain = retain;
    }

    @Override
    public Long process(Map.Entry<String, ClusterHistory> entry) {
      ClusterHistory h = valueOf(entry);
      if (h.lastSeq >= journalLastSeq) {
        return h.lastSeq;
      }
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        if (e.seq() > h.lastSeq) {
          h.add(e, topics.get(i), retain);
        }
      }
      h.lastSeq = Math.max(h.lastSeq, journalLastSeq);
      entry.setValue(h);
      return h.lastSeq;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      writeEntries(out, entries);
      out.writeStringArray(topics.toArray(new String[0]));
      out.writeLong(journalLastSeq);
      out.writeInt(retain);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      entries = readEntries(in);
      topics = Arrays.asList(in.readStringArray());
      journalLastSeq = in.readLong();
      retain = in.readInt();
    }
  }

  /**
   * Reads a room: its last {@code count} events, or those after {@code afterSeq} (at most {@code
   * max}).
   */
  public static final class Read
      implements EntryProcessor<String, ClusterHistory, Slice>, DataSerializable, ReadOnly {
    private boolean since;
    private long afterSeq;
    private int max;

    public Read() {}

    /** The last {@code count} events. */
    public static Read last(int count) {
      Read r = new Read();
      r.max = count;
      return r;
    }

    /** Events after {@code afterSeq}, the newest {@code max} of them. */
    public static Read since(long afterSeq, int max) {
      Read r = new Read();
      r.since = true;
      r.afterSeq = afterSeq;
      r.max = max;
      return r;
    }

    @Override
    public Slice process(Map.Entry<String, ClusterHistory> entry) {
      ClusterHistory h = entry.getValue();
      if (h == null) {
        return Slice.EMPTY;
      }
      return since ? h.since(afterSeq, max) : new Slice(h.last(max), 0, h.lastSeq, h.topic);
    }

    @Override
    public EntryProcessor<String, ClusterHistory, Slice> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeBoolean(since);
      out.writeLong(afterSeq);
      out.writeInt(max);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      since = in.readBoolean();
      afterSeq = in.readLong();
      max = in.readInt();
    }
  }

  /**
   * For every room, what came after the seq a node has journaled ({@code 0} for rooms it does not
   * know yet); null for rooms with nothing new; a slice with a lower last seq than the node has
   * journaled when the cluster has less of the room than the node (it lost it). Used with
   * executeOnEntries (every room) and submitToKeys.
   */
  public static final class Follow
      implements EntryProcessor<String, ClusterHistory, Slice>, DataSerializable, ReadOnly {
    private Map<String, Long> journaled;
    private int max;

    public Follow() {}

    public Follow(Map<String, Long> journaled, int max) {
      this.journaled = journaled;
      this.max = max;
    }

    @Override
    public Slice process(Map.Entry<String, ClusterHistory> entry) {
      ClusterHistory h = entry.getValue();
      long after = journaled.getOrDefault(entry.getKey(), 0L);
      if (h == null) {
        // the cluster has lost a room this node has journaled (see JournalMirror)
        return after > 0 ? Slice.EMPTY : null;
      }
      if (h.lastSeq <= after) {
        return h.lastSeq < after ? new Slice(List.of(), 0, h.lastSeq, h.topic) : null;
      }
      return h.since(after, max);
    }

    @Override
    public EntryProcessor<String, ClusterHistory, Slice> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(journaled.size());
      for (Map.Entry<String, Long> e : journaled.entrySet()) {
        out.writeString(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeInt(max);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int n = in.readInt();
      journaled = new java.util.HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        journaled.put(in.readString(), in.readLong());
      }
      max = in.readInt();
    }
  }
}

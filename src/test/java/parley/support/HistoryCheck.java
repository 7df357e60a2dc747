package parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks a node's retained history against what clients were acknowledged. A fresh WebSocket user
 * on the node asks {@code /history N} (N = the retention, so everything retained) in every room and
 * the history is checked:
 *
 * <ul>
 *   <li><b>missing</b>: an acknowledged (room, seq) is not there;
 *   <li><b>changed</b>: it is there with another text;
 *   <li><b>duplicates</b>: a seq appears twice with different texts, or a text under two seqs;
 *   <li><b>gaps</b>: seqs are not dense (1, 2, 3, ...: every kept event takes the next seq).
 * </ul>
 *
 * Also {@link #ackConflicts}: a (room, seq) acknowledged to two clients with different texts, or a
 * text acknowledged under two seqs.
 */
public final class HistoryCheck {
  /** Everything retained: {@code history.retain}'s default. */
  public static final int ALL = 10_000;

  private static final AtomicInteger READERS = new AtomicInteger();

  /**
   * The result for one node and room. {@code damage}: the keys (room and what) of every duplicate
   * and gap in the history, known ones included.
   */
  public record Report(
      int node,
      String room,
      String epoch,
      int messages,
      long firstSeq,
      long lastSeq,
      int acked,
      int present,
      int missing,
      int changed,
      int duplicates,
      int gaps,
      int wrongEpoch,
      List<String> examples,
      List<String> damage) {
    public boolean ok() {
      return missing == 0 && changed == 0 && duplicates == 0 && gaps == 0 && wrongEpoch == 0;
    }

    @Override
    public String toString() {
      return "node "
          + node
          + " #"
          + room
          + ": messages="
          + messages
          + " seqs="
          + firstSeq
          + ".."
          + lastSeq
          + " acked="
          + acked
          + " present="
          + present
          + " missing="
          + missing
          + " changed="
          + changed
          + " duplicates="
          + duplicates
          + " gaps="
          + gaps
          + " wrongEpoch="
          + wrongEpoch
          + (examples.isEmpty() ? "" : " e.g. " + examples);
    }
  }

  private HistoryCheck() {}

  /**
   * Everything node {@code i} retains of each room, read by a new user there (the node must accept
   * logins: it is in a majority). Returns the {@code history} frames by room.
   */
  public static Map<String, JsonObject> fetch(
      Vertx vertx, NetCluster cluster, int i, List<String> rooms) throws Exception {
    String nick = "rd" + i + "x" + READERS.incrementAndGet();
    Map<String, JsonObject> byRoom = new LinkedHashMap<>();
    try (WsClient c =
        WsClient.login(
            vertx, ChatLoad.CLIENT_OPTIONS, cluster.address(i), NetCluster.HTTP_PORT, nick)) {
      for (String room : rooms) {
        c.send(
            new JsonObject()
                .put("type", "say")
                .put("text", "/join #" + room)
                .put("id", "join-" + room));
        // joined; or a notice when already in it (the default room)
        JsonObject j = c.expect(f -> ("join-" + room).equals(f.getString("id")), "joined #" + room);
        if ("error".equals(j.getString("type"))) {
          throw new AssertionError("node " + i + ": /join #" + room + " refused: " + j);
        }
        c.send(
            new JsonObject()
                .put("type", "say")
                .put("room", room)
                .put("text", "/history " + ALL)
                .put("id", "history-" + room));
        JsonObject h =
            c.expect(
                f ->
                    "history-".concat(room).equals(f.getString("id"))
                        && ("history".equals(f.getString("type"))
                            || "error".equals(f.getString("type"))),
                "the history of #" + room);
        if (!"history".equals(h.getString("type"))) {
          throw new AssertionError("node " + i + ": /history in #" + room + " refused: " + h);
        }
        byRoom.put(room, h);
      }
    }
    return byRoom;
  }

  /** Checks one room's {@code history} frame against the acks. */
  public static Report check(
      int node, String room, JsonObject history, Collection<ChatLoad.Ack> acks) {
    return check(node, room, history, acks, Set.of());
  }

  /**
   * Checks one room's {@code history} frame against the acks. Duplicates and gaps whose key is in
   * {@code known} (found earlier, see {@link Report#damage}) are not counted again: they stay in
   * the history for good, and a later check should tell only what is new.
   */
  public static Report check(
      int node, String room, JsonObject history, Collection<ChatLoad.Ack> acks, Set<String> known) {
    List<String> damage = new ArrayList<>();
    String epoch = history.getString("epoch");
    JsonArray messages = history.getJsonArray("messages", new JsonArray());
    Map<Long, String> bySeq = new HashMap<>();
    Map<String, Long> byText = new HashMap<>();
    List<String> examples = new ArrayList<>();
    int duplicates = 0;
    int gaps = 0;
    long first = -1;
    long last = -1;
    long prev = -1;
    for (Object o : messages) {
      JsonObject m = (JsonObject) o;
      Long seq = m.getLong("seq");
      String text = m.getString("text");
      if (seq == null) {
        continue;
      }
      if (first < 0) {
        first = seq;
      }
      last = Math.max(last, seq);
      if (prev >= 0 && seq != prev + 1) {
        if (found(damage, known, "gap after " + prev)) {
          gaps++;
          example(examples, "after " + prev + " comes " + seq);
        }
      }
      prev = seq;
      String before = bySeq.putIfAbsent(seq, text);
      if (before != null && !before.equals(text)) {
        if (found(damage, known, "seq " + seq)) {
          duplicates++;
          example(examples, "seq " + seq + " is \"" + before + "\" and \"" + text + "\"");
        }
      }
      if (text != null && "message".equals(m.getString("type", "message"))) {
        Long other = byText.putIfAbsent(text, seq);
        if (other != null && other.longValue() != seq) {
          if (found(damage, known, "text " + text)) {
            duplicates++;
            example(examples, "\"" + text + "\" under seq " + other + " and " + seq);
          }
        }
      }
    }
    if (first > 1 && messages.size() < ALL) {
      gaps++;
      example(examples, "starts at seq " + first + ", not 1");
    }
    int acked = 0;
    int present = 0;
    int missing = 0;
    int changed = 0;
    int wrongEpoch = 0;
    for (ChatLoad.Ack a : acks) {
      if (!a.room().equals(room)) {
        continue;
      }
      acked++;
      if (a.epoch() != null && !a.epoch().equals(epoch)) {
        wrongEpoch++;
        example(examples, a + " acked in epoch " + a.epoch() + ", history is " + epoch);
      }
      String text = bySeq.get(a.seq());
      if (text == null) {
        missing++;
        example(examples, "missing " + a.seq() + " \"" + a.text() + "\"");
      } else if (!text.equals(a.text())) {
        changed++;
        example(examples, "seq " + a.seq() + " acked \"" + a.text() + "\", is \"" + text + "\"");
      } else {
        present++;
      }
    }
    return new Report(
        node,
        room,
        epoch,
        messages.size(),
        first,
        last,
        acked,
        present,
        missing,
        changed,
        duplicates,
        gaps,
        wrongEpoch,
        examples,
        damage.stream().map(d -> room + " " + d).toList());
  }

  /** Notes a defect by key; true if it is not a known one. */
  private static boolean found(List<String> damage, Set<String> known, String key) {
    damage.add(key);
    return !known.contains(key);
  }

  /** (room, seq) acknowledged with two texts, or a text acknowledged under two seqs. */
  public static List<String> ackConflicts(Collection<ChatLoad.Ack> acks) {
    Map<String, ChatLoad.Ack> bySeq = new HashMap<>();
    Map<String, ChatLoad.Ack> byText = new HashMap<>();
    List<String> conflicts = new ArrayList<>();
    for (ChatLoad.Ack a : acks) {
      ChatLoad.Ack b = bySeq.putIfAbsent(a.room() + "#" + a.seq(), a);
      if (b != null && !b.text().equals(a.text())) {
        conflicts.add("(" + a.room() + ", " + a.seq() + ") acked as " + a + " and " + b);
      }
      ChatLoad.Ack c = byText.putIfAbsent(a.room() + " " + a.text(), a);
      if (c != null && c.seq() != a.seq()) {
        conflicts.add("\"" + a.text() + "\" acked under seq " + a.seq() + " and " + c.seq());
      }
    }
    return conflicts;
  }

  private static void example(List<String> examples, String what) {
    if (examples.size() < 5) {
      examples.add(what);
    }
  }
}

package parley.wire;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;

/**
 * The one JSON form of an event: what WebSocket clients receive, what crosses the cluster, and what
 * the history journal stores. See docs/PROTOCOL.md.
 */
public final class EventJson {
  private EventJson() {}

  public static JsonObject toJson(ChatEvent e) {
    JsonObject j = new JsonObject();
    switch (e.type()) {
      case MESSAGE, ACTION -> j.put("type", "message");
      case TOPIC -> j.put("type", "topic");
      case JOIN -> j.put("type", "join");
      case LEAVE -> j.put("type", "leave");
      case SUMMARY -> j.put("type", "summary");
      case NICK -> j.put("type", "nick");
      case PRIVATE -> j.put("type", "private");
      case NOTICE -> j.put("type", "notice");
    }
    if (e.room() != null) {
      j.put("room", e.room());
    }
    if (e.seq() > 0) {
      j.put("seq", e.seq());
    }
    j.put("ts", e.ts().toString());
    if (e.nick() != null) {
      j.put("nick", e.nick());
    }
    if (e.via() != null) {
      j.put("via", e.via());
    }
    if (e.type() == Type.ACTION) {
      j.put("action", true);
    }
    if (e.text() != null) {
      j.put(e.type() == Type.LEAVE ? "reason" : "text", e.text());
    }
    if (e.target() != null) {
      j.put(e.type() == Type.NICK ? "old" : "to", e.target());
    }
    return j;
  }

  public static ChatEvent fromJson(JsonObject j) {
    String t = j.getString("type");
    Type type =
        switch (t) {
          case "message" -> j.getBoolean("action", false) ? Type.ACTION : Type.MESSAGE;
          case "topic" -> Type.TOPIC;
          case "join" -> Type.JOIN;
          case "leave" -> Type.LEAVE;
          case "summary" -> Type.SUMMARY;
          case "nick" -> Type.NICK;
          case "private" -> Type.PRIVATE;
          case "notice" -> Type.NOTICE;
          default -> throw new IllegalArgumentException("unknown event type " + t);
        };
    String text = type == Type.LEAVE ? j.getString("reason") : j.getString("text");
    String target = type == Type.NICK ? j.getString("old") : j.getString("to");
    return new ChatEvent(
        type,
        j.getString("room"),
        j.getLong("seq", 0L),
        Instant.parse(j.getString("ts")),
        j.getString("nick"),
        j.getString("via"),
        text,
        target);
  }
}

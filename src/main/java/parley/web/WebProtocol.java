package parley.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import parley.chat.ChatEvent;
import parley.chat.ErrorCode;
import parley.chat.OfflineMessage;
import parley.chat.Reply;
import parley.chat.Role;
import parley.chat.UserRecord;
import parley.room.Encoding;
import parley.wire.EventJson;

/**
 * The JSON side of the browser protocol (docs/PROTOCOL.md): events and replies as JSON objects, and
 * as ready-to-send WebSocket text frames. A room event's frame is built once and shared by every
 * browser.
 */
public final class WebProtocol {

  /** The whole WebSocket frame (header and JSON payload) of a room event. */
  public static final Encoding<byte[]> FRAME =
      new Encoding<>() {
        @Override
        protected byte[] encode(ChatEvent e) {
          return textFrame(EventJson.toJson(e).toBuffer().getBytes());
        }
      };

  private WebProtocol() {}

  /**
   * An unmasked, final WebSocket text frame (RFC 6455 section 5.2), as a server sends it. Server
   * frames carry no mask, so the same bytes serve every recipient.
   */
  public static byte[] textFrame(byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
    byte[] f = new byte[header + n];
    f[0] = (byte) 0x81;
    if (n < 126) {
      f[1] = (byte) n;
    } else if (n <= 0xffff) {
      f[1] = 126;
      f[2] = (byte) (n >>> 8);
      f[3] = (byte) n;
    } else {
      f[1] = 127;
      for (int i = 0; i < 8; i++) {
        f[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
      }
    }
    System.arraycopy(payload, 0, f, header, n);
    return f;
  }

  /** A reply as the JSON objects sent for it (usually one). */
  public static List<JsonObject> toJson(Reply reply) {
    return reply.accept(REPLY);
  }

  /**
   * A reply to a request that carried {@code id}: the same objects, each with that {@code id}.
   *
   * @param id the request's id, or null for none
   */
  public static List<JsonObject> toJson(Reply reply, String id) {
    List<JsonObject> out = toJson(reply);
    if (id != null) {
      out.forEach(o -> o.put("id", id));
    }
    return out;
  }

  private static final Reply.Visitor<List<JsonObject>> REPLY =
      new Reply.Visitor<>() {
        @Override
        public List<JsonObject> notice(Reply.Notice n) {
          return one(
              new JsonObject().put("type", "notice").put("text", String.join("\n", n.lines())));
        }

        @Override
        public List<JsonObject> error(Reply.Error e) {
          return one(WebProtocol.error(e.errorCode(), e.message()));
        }

        @Override
        public List<JsonObject> welcome(Reply.Welcome w) {
          JsonObject json =
              new JsonObject()
                  .put("type", "welcome")
                  .put("nick", w.nick())
                  .put("node", w.node())
                  .put("motd", w.motd())
                  .put("epoch", w.epoch());
          if (w.account() != null) {
            json.put("account", w.account())
                .put("roles", new JsonArray(new ArrayList<>(w.roles())));
          }
          if (w.token() != null) {
            json.put("token", w.token());
          }
          return one(json);
        }

        @Override
        public List<JsonObject> joined(Reply.Joined j) {
          return one(
              new JsonObject()
                  .put("type", "joined")
                  .put("room", j.room())
                  .put("topic", j.topic())
                  .put("members", new JsonArray(new ArrayList<>(j.members())))
                  .put("count", j.count()));
        }

        @Override
        public List<JsonObject> left(Reply.Left l) {
          return one(new JsonObject().put("type", "left").put("room", l.room()));
        }

        @Override
        public List<JsonObject> who(Reply.Who w) {
          JsonArray users = new JsonArray();
          for (UserRecord u : w.users()) {
            JsonObject user =
                new JsonObject()
                    .put("nick", u.nick())
                    .put("via", u.via())
                    .put("transports", new JsonArray(new ArrayList<>(w.transportsOf(u))))
                    .put("node", u.node())
                    .put(
                        "idle", Math.max(0, Duration.between(u.lastActive(), w.now()).toSeconds()));
            Set<Role> roles = w.accounts().get(u.nick());
            user.put("account", roles != null);
            if (roles != null && !roles.isEmpty()) {
              JsonArray labels = new JsonArray();
              roles.forEach(role -> labels.add(role.label()));
              user.put("roles", labels);
            }
            String address = w.addresses().get(u.nick());
            if (address != null) {
              user.put("address", address);
            }
            users.add(user);
          }
          JsonObject who = new JsonObject().put("type", "who").put("users", users);
          if (w.room() != null) {
            who.put("room", w.room());
          }
          return one(who);
        }

        @Override
        public List<JsonObject> history(Reply.History h) {
          List<JsonObject> out = new ArrayList<>(2);
          if (h.missed() > 0) {
            out.add(
                new JsonObject()
                    .put("type", "missed")
                    .put("room", h.room())
                    .put("count", h.missed()));
          }
          JsonArray messages = new JsonArray();
          h.events().forEach(e -> messages.add(EventJson.toJson(e)));
          out.add(
              new JsonObject()
                  .put("type", "history")
                  .put("room", h.room())
                  .put("epoch", h.epoch())
                  .put("messages", messages));
          return out;
        }

        @Override
        public List<JsonObject> reset(Reply.Reset r) {
          return one(
              new JsonObject()
                  .put("type", "reset")
                  .put("epoch", r.epoch())
                  .put("reason", r.reason()));
        }

        @Override
        public List<JsonObject> rooms(Reply.Rooms r) {
          JsonArray rooms = new JsonArray();
          r.rooms()
              .forEach(
                  i ->
                      rooms.add(
                          new JsonObject()
                              .put("name", i.name())
                              .put("members", i.members())
                              .put("topic", i.topic())));
          return one(new JsonObject().put("type", "rooms").put("rooms", rooms));
        }

        @Override
        public List<JsonObject> offline(Reply.Offline o) {
          // the usual private event, marked: delivered late, or kept and not yet delivered
          String mark = o.queued() ? "queued" : "delayed";
          List<JsonObject> out = new ArrayList<>(o.messages().size());
          for (OfflineMessage m : o.messages()) {
            out.add(
                EventJson.toJson(
                        new ChatEvent(
                            ChatEvent.Type.PRIVATE,
                            null,
                            0,
                            m.at(),
                            m.from(),
                            m.via(),
                            m.text(),
                            o.to()))
                    .put(mark, true));
          }
          return out;
        }

        private List<JsonObject> one(JsonObject o) {
          List<JsonObject> out = new ArrayList<>(1);
          out.add(o);
          return out;
        }
      };

  public static JsonObject error(ErrorCode code, String message) {
    return new JsonObject().put("type", "error").put("code", code.code()).put("message", message);
  }
}

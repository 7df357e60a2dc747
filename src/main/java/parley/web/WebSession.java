package parley.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.ErrorCode;
import parley.chat.LoginProof;
import parley.chat.Reply;
import parley.chat.RoomName;
import parley.net.Channels;
import parley.room.BaseSession;
import parley.room.ChatService;
import parley.room.Outgoing;
import parley.room.RoomHub;

/**
 * The WebSocket adapter: JSON frames in ({@code hello}, {@code say}), JSON frames out. Outgoing
 * frames are pre-encoded bytes appended to the connection's {@link Outbox}, so a busy room costs
 * one socket write per browser per event-loop turn rather than one per message.
 */
public final class WebSession extends BaseSession {
  private static final Logger LOG = LoggerFactory.getLogger(WebSession.class);

  /** The longest request id accepted, in characters. */
  static final int MAX_ID_LENGTH = 64;

  /** The longest session token accepted in {@code hello}, in characters (tokens have 43). */
  static final int MAX_TOKEN_LENGTH = 100;

  /** The longest epoch accepted in {@code since}, in characters. */
  static final int MAX_EPOCH_LENGTH = 64;

  private static final String SINCE_FORM =
      "since must be {\"epoch\":\"<epoch from welcome>\",\"rooms\":{\"lobby\":42}}"
          + " (or the old form {\"lobby\":42})";

  private final ServerWebSocket ws;
  private final String address;
  private boolean loggingIn;

  /**
   * @param address the client's address ({@link parley.net.ClientAddress})
   */
  public WebSession(
      ChatService service, RoomHub hub, ServerWebSocket ws, String id, String address) {
    super(service, hub, id, "web");
    this.ws = ws;
    this.address = address;
  }

  public void start() {
    ws.closeHandler(v -> onClosed());
    if (!open(Channels.of(ws))) {
      return;
    }
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(
        b -> {
          heard();
          send(WebProtocol.error(ErrorCode.BINARY_NOT_SUPPORTED, "send JSON text frames"));
        });
    ws.pongHandler(b -> heard());
    ws.exceptionHandler(
        err -> {
          LOG.info("{} ({}) websocket error: {}", id(), state.nick, err.toString());
          failed(err);
        });
  }

  @Override
  protected boolean probeable() {
    return true;
  }

  /** A ping, which browsers (and every WebSocket client library) answer with a pong. */
  @Override
  protected void probe() {
    ws.writePing(Buffer.buffer());
  }

  private void onText(String text) {
    heard();
    if (closing) {
      return;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      send(
          WebProtocol.error(
              ErrorCode.BAD_JSON,
              "every frame must be a JSON object, like {\"type\":\"say\",\"text\":\"hi\"}"));
      return;
    }
    Object label = msg.getValue("id");
    if (label != null && !(label instanceof String l && l.length() <= MAX_ID_LENGTH)) {
      send(
          WebProtocol.error(
              ErrorCode.BAD_ID,
              "id must be a string of at most "
                  + MAX_ID_LENGTH
                  + " characters; the frame was ignored"));
      return;
    }
    String id = (String) label;
    Object type = msg.getValue("type");
    if ("hello".equals(type)) {
      hello(msg, id);
    } else if ("say".equals(type)) {
      say(msg, id);
    } else {
      error(
          id,
          ErrorCode.BAD_TYPE,
          "unknown frame type "
              + (type == null ? "(none)" : "\"" + type + "\"")
              + "; send hello or say");
    }
  }

  /** An error reply to the request with that id (null: none). */
  private void error(String id, ErrorCode code, String message) {
    reply(new Reply.Error(code, message), id);
  }

  private void hello(JsonObject msg, String id) {
    if (state.nick != null || loggingIn) {
      error(id, ErrorCode.ALREADY_LOGGED_IN, "you already have a nickname; use /nick to change it");
      return;
    }
    if (!(msg.getValue("nick") instanceof String nick)) {
      error(
          id,
          ErrorCode.BAD_HELLO,
          "hello needs a nick, like {\"type\":\"hello\",\"nick\":\"alice\"}");
      return;
    }
    Object pw = msg.getValue("password");
    if (pw != null && !(pw instanceof String)) {
      error(id, ErrorCode.BAD_HELLO, "a hello's password is a string");
      return;
    }
    String password = pw == null ? null : ((String) pw).strip();
    Object tk = msg.getValue("token");
    if (tk != null && !(tk instanceof String t && !t.isEmpty() && t.length() <= MAX_TOKEN_LENGTH)) {
      error(
          id,
          ErrorCode.BAD_HELLO,
          "a hello's token is the string given in welcome (at most "
              + MAX_TOKEN_LENGTH
              + " characters)");
      return;
    }
    Object reg = msg.getValue("register");
    if (reg != null && !(reg instanceof Boolean)) {
      error(id, ErrorCode.BAD_HELLO, "a hello's register is true or false");
      return;
    }
    boolean register = Boolean.TRUE.equals(reg);
    if (tk != null && (password != null || register)) {
      error(id, ErrorCode.BAD_HELLO, "a hello has a password or a token, not both");
      return;
    }
    if (register && password == null) {
      error(
          id,
          ErrorCode.BAD_HELLO,
          "register needs a password: {\"register\":true,\"password\":\"...\"}");
      return;
    }
    LoginProof proof = new LoginProof(password, (String) tk, register);
    Map<String, Long> resume = new LinkedHashMap<>();
    String epoch = null;
    Object since = msg.getValue("since");
    if (since != null) {
      if (!(since instanceof JsonObject sinceObject)) {
        error(id, ErrorCode.BAD_HELLO, SINCE_FORM);
        return;
      }
      JsonObject rooms = sinceObject;
      // the new form {"epoch":"E","rooms":{...}}; the old one maps rooms to numbers only
      if (sinceObject.getValue("epoch") instanceof String
          || sinceObject.getValue("rooms") instanceof JsonObject) {
        Object e = sinceObject.getValue("epoch");
        Object r = sinceObject.getValue("rooms");
        if (!(e instanceof String es && !es.isEmpty() && es.length() <= MAX_EPOCH_LENGTH)
            || !(r == null || r instanceof JsonObject)
            || sinceObject.size() > 2) {
          error(id, ErrorCode.BAD_HELLO, SINCE_FORM);
          return;
        }
        epoch = (String) e;
        rooms = r == null ? new JsonObject() : (JsonObject) r;
      }
      for (String key : rooms.fieldNames()) {
        String room = RoomName.normalize(key);
        Object seq = rooms.getValue(key);
        if (RoomName.problem(room, limits.roomNameLength()) != null
            || !(seq instanceof Number n)
            || n.longValue() < 0) {
          error(id, ErrorCode.BAD_HELLO, "since has a bad entry for \"" + key + "\"");
          return;
        }
        if (resume.size() < limits.maxRoomsPerSession()) {
          resume.put(room, n.longValue());
        }
      }
    }
    loggingIn = true;
    service
        .login(this, nick, proof, epoch, resume, id)
        .onComplete(
            ar -> {
              loggingIn = false;
              if (ar.failed()) {
                LOG.warn("{} login failed: {}", id(), ar.cause().toString());
                error(
                    id,
                    ErrorCode.UNAVAILABLE,
                    "the server could not check that nickname; try again");
              } else if (ar.result()) {
                loggedIn();
              }
            });
  }

  private void say(JsonObject msg, String id) {
    if (state.nick == null) {
      error(id, ErrorCode.HELLO_FIRST, "send hello with your nickname first");
      return;
    }
    if (!(msg.getValue("text") instanceof String text)) {
      error(id, ErrorCode.BAD_SAY, "say needs a text, like {\"type\":\"say\",\"text\":\"hi\"}");
      return;
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxLineBytes()) {
      error(
          id,
          ErrorCode.LINE_TOO_LONG,
          "that line was "
              + bytes
              + " bytes; the limit is "
              + limits.maxLineBytes()
              + ", so it was not sent");
      return;
    }
    if (msg.getValue("room") instanceof String room) {
      String r = RoomName.normalize(room);
      if (!state.rooms.contains(r)) {
        error(
            id,
            ErrorCode.NOT_IN_ROOM,
            "you are not in " + RoomName.display(r) + "; /join it first");
        return;
      }
      state.currentRoom = r;
    }
    service.input(this, text, id);
  }

  private void send(JsonObject json) {
    if (!closing) {
      outbox.append(WebProtocol.textFrame(json.toBuffer().getBytes()));
    }
  }

  // ---- Session ----

  @Override
  public String address() {
    return address;
  }

  @Override
  public void deliver(Outgoing out) {
    if (!closing) {
      outbox.append(out.get(WebProtocol.FRAME));
    }
  }

  @Override
  public void reply(Reply reply) {
    reply(reply, null);
  }

  @Override
  public void reply(Reply reply, String id) {
    WebProtocol.toJson(reply, id).forEach(this::send);
  }

  @Override
  protected void refuse(String text) {
    // refusals come in the same turn as the upgrade: the 101 response may still be in flight
    // (io_uring completes writes later) with the HTTP encoder in the pipeline, which would swallow
    // a raw frame written past it; Vert.x's own write orders this
    ws.writeTextMessage(WebProtocol.error(ErrorCode.REFUSED, text).encode());
  }

  @Override
  protected void bye(String reason) {
    send(new JsonObject().put("type", "bye").put("reason", reason));
  }

  @Override
  protected void closeConnection(int status, String reason) {
    ws.close((short) status, reason.length() > 100 ? reason.substring(0, 100) : reason);
  }

  @Override
  protected void tellDirectly(String text) {
    // a WebSocket close frame carries the reason; closeConnection sends it after the grace period
  }
}

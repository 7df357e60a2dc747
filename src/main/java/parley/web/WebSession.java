package parley.web;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Reply;
import parley.chat.RoomName;
import parley.chat.SessionState;
import parley.config.ParleyConfig;
import parley.room.ChatService;
import parley.room.Outbox;
import parley.room.Outgoing;
import parley.room.Session;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The WebSocket adapter: JSON frames in ({@code hello}, {@code say}), JSON frames out. Outgoing frames are
 * pre-encoded bytes appended to the connection's {@link Outbox}, so a busy room costs one socket write per
 * browser per event-loop turn rather than one per message.
 */
public final class WebSession implements Session {
  private static final Logger LOG = LoggerFactory.getLogger(WebSession.class);

  private final ChatService service;
  private final ServerWebSocket ws;
  private final String id;
  private final Context context;
  private final SessionState state;
  private final ParleyConfig.Limits limits;
  private ChannelHandlerContext channel;
  private Outbox outbox;
  private boolean loggingIn;
  private boolean closing;
  private boolean closed;
  private long nickTimer = -1;

  public WebSession(ChatService service, ServerWebSocket ws, String id, Context context) {
    this.service = service;
    this.ws = ws;
    this.id = id;
    this.context = context;
    this.limits = service.config().limits();
    this.state = new SessionState("web", service.clock().instant());
  }

  public void start() {
    channel = ((WebSocketInternal) ws).channelHandlerContext();
    outbox = new Outbox(channel, service.hub(), limits.outboxBytes(), this::slowConsumer);
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> send(WebProtocol.error("binary_not_supported", "send JSON text frames")));
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(err -> LOG.info("{} ({}) websocket error: {}", id, state.nick, err.toString()));
    ws.drainHandler(v -> outbox.drained());
    String refusal = service.admit(this);
    if (refusal != null) {
      send(WebProtocol.error("refused", "Sorry, " + refusal + "."));
      closing = true;
      outbox.finish();
      ws.close((short) 1013, "refused");
      return;
    }
    nickTimer = context.owner().setTimer(limits.nickTimeoutSeconds() * 1000L, t -> {
      nickTimer = -1;
      if (state.nick == null) {
        close("no nickname chosen within " + limits.nickTimeoutSeconds() + " s");
      }
    });
  }

  private void onText(String text) {
    if (closing) {
      return;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      send(WebProtocol.error("bad_json", "every frame must be a JSON object, like {\"type\":\"say\",\"text\":\"hi\"}"));
      return;
    }
    Object type = msg.getValue("type");
    if ("hello".equals(type)) {
      hello(msg);
    } else if ("say".equals(type)) {
      say(msg);
    } else {
      send(WebProtocol.error("bad_type", "unknown frame type " + (type == null ? "(none)" : "\"" + type + "\"")
          + "; send hello or say"));
    }
  }

  private void hello(JsonObject msg) {
    if (state.nick != null || loggingIn) {
      send(WebProtocol.error("already_logged_in", "you already have a nickname; use /nick to change it"));
      return;
    }
    if (!(msg.getValue("nick") instanceof String nick)) {
      send(WebProtocol.error("bad_hello", "hello needs a nick, like {\"type\":\"hello\",\"nick\":\"alice\"}"));
      return;
    }
    Map<String, Long> resume = new LinkedHashMap<>();
    Object since = msg.getValue("since");
    if (since != null) {
      if (!(since instanceof JsonObject rooms)) {
        send(WebProtocol.error("bad_hello", "since must map rooms to the last seq seen, like {\"lobby\":42}"));
        return;
      }
      for (String key : rooms.fieldNames()) {
        String room = RoomName.normalize(key);
        Object seq = rooms.getValue(key);
        if (RoomName.problem(room, limits.roomNameLength()) != null || !(seq instanceof Number n) || n.longValue() < 0) {
          send(WebProtocol.error("bad_hello", "since has a bad entry for \"" + key + "\""));
          return;
        }
        if (resume.size() < limits.maxRoomsPerSession()) {
          resume.put(room, n.longValue());
        }
      }
    }
    loggingIn = true;
    service.login(this, nick, resume).onComplete(ar -> {
      loggingIn = false;
      if (ar.failed()) {
        LOG.warn("{} login failed: {}", id, ar.cause().toString());
        send(WebProtocol.error("unavailable", "the server could not check that nickname; try again"));
      } else if (ar.result() && nickTimer >= 0) {
        context.owner().cancelTimer(nickTimer);
      }
    });
  }

  private void say(JsonObject msg) {
    if (state.nick == null) {
      send(WebProtocol.error("hello_first", "send hello with your nickname first"));
      return;
    }
    if (!(msg.getValue("text") instanceof String text)) {
      send(WebProtocol.error("bad_say", "say needs a text, like {\"type\":\"say\",\"text\":\"hi\"}"));
      return;
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxLineBytes()) {
      send(WebProtocol.error("line_too_long", "that line was " + bytes + " bytes; the limit is "
          + limits.maxLineBytes() + ", so it was not sent"));
      return;
    }
    if (msg.getValue("room") instanceof String room) {
      String r = RoomName.normalize(room);
      if (!state.rooms.contains(r)) {
        send(WebProtocol.error("not_in_room", "you are not in " + RoomName.display(r) + "; /join it first"));
        return;
      }
      state.currentRoom = r;
    }
    service.input(this, text);
  }

  private void send(JsonObject json) {
    if (!closing) {
      outbox.append(WebProtocol.textFrame(json.toBuffer().getBytes()));
    }
  }

  // ---- Session ----

  @Override
  public String id() {
    return id;
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public SessionState state() {
    return state;
  }

  @Override
  public String address() {
    return ws.remoteAddress().hostAddress();
  }

  @Override
  public void deliver(Outgoing out) {
    if (!closing) {
      outbox.append(out.get(WebProtocol.FRAME));
    }
  }

  @Override
  public void reply(Reply reply) {
    WebProtocol.toJson(reply).forEach(this::send);
  }

  @Override
  public void close(String reason) {
    if (closing) {
      return;
    }
    send(new JsonObject().put("type", "bye").put("reason", reason));
    closing = true;
    service.closed(this, reason);
    outbox.finish();
    ws.close((short) 1000, reason.length() > 100 ? reason.substring(0, 100) : reason);
  }

  private void slowConsumer(int pendingBytes) {
    if (closing) {
      return;
    }
    LOG.warn("{} ({}) is not reading: over {} bytes waiting; dropping it", id, state.nick, pendingBytes);
    closing = true;
    service.closed(this, "not reading");
    context.owner().setTimer(Math.max(1, limits.slowConsumerGraceMs()), t -> ws.close((short) 1008, "not reading"));
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (nickTimer >= 0) {
      context.owner().cancelTimer(nickTimer);
    }
    if (!closing) {
      closing = true;
      service.closed(this, "connection closed");
    }
    outbox.discard();
  }

}

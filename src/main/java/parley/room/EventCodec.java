package parley.room;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import parley.chat.ChatEvent;
import parley.store.EventJson;

/**
 * Event-bus codec for {@link ChatEvent}. Locally the immutable event is handed over as it is (no copy per
 * consumer); across the cluster it travels as its JSON form.
 */
public final class EventCodec implements MessageCodec<ChatEvent, ChatEvent> {

  @Override
  public void encodeToWire(Buffer buffer, ChatEvent event) {
    Buffer json = EventJson.toJson(event).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public ChatEvent decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return EventJson.fromJson(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public ChatEvent transform(ChatEvent event) {
    return event;
  }

  @Override
  public String name() {
    return "parley-event";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}

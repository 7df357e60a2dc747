package parley.room;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import parley.chat.ChatEvent;
import parley.wire.EventJson;

/**
 * Event-bus codec for {@link ChatEvent}. Locally the immutable event is handed over as it is (no
 * copy per consumer); across the cluster it travels as its JSON form.
 */
public final class EventCodec implements MessageCodec<ChatEvent, ChatEvent> {

  @Override
  public void encodeToWire(Buffer buffer, ChatEvent event) {
    EventJson.toJson(event).writeToBuffer(buffer); // int length, then the JSON
  }

  @Override
  public ChatEvent decodeFromWire(int pos, Buffer buffer) {
    JsonObject json = new JsonObject();
    json.readFromBuffer(pos, buffer);
    return EventJson.fromJson(json);
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

package parley.room;

import parley.chat.ChatEvent;

/**
 * An event on its way to the sessions of one event loop, with its encodings computed on first use.
 */
public final class Outgoing {
  public final ChatEvent event;
  private final Object[] encoded = new Object[Encoding.MAX];

  public Outgoing(ChatEvent event) {
    this.event = event;
  }

  @SuppressWarnings("unchecked")
  public <T> T get(Encoding<T> encoding) {
    Object v = encoded[encoding.index];
    if (v == null) {
      v = encoding.encode(event);
      encoded[encoding.index] = v;
    }
    return (T) v;
  }
}

package parley.room;

import java.util.concurrent.atomic.AtomicInteger;
import parley.chat.ChatEvent;

/**
 * One way of turning an event into bytes for a transport (for example telnet with colours, or a
 * WebSocket frame). {@link Outgoing} computes each encoding at most once per event and event loop,
 * and every recipient shares the result.
 */
public abstract class Encoding<T> {
  static final int MAX = 16;
  private static final AtomicInteger NEXT = new AtomicInteger();

  final int index;

  protected Encoding() {
    index = NEXT.getAndIncrement();
    if (index >= MAX) {
      throw new IllegalStateException("more than " + MAX + " encodings");
    }
  }

  protected abstract T encode(ChatEvent event);
}

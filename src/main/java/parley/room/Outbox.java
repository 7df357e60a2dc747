package parley.room;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;

/**
 * The bytes owed to one connection. Everything appended during an event-loop turn goes out in a single
 * write and flush at the end of the turn ({@link RoomHub#schedule}). When the peer does not read, the
 * socket's queue fills; the outbox then holds bytes back up to {@code maxPending} and, past that, reports
 * the session as a slow consumer instead of growing without bound. Used only on its event loop.
 */
public final class Outbox {

  /** Told when the peer has stopped reading and the outbox limit is passed. */
  @FunctionalInterface
  public interface Overflow {
    void slowConsumer(int pendingBytes);
  }

  /**
   * Bytes written around each batch of framed output, e.g. a terminal that erases the user's half-typed line
   * before chat lines and redraws it after.
   */
  public interface Framing {
    byte[] before();

    byte[] after();
  }

  private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  private static final int INITIAL = 512;
  /**
   * A written buffer is kept for the next turn only up to this capacity: enough for live chat, while one that
   * grew for a burst (a history replay on join) goes back to the pool instead of staying with the connection.
   */
  private static final int KEEP_MAX = 2048;

  private final ChannelHandlerContext channel;
  private final RoomHub hub;
  private final int maxPending;
  private final Overflow overflow;
  private Framing framing;
  private boolean framed;
  private ByteBuf pending;
  /**
   * The buffer written last, kept (with a reference of our own) to be filled again once Netty has written it
   * out and let go: a connection that keeps up reuses one buffer, so the fan-out allocates nothing per recipient.
   */
  private ByteBuf spare;
  private boolean scheduled;
  /** Set by finish, discard, or an overflow: the outbox takes nothing more. */
  private boolean closed;

  public Outbox(ChannelHandlerContext channel, RoomHub hub, int maxPending, Overflow overflow) {
    this.channel = channel;
    this.hub = hub;
    this.maxPending = maxPending;
    this.overflow = overflow;
  }

  public void framing(Framing f) {
    framing = f;
  }

  /** Whether framed output is pending, so that its closing {@link Framing#after} will redraw the screen anyway. */
  public boolean framed() {
    return framed;
  }

  public void append(byte[] bytes) {
    if (put(bytes) && !scheduled) {
      scheduled = true;
      hub.schedule(this);
    }
  }

  /** Appends output that goes between the framing's before and after bytes. */
  public void appendFramed(byte[] bytes) {
    if (framing != null && !framed) {
      framed = true;
      put(framing.before());
    }
    append(bytes);
  }

  /** Closes the frame opened by {@link #appendFramed}, if any. */
  private void endFrame() {
    if (framed) {
      framed = false;
      put(framing.after());
    }
  }

  private boolean put(byte[] bytes) {
    if (closed || bytes.length == 0) {
      return false;
    }
    if (pending == null) {
      pending = takeBuffer(bytes.length);
    }
    pending.writeBytes(bytes);
    if (pending.readableBytes() > maxPending && !channel.channel().isWritable()) {
      closed = true;
      pending.release();
      pending = null;
      overflow.slowConsumer(maxPending);
      return false;
    }
    return true;
  }

  private ByteBuf takeBuffer(int length) {
    ByteBuf b = spare;
    spare = null;
    if (b != null) {
      if (b.refCnt() == 1) {
        b.clear(); // Netty has written it and let go
        return b;
      }
      b.release(); // still being written: leave it to Netty
    }
    // the classic pooled allocator, with per-thread caches, measured cheaper here than the channel's default
    // (Netty 4.2's adaptive allocator)
    return ALLOC.directBuffer(Math.max(INITIAL, length));
  }

  /** Writes what is pending, unless the socket is backed up (then {@link #drained} writes it later). */
  void flush() {
    scheduled = false;
    endFrame();
    if (pending == null || closed || !channel.channel().isWritable()) {
      return;
    }
    ByteBuf out = pending;
    pending = null;
    if (out.capacity() <= KEEP_MAX) {
      spare = out.retain();
    }
    channel.writeAndFlush(out, channel.voidPromise());
  }

  /** Call when the socket's queue has room again. */
  public void drained() {
    if (!scheduled) {
      flush();
    }
  }

  /** Writes what is pending now, whatever the socket's state (before a close), and takes no more. */
  public void finish() {
    if (closed) {
      return;
    }
    endFrame();
    closed = true;
    releaseSpare();
    if (pending != null) {
      channel.writeAndFlush(pending, channel.voidPromise());
      pending = null;
    }
  }

  private void releaseSpare() {
    if (spare != null) {
      spare.release();
      spare = null;
    }
  }

  /** Drops what is pending without writing it. */
  public void discard() {
    closed = true;
    releaseSpare();
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }
}

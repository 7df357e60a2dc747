package parley.room;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.concurrent.TimeUnit;

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
  private static final int INITIAL = 2048;
  /** How long the outbox may stay over its limit while the socket takes nothing before the reader counts as slow. */
  static final long STALL_NANOS = 500_000_000L;
  /** Over this many times the limit the reader counts as slow at once, so the heap stays bounded. */
  static final int HARD_FACTOR = 8;

  private final ChannelHandlerContext channel;
  private final RoomHub hub;
  private final int maxPending;
  private final Overflow overflow;
  private Framing framing;
  private boolean framed;
  private ByteBuf pending;
  private boolean scheduled;
  private boolean overflowed;
  private boolean closed;
  /** When the outbox went over its limit with the socket backed up; 0 while it is not. */
  private long stalledSince;

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
    append(bytes, 0, bytes.length);
  }

  public void append(byte[] bytes, int offset, int length) {
    if (put(bytes, offset, length) && !scheduled) {
      scheduled = true;
      hub.schedule(this);
    }
  }

  /** Appends output that goes between the framing's before and after bytes. */
  public void appendFramed(byte[] bytes) {
    if (framing != null && !framed) {
      framed = true;
      byte[] before = framing.before();
      put(before, 0, before.length);
    }
    append(bytes);
  }

  private boolean put(byte[] bytes, int offset, int length) {
    if (closed || overflowed || length == 0) {
      return false;
    }
    if (pending == null) {
      // the classic pooled allocator, with per-thread caches, measured cheaper here than the channel's default
      // (Netty 4.2's adaptive allocator) for this one short-lived buffer per connection per turn
      pending = ALLOC.directBuffer(Math.max(INITIAL, length));
    }
    pending.writeBytes(bytes, offset, length);
    int size = pending.readableBytes();
    if (size > maxPending && !channel.channel().isWritable()) {
      // Backed up. A socket's writability can lag a burst by an event-loop turn (with io_uring the kernel's
      // acknowledgement of a write arrives as a completion), so only a stall that lasts, or a hard cap, is final.
      long now = System.nanoTime();
      if (stalledSince == 0) {
        stalledSince = now;
        long mark = now;
        // look again when the stall would count even if nothing more is sent to this client
        channel.executor().schedule(() -> {
          if (stalledSince == mark && pending != null && pending.readableBytes() > maxPending
              && !channel.channel().isWritable()) {
            overflow();
          }
        }, STALL_NANOS, TimeUnit.NANOSECONDS);
      } else if (now - stalledSince >= STALL_NANOS || size > HARD_FACTOR * (long) maxPending) {
        overflow();
        return false;
      }
    }
    return true;
  }

  private void overflow() {
    if (overflowed || closed) {
      return;
    }
    int size = pending == null ? 0 : pending.readableBytes();
    overflowed = true;
    if (pending != null) {
      pending.release();
      pending = null;
    }
    overflow.slowConsumer(size);
  }

  /** Writes what is pending, unless the socket is backed up (then {@link #drained} writes it later). */
  void flush() {
    scheduled = false;
    if (framed) {
      framed = false;
      byte[] after = framing.after();
      put(after, 0, after.length);
    }
    if (pending == null || closed || !channel.channel().isWritable()) {
      return;
    }
    ByteBuf out = pending;
    pending = null;
    stalledSince = 0;
    channel.writeAndFlush(out, channel.voidPromise());
  }

  /** Call when the socket's queue has room again. */
  public void drained() {
    stalledSince = 0;
    if (!scheduled) {
      flush();
    }
  }

  /**
   * Writes what is pending now, whatever the socket's state (before a close), and takes no more. {@code then}
   * runs once everything written so far has reached the socket (or failed), so that closing there loses nothing:
   * with io_uring a flushed write is only submitted, and a close would drop it.
   */
  public void finish(Runnable then) {
    if (closed) {
      then.run();
      return;
    }
    if (framed) {
      framed = false;
      byte[] after = framing.after();
      put(after, 0, after.length);
    }
    closed = true;
    ChannelPromise written = channel.newPromise();
    written.addListener(f -> then.run());
    channel.writeAndFlush(pending != null ? pending : Unpooled.EMPTY_BUFFER, written);
    pending = null;
  }

  /** Drops what is pending without writing it. */
  public void discard() {
    closed = true;
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }
}

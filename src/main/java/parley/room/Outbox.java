package parley.room;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

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
  /** A written buffer is kept for the next turn only up to this capacity, so an idle connection holds little. */
  private static final int KEEP_MAX = 16 * 1024;
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
  /**
   * The buffer written last, kept (with a reference of our own) to be filled again once Netty has written it
   * out and let go: a connection that keeps up reuses one buffer, so the fan-out allocates nothing per recipient.
   */
  private ByteBuf spare;
  private boolean scheduled;
  private boolean overflowed;
  private boolean closed;
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
      pending = takeBuffer(length);
    }
    pending.writeBytes(bytes, offset, length);
    long size = owed();
    if (size > maxPending && !channel.channel().isWritable()) {
      long now = System.nanoTime();
      if (stalledSince == 0) {
        stalledSince = now;
        long mark = now;
        hub.later(STALL_NANOS / 1_000_000, () -> {
          if (stalledSince == mark && owed() > maxPending && !channel.channel().isWritable()) {
            overflow();
          }
        });
      } else if (now - stalledSince >= STALL_NANOS || size > HARD_FACTOR * (long) maxPending) {
        overflow();
        return false;
      }
    }
    return true;
  }

  /** Bytes this connection still owes its peer: pending here plus queued in Netty, not yet taken by the kernel. */
  private long owed() {
    ChannelOutboundBuffer queued = channel.channel().unsafe().outboundBuffer();
    return (pending == null ? 0 : pending.readableBytes()) + (queued == null ? 0 : queued.totalPendingWriteBytes());
  }

  private void overflow() {
    if (overflowed || closed) {
      return;
    }
    int size = (int) Math.min(Integer.MAX_VALUE, owed());
    overflowed = true;
    if (pending != null) {
      pending.release();
      pending = null;
    }
    releaseSpare();
    overflow.slowConsumer(size);
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
    if (framed) {
      framed = false;
      byte[] after = framing.after();
      put(after, 0, after.length);
    }
    // written even when the socket is backed up: Netty queues it and writes as the socket drains (no drain event
    // needed, whatever the transport); owed() counts that queue, so the slow-consumer rule still bounds it
    if (pending == null || closed) {
      return;
    }
    ByteBuf out = pending;
    pending = null;
    if (channel.channel().isWritable()) {
      stalledSince = 0;
    }
    if (out.capacity() <= KEEP_MAX) {
      spare = out.retain();
    }
    channel.writeAndFlush(out, channel.voidPromise());
  }

  /** Call when the socket's queue has room again. */
  public void drained() {
    stalledSince = 0;
    if (!scheduled) {
      flush();
    }
  }

  /** Writes what is pending now, whatever the socket's state (before a close), and takes no more. */
  public void finish() {
    if (closed) {
      return;
    }
    if (framed) {
      framed = false;
      byte[] after = framing.after();
      put(after, 0, after.length);
    }
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

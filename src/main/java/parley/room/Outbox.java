package parley.room;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import parley.net.Channels;

/**
 * The bytes owed to one connection. Everything appended during an event-loop turn goes out in a
 * single write and flush at the end of the turn ({@link RoomHub#schedule}), handed to Netty
 * whatever the socket's state: Netty queues what the kernel cannot take yet.
 *
 * <p>The slow-consumer rule judges progress, not a snapshot: once more than {@code maxPending}
 * bytes are owed (pending here plus queued in Netty), the outbox tells its {@link SlowReaderPolicy}
 * how much the kernel has taken at each check the policy asks for, and reports the peer as a slow
 * consumer when the policy says to drop it. A reader that keeps up is not dropped for a burst that
 * merely sits in a queue for a moment (with io_uring, writes complete a turn later, so bursts do
 * queue). Used only on its event loop.
 */
public final class Outbox {

  /** Told when the peer does not keep up: {@code why} says how (for the log). */
  @FunctionalInterface
  public interface Overflow {
    void slowConsumer(String why);
  }

  /**
   * Bytes written around each batch of framed output, e.g. a terminal that erases the user's
   * half-typed line before chat lines and redraws it after.
   */
  public interface Framing {
    byte[] before();

    byte[] after();
  }

  private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  private static final int INITIAL = 512;

  /**
   * A written buffer is kept for the next turn only up to this capacity: enough for live chat,
   * while one that grew for a burst (a history replay on join) goes back to the pool instead of
   * staying with the connection.
   */
  private static final int KEEP_MAX = 2048;

  private final ChannelHandlerContext channel;
  private final RoomHub hub;
  private final int maxPending;
  private final SlowReaderPolicy policy;
  private final Overflow overflow;
  private Framing framing;
  private boolean framed;

  /**
   * The connection's buffer: the output of this turn, or ({@link #sent}) the buffer written last,
   * kept with a reference of our own to be filled again once Netty has written it out and let go. A
   * connection that keeps up reuses one buffer, so the fan-out allocates nothing per recipient, and
   * the field keeps pointing at the same object (storing a reference into this long-lived object,
   * turn after turn, would cost the garbage collector's card refinement work for each connection).
   */
  private ByteBuf buf;

  /** Whether {@link #buf} has been handed to Netty (it holds no pending output). */
  private boolean sent;

  private boolean scheduled;

  /** Set by finish, discard, or an overflow: the outbox takes nothing more. */
  private boolean closed;

  /** Bytes handed to Netty so far; less what is {@link #queued}, the bytes the kernel has taken. */
  private long handed;

  /** The progress timer while the policy watches this connection, else -1. */
  private long watchTimer = -1;

  public Outbox(
      ChannelHandlerContext channel,
      RoomHub hub,
      int maxPending,
      long windowMs,
      Overflow overflow) {
    this.channel = channel;
    this.hub = hub;
    this.maxPending = maxPending;
    this.policy = new SlowReaderPolicy(maxPending, windowMs);
    this.overflow = overflow;
  }

  public void framing(Framing f) {
    framing = f;
  }

  /**
   * Whether framed output is pending, so that its closing {@link Framing#after} will redraw the
   * screen anyway.
   */
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
    if (buf == null || sent) {
      takeBuffer(bytes.length);
    }
    buf.writeBytes(bytes);
    return buf.readableBytes() <= maxPending || checkOwed();
  }

  /**
   * Asks the policy about what is owed now (pending here plus queued in Netty) and what the kernel
   * has taken so far: the reader may be dropped at once (returns false), or its progress watched.
   * Called when this turn's output passes the limit, and after a flush that left the socket backed
   * up, not per append: the socket's state is a volatile read.
   */
  private boolean checkOwed() {
    long queued = queued();
    return act(policy.owed(pending() + queued, handed - queued));
  }

  /** Bytes queued in Netty, not yet taken by the kernel. */
  private long queued() {
    return Channels.queued(channel);
  }

  /** Bytes appended here and not yet handed to Netty. */
  private long pending() {
    return buf == null || sent ? 0 : buf.readableBytes();
  }

  /** Does what the policy said: schedules its next check, or drops the reader (returns false). */
  private boolean act(SlowReaderPolicy.Verdict verdict) {
    if (verdict == SlowReaderPolicy.Verdict.DROP) {
      overflow(policy.why());
      return false;
    }
    if (verdict == SlowReaderPolicy.Verdict.CHECK_AGAIN) {
      // on the hub's Vert.x context: a drop publishes leave events
      watchTimer = Channels.setTimer(hub.context(), policy.checkMs(), t -> checkProgress());
    }
    return true;
  }

  private void checkProgress() {
    watchTimer = -1;
    if (!closed) {
      long queued = queued();
      act(policy.check(pending() + queued, handed - queued));
    }
  }

  private void overflow(String why) {
    closed = true;
    stopWatching();
    releaseBuffer();
    overflow.slowConsumer(why);
  }

  private void stopWatching() {
    if (watchTimer >= 0) {
      hub.context().owner().cancelTimer(watchTimer);
      watchTimer = -1;
    }
  }

  /**
   * Makes {@link #buf} an empty buffer to fill: the one sent last if Netty is done with it, else a
   * new one.
   */
  private void takeBuffer(int length) {
    sent = false;
    if (buf != null) {
      if (buf.refCnt() == 1) {
        buf.clear(); // Netty has written it and let go
        return;
      }
      buf.release(); // still being written: leave it to Netty
    }
    // the classic pooled allocator, with per-thread caches, measured cheaper here than the
    // channel's default
    // (Netty 4.2's adaptive allocator)
    buf = ALLOC.directBuffer(Math.max(INITIAL, length));
  }

  /** Writes what is pending. */
  void flush() {
    scheduled = false;
    endFrame();
    if (buf == null || sent || closed) {
      return;
    }
    ByteBuf out = buf;
    if (out.capacity() <= KEEP_MAX) {
      out.retain();
      sent = true;
    } else {
      buf = null;
    }
    write(out);
    if (!channel.channel().isWritable()) {
      checkOwed();
    }
  }

  private void write(ByteBuf out) {
    handed += out.readableBytes();
    channel.writeAndFlush(out, channel.voidPromise());
  }

  /**
   * Writes what is pending now, whatever the socket's state (before a close), and takes no more.
   */
  public void finish() {
    if (closed) {
      return;
    }
    endFrame();
    closed = true;
    stopWatching();
    if (buf != null && !sent) {
      ByteBuf out = buf;
      buf = null;
      write(out);
    }
    releaseBuffer();
  }

  /** Lets go of the buffer: unwritten output is dropped, a sent one stays Netty's. */
  private void releaseBuffer() {
    if (buf != null) {
      buf.release();
      buf = null;
    }
  }

  /** Drops what is pending without writing it. */
  public void discard() {
    closed = true;
    stopWatching();
    releaseBuffer();
  }
}

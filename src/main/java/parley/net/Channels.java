package parley.net;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import jdk.net.ExtendedSocketOptions;

/**
 * The one place that reaches under Vert.x's public API: to a connection's Netty channel (where the
 * outbox writes its coalesced buffers, where an HTTP connection's deadlines run and whose close
 * frees a connection's count) and to Vert.x's internal context. A connection is named by Vert.x's
 * handler's place in its pipeline, a {@link ChannelHandlerContext}: what is written there passes
 * Vert.x's write queue but still goes through TLS and the rest of the pipeline.
 */
public final class Channels {
  /**
   * What Netty's queue adds to each write's size in its byte count (its own setting, same default).
   */
  private static final long ENTRY_OVERHEAD =
      Integer.getInteger("io.netty.transport.outboundBufferEntrySizeOverhead", 96);

  private Channels() {}

  /** The channel under a telnet (TCP) connection. */
  public static ChannelHandlerContext of(NetSocket socket) {
    return ((NetSocketInternal) socket).channelHandlerContext();
  }

  /** The channel under an HTTP connection. */
  public static ChannelHandlerContext of(HttpConnection connection) {
    return ((ConnectionBase) connection).channelHandlerContext();
  }

  /**
   * Runs {@code action} on the channel's event loop once the connection is closed, whoever closed
   * it and whatever Vert.x handlers its user set.
   */
  public static void whenClosed(ChannelHandlerContext channel, Runnable action) {
    channel.channel().closeFuture().addListener(f -> action.run());
  }

  /** The channel under a WebSocket. */
  public static ChannelHandlerContext of(ServerWebSocket ws) {
    return ((WebSocketInternal) ws).channelHandlerContext();
  }

  /**
   * Bytes queued in Netty, not yet taken by the kernel: its count less its per-write overhead and
   * less what the kernel took of the write it is part-way through. (Over TLS these are encrypted
   * bytes, a little more.)
   */
  public static long queued(ChannelHandlerContext channel) {
    ChannelOutboundBuffer q = channel.channel().unsafe().outboundBuffer();
    return q == null
        ? 0
        : q.totalPendingWriteBytes() - q.size() * ENTRY_OVERHEAD - q.currentProgress();
  }

  /**
   * Writes bytes straight to the socket, past Vert.x's write queue and whatever the outbox holds.
   */
  public static void writeNow(ChannelHandlerContext channel, byte[] bytes) {
    channel.writeAndFlush(Unpooled.wrappedBuffer(bytes), channel.voidPromise());
  }

  /**
   * Closes the connection now, without waiting for what is queued: from our handler's place in the
   * pipeline, past Vert.x, which would wait for the queue. TLS's goodbye can't get past the queue
   * either, so it is not waited for.
   */
  public static void closeNow(ChannelHandlerContext channel) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls != null) {
      tls.setCloseNotifyFlushTimeoutMillis(1);
    }
    channel.close();
  }

  /**
   * Sets the TCP keepalive timers of one accepted connection (SO_KEEPALIVE itself is a server
   * option): idle seconds before the first probe, seconds between probes, unanswered probes before
   * the kernel drops it. Vert.x 5.0 has no option for them; Netty has one per transport (io_uring,
   * epoll, and NIO through the JDK's extended socket options), and a channel accepts only its own.
   *
   * @return whether the transport took them
   */
  public static boolean keepAlive(
      ChannelHandlerContext channel, int idleSeconds, int intervalSeconds, int count) {
    ChannelConfig c = channel.channel().config();
    return (c.setOption(IoUringChannelOption.TCP_KEEPIDLE, idleSeconds)
            && c.setOption(IoUringChannelOption.TCP_KEEPINTVL, intervalSeconds)
            && c.setOption(IoUringChannelOption.TCP_KEEPCNT, count))
        || (c.setOption(EpollChannelOption.TCP_KEEPIDLE, idleSeconds)
            && c.setOption(EpollChannelOption.TCP_KEEPINTVL, intervalSeconds)
            && c.setOption(EpollChannelOption.TCP_KEEPCNT, count))
        || (c.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idleSeconds)
            && c.setOption(
                NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), intervalSeconds)
            && c.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), count));
  }

  /** A timer whose handler runs on {@code context}, whatever context sets it. */
  public static long setTimer(Context context, long delayMs, Handler<Long> handler) {
    return ((ContextInternal) context).setTimer(delayMs, handler);
  }
}

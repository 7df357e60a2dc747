package parley.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.config.ParleyConfig;
import parley.net.Channels;

/**
 * The deadline of one HTTP connection while it waits for a request: the first request head must
 * have arrived within {@code http.headerTimeoutSeconds} of the connect (a client that sends its
 * head slowly or never, slowloris, is cut off), each next one within {@code
 * http.idleTimeoutSeconds} of the previous response; else the connection is closed. A request in
 * flight has no deadline here, nor has a connection that became a WebSocket. One Netty task per
 * waiting connection, on its event loop; nothing per byte.
 */
final class HttpDeadline {
  private static final Logger LOG = LoggerFactory.getLogger(HttpDeadline.class);
  private static final AttributeKey<HttpDeadline> KEY =
      AttributeKey.valueOf(HttpDeadline.class, "deadline");

  private final ChannelHandlerContext channel;
  private final long idleMs;

  /** The pending close while waiting for a request; null while a request is in flight. */
  private ScheduledFuture<?> timer;

  private HttpDeadline(ChannelHandlerContext channel, long idleMs) {
    this.channel = channel;
    this.idleMs = idleMs;
  }

  /** Starts the header deadline of a new connection; it ends with the connection. */
  static void start(ChannelHandlerContext channel, ParleyConfig.Http http) {
    HttpDeadline d = new HttpDeadline(channel, http.idleTimeoutSeconds() * 1000L);
    channel.channel().attr(KEY).set(d);
    d.closeAfter(http.headerTimeoutSeconds() * 1000L, "no request head");
    Channels.whenClosed(channel, d::cancel);
  }

  /** The deadline of the connection under that channel; null when it has none. */
  static HttpDeadline of(ChannelHandlerContext channel) {
    return channel.channel().attr(KEY).get();
  }

  /**
   * A request head arrived: no deadline until its response ends. @return false when a request was
   * already in flight (the same request rerouted)
   */
  boolean requestArrived() {
    if (timer == null) {
      return false;
    }
    cancel();
    return true;
  }

  /** The response ended: the connection, kept alive, may wait this long for its next request. */
  void responded() {
    closeAfter(idleMs, "idle");
  }

  /** The connection became a WebSocket: no HTTP deadline applies any more. */
  void upgraded() {
    cancel();
    channel.channel().attr(KEY).set(null);
  }

  private void closeAfter(long ms, String why) {
    cancel();
    timer =
        channel
            .executor()
            .schedule(
                () -> {
                  LOG.debug("{}: {} within {} ms; closing", channel.channel(), why, ms);
                  Channels.closeNow(channel);
                },
                ms,
                TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}

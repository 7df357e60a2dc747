package parley.room;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Context;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Liveness;
import parley.chat.SessionState;
import parley.config.ParleyConfig;
import parley.net.Channels;

/**
 * What every transport's session shares: admission, the nickname time limit, the outbox with its
 * slow-consumer policy, and the one close path that frees everything the session acquired, whatever
 * ended it. A transport adapter adds only decoding and rendering.
 */
public abstract class BaseSession implements Session {
  /**
   * How long a session being closed may take to write out what it still owes before the socket is
   * closed anyway.
   */
  static final long CLOSE_BACKSTOP_MS = 30_000;

  /** Why a session whose client vanished (or whose connection failed) ended. */
  private static final String LOST = "connection lost";

  private static final Logger LOG = LoggerFactory.getLogger(BaseSession.class);

  protected final ChatService service;
  protected final ParleyConfig.Limits limits;
  protected final SessionState state;
  private final String id;
  private final RoomHub hub;
  private final Context context;
  protected Outbox outbox;

  /** Set once the session is ending: nothing more is said to it and its input is ignored. */
  protected boolean closing;

  private boolean closed;
  private long nickTimer = -1;
  private long closeTimer = -1;
  private long livenessTimer = -1;
  private Liveness liveness;

  /** Set when the connection failed with a network error: its close is a lost connection. */
  private boolean failed;

  /**
   * The connection's place in its Netty pipeline (Vert.x's handler, see {@link Channels}), set by
   * {@link #open}.
   */
  protected ChannelHandlerContext channel;

  /**
   * @param hub the rooms of the event loop that accepted the connection; the session runs on its
   *     context
   */
  protected BaseSession(ChatService service, RoomHub hub, String id, String via) {
    this.service = service;
    this.hub = hub;
    this.id = id;
    this.context = hub.context();
    this.limits = service.config().limits();
    this.state = new SessionState(via, service.clock().instant());
  }

  /**
   * Sets up the outbox on the connection's channel and asks the service to admit the session.
   *
   * @return false when it was refused (the client was told why and the connection is closing)
   */
  protected boolean open(ChannelHandlerContext channel) {
    this.channel = channel;
    ParleyConfig.Keepalive keepalive = service.config().keepalive();
    if (!Channels.keepAlive(
        channel,
        keepalive.tcpIdleSeconds(),
        keepalive.tcpIntervalSeconds(),
        keepalive.tcpCount())) {
      LOG.debug("{}: the transport has no TCP keepalive timers; the kernel's defaults apply", id);
    }
    outbox =
        new Outbox(
            channel, hub, limits.outboxBytes(), limits.slowConsumerWindowMs(), this::slowConsumer);
    String refusal = service.admit(this);
    if (refusal != null) {
      refuse("Sorry, " + refusal + ".");
      closing = true;
      outbox.finish();
      closeConnection(1013, "refused");
      return false;
    }
    nickTimer =
        context
            .owner()
            .setTimer(
                limits.nickTimeoutSeconds() * 1000L,
                t -> {
                  nickTimer = -1;
                  if (state.nick == null) {
                    close("no nickname chosen within " + limits.nickTimeoutSeconds() + " s");
                  }
                });
    liveness = new Liveness(keepalive.probeIntervalMs(), keepalive.deadlineMs(), now());
    checkLivenessIn(liveness.nextCheckIn(now()));
    return true;
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** Something arrived from the client: it is still there. Call for every read or frame. */
  protected final void heard() {
    liveness.heard(now());
  }

  /**
   * Whether the client can be probed. One that can't (a raw TCP client on the telnet port, which
   * would print a telnet probe's bytes) is never ended for being quiet: TCP keepalive and the TCP
   * user timeout notice when it vanishes.
   */
  protected abstract boolean probeable();

  /**
   * Sends a probe the client must answer (anything it sends counts); only when {@link #probeable}.
   */
  protected abstract void probe();

  /** The connection failed with this error; a network error makes its end a lost connection. */
  protected final void failed(Throwable err) {
    if (err instanceof IOException) {
      failed = true;
    }
  }

  private void checkLivenessIn(long ms) {
    livenessTimer =
        context
            .owner()
            .setTimer(
                ms,
                t -> {
                  livenessTimer = -1;
                  if (closing) {
                    return;
                  }
                  long now = now();
                  if (!probeable()) {
                    liveness.heard(now);
                  }
                  switch (liveness.check(now)) {
                    case LOST -> {
                      lost();
                      return;
                    }
                    case PROBE -> probe();
                    case WAIT -> {}
                  }
                  checkLivenessIn(liveness.nextCheckIn(now));
                });
  }

  /**
   * Nothing heard within the deadline: the client vanished. Frees its nickname and rooms at once
   * and closes the socket without waiting for what it is owed (it would never be read).
   */
  private void lost() {
    LOG.info(
        "{} ({}) from {}: nothing heard for {} s; connection lost",
        id,
        state.nick,
        address(),
        service.config().keepalive().seconds());
    closing = true;
    service.closed(this, LOST);
    Channels.closeNow(channel);
  }

  /** Called once the nickname is accepted. */
  protected void loggedIn() {
    if (nickTimer >= 0) {
      context.owner().cancelTimer(nickTimer);
      nickTimer = -1;
    }
  }

  /** Tells the user why the connection is refused (a telnet line or an {@code error} frame). */
  protected abstract void refuse(String text);

  /** Tells the user why the session ends (a telnet line or a {@code bye} frame). */
  protected abstract void bye(String reason);

  /** Closes the connection itself (a WebSocket with {@code status}). */
  protected abstract void closeConnection(int status, String reason);

  /**
   * Writes bytes straight to the socket, past a full outbox, to tell a slow reader why it is
   * dropped.
   */
  protected abstract void tellDirectly(String text);

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final RoomHub hub() {
    return hub;
  }

  @Override
  public final Context context() {
    return context;
  }

  @Override
  public final SessionState state() {
    return state;
  }

  @Override
  public void close(String reason) {
    if (closing) {
      return;
    }
    bye(reason);
    closing = true;
    service.closed(this, reason);
    outbox.finish();
    closeConnection(1000, reason);
    closeAnywayAfter(CLOSE_BACKSTOP_MS);
  }

  /** Read from a scrape's thread, not the session's: a close approximation, never negative. */
  @Override
  public long owedBytes() {
    ChannelHandlerContext c = channel;
    return c == null ? 0 : Math.max(0, Channels.queued(c));
  }

  /**
   * The outbox overflowed: drop the session from every room now, tell it if possible, close it
   * soon.
   */
  private void slowConsumer(String why) {
    if (closing) {
      return;
    }
    LOG.warn("{} ({}) from {} is not reading: {}; dropping it", id, state.nick, address(), why);
    service.metrics().slowReaderDropped();
    closing = true;
    service.closed(this, "not reading");
    tellDirectly("You are not reading fast enough; disconnecting.");
    closeConnection(1008, "not reading");
    closeAnywayAfter(limits.slowConsumerGraceMs());
  }

  /**
   * Closes the socket after {@code ms} if the polite close (which first writes out everything
   * queued) has not finished by then: a peer that never reads again would otherwise keep its socket
   * and queue forever. What the kernel already took is still delivered.
   */
  private void closeAnywayAfter(long ms) {
    closeTimer =
        context
            .owner()
            .setTimer(
                Math.max(1, ms),
                t -> {
                  closeTimer = -1;
                  if (!closed) {
                    Channels.closeNow(channel);
                  }
                });
  }

  /**
   * The connection is gone, for whatever reason: the single place where the session is released.
   */
  protected void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (nickTimer >= 0) {
      context.owner().cancelTimer(nickTimer);
    }
    if (closeTimer >= 0) {
      context.owner().cancelTimer(closeTimer);
    }
    if (livenessTimer >= 0) {
      context.owner().cancelTimer(livenessTimer);
    }
    closing = true;
    service.closed(this, failed ? LOST : "connection closed");
    outbox.discard();
  }
}

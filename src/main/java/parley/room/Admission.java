package parley.room;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.config.ParleyConfig;
import parley.store.BanList;
import parley.store.ChatStore;

/**
 * Who may connect: counts every connection of this node (telnet, telnet over TLS, HTTP, whether or
 * not it becomes a WebSocket) against the server's connection limit and the limit per address, and
 * refuses sessions while shutting down and from banned addresses. Knows every open session of this
 * node.
 */
final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final ParleyConfig.Limits limits;
  private final ChatStore store;
  private final Clock clock;

  /** Every open session of this node, logged in or not. */
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

  /** Open connections of this node. */
  private final AtomicInteger connections = new AtomicInteger();

  /** Open connections per address; changed only by atomic compute, so counts never drift. */
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

  private volatile boolean shuttingDown;

  /**
   * @param store asked, synchronously, whether the address of each session is banned
   */
  Admission(ParleyConfig.Limits limits, ChatStore store, Clock clock) {
    this.limits = limits;
    this.store = store;
    this.clock = clock;
  }

  /**
   * A new connection from {@code address}; counted until {@link #disconnected} unless refused.
   *
   * @return null when it may stay, or why it is refused (the server or the address is full)
   */
  String connect(String address) {
    int open = connections.incrementAndGet();
    if (open > limits.maxConnections()) {
      connections.decrementAndGet();
      LOG.debug("connection from {} refused: {} connections, the limit", address, open - 1);
      return "the server is full (" + limits.maxConnections() + " connections); try again later";
    }
    if (open == limits.maxConnections()) {
      LOG.warn("{} connections, the limit: further ones are refused", open);
    }
    int[] count = {0};
    perAddress.compute(
        address,
        (a, n) -> {
          count[0] = n == null ? 0 : n;
          return count[0] >= limits.maxConnectionsPerIp() ? n : Integer.valueOf(count[0] + 1);
        });
    if (count[0] >= limits.maxConnectionsPerIp()) {
      connections.decrementAndGet();
      LOG.debug("connection from {} refused: it has {} already", address, count[0]);
      return "too many connections from your address (the limit is "
          + limits.maxConnectionsPerIp()
          + ")";
    }
    if (count[0] + 1 == limits.maxConnectionsPerIp()) {
      LOG.warn(
          "{} has {} connections, its limit: further ones are refused",
          address,
          limits.maxConnectionsPerIp());
    }
    return null;
  }

  /** A connection counted by {@link #connect} is closed. Call once per counted connection. */
  void disconnected(String address) {
    connections.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  /**
   * A session on a connection counted by {@link #connect}.
   *
   * @return null when the session is admitted, or why it is refused
   */
  String admit(Session s) {
    if (shuttingDown) {
      return "the server is shutting down";
    }
    String address = s.address();
    BanList.Ban ban = store.banned(address, clock.instant());
    if (ban != null) {
      LOG.info("{} refused: {} is banned", s.id(), address);
      return "you are banned from this server"
          + (ban.until() == null ? "" : " until " + ban.until());
    }
    sessions.add(s);
    return null;
  }

  /** Forgets an admitted session. @return false when it was not (or no longer) admitted */
  boolean release(Session s) {
    return sessions.remove(s);
  }

  /** Whether the session is admitted and not yet closed. */
  boolean isOpen(Session s) {
    return sessions.contains(s);
  }

  /** From now on every connection is refused. */
  void shutDown() {
    shuttingDown = true;
  }

  /** The open sessions (a live view). */
  Set<Session> sessions() {
    return sessions;
  }
}

package parley.room;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.config.ParleyConfig;
import parley.store.BanList;
import parley.store.ChatStore;

/**
 * Who may connect: refuses connections while shutting down, from banned addresses, beyond the
 * server's connection limit and beyond the limit per address. Knows every open session of this
 * node.
 */
final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final ParleyConfig.Limits limits;
  private final ChatStore store;
  private final Clock clock;

  /** Every open session of this node, logged in or not. */
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

  /** Open connections per address; changed only by atomic compute, so counts never drift. */
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

  private volatile boolean shuttingDown;

  /**
   * @param store asked, synchronously, whether the address of each connection is banned
   */
  Admission(ParleyConfig.Limits limits, ChatStore store, Clock clock) {
    this.limits = limits;
    this.store = store;
    this.clock = clock;
  }

  /**
   * @return null when the session is admitted, or why it is refused
   */
  String admit(Session s) {
    String address = s.address();
    if (shuttingDown) {
      return "the server is shutting down";
    }
    BanList.Ban ban = store.banned(address, clock.instant());
    if (ban != null) {
      LOG.info("{} refused: {} is banned", s.id(), address);
      return "you are banned from this server"
          + (ban.until() == null ? "" : " until " + ban.until());
    }
    if (sessions.size() >= limits.maxConnections()) {
      LOG.warn("{} refused: {} connections, the limit", s.id(), sessions.size());
      return "the server is full (" + limits.maxConnections() + " connections); try again later";
    }
    boolean[] full = {false};
    perAddress.compute(
        address,
        (a, n) -> {
          int count = n == null ? 0 : n;
          full[0] = count >= limits.maxConnectionsPerIp();
          return full[0] ? n : Integer.valueOf(count + 1);
        });
    if (full[0]) {
      LOG.warn(
          "{} refused: {} already has {} connections",
          s.id(),
          address,
          limits.maxConnectionsPerIp());
      return "too many connections from your address (the limit is "
          + limits.maxConnectionsPerIp()
          + ")";
    }
    sessions.add(s);
    return null;
  }

  /**
   * Frees what an admitted session counted for. @return false when it was not (or no longer)
   * admitted
   */
  boolean release(Session s) {
    if (!sessions.remove(s)) {
      return false;
    }
    perAddress.computeIfPresent(s.address(), (a, n) -> n <= 1 ? null : n - 1);
    return true;
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

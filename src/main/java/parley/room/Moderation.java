package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Durations;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.store.BanList;

/**
 * Operators and what they may do: {@code /op} with its limits on wrong passwords, and {@link
 * ModerationOrder}s (kick, mute, ban, unban) sent to the nodes they concern and carried out there.
 */
final class Moderation {
  private static final Logger LOG = LoggerFactory.getLogger(Moderation.class);
  static final String BANS_ADDRESS = "parley.bans";
  private static final int WRONG_PASSWORDS_PER_SESSION = 3;
  private static final int WRONG_PASSWORDS_PER_ADDRESS = 10;
  private static final long WRONG_PASSWORD_WINDOW_NANOS = 300_000_000_000L;

  private final String password;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final String node;
  private final EventBus eventBus;
  private final BanList bans;
  private final Nicknames nicknames;
  private final Admission admission;
  private final Map<String, Deque<Long>> wrongPasswords = new ConcurrentHashMap<>();

  Moderation(
      String password,
      Clock clock,
      LongSupplier nanoTime,
      String node,
      EventBus eventBus,
      BanList bans,
      Nicknames nicknames,
      Admission admission) {
    this.password = password;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.node = node;
    this.eventBus = eventBus;
    this.bans = bans;
    this.nicknames = nicknames;
    this.admission = admission;
  }

  static String controlAddress(String node) {
    return PrivateMessages.NODE_ADDRESS + node + ".control";
  }

  /** Receives the orders for this node's users, and every node's bans. */
  Future<Void> start() {
    return Future.all(
            eventBus
                .<JsonObject>consumer(controlAddress(node), msg -> received(msg.body(), forUser))
                .completion(),
            eventBus
                .<JsonObject>consumer(BANS_ADDRESS, msg -> received(msg.body(), forBanList))
                .completion())
        .mapEmpty();
  }

  // ---- operators -----------------------------------------------------------------------------

  void operator(Request r, String given) {
    Session s = r.session();
    if (password.isEmpty()) {
      r.reply(
          new Reply.Error(
              ErrorCode.NOT_AVAILABLE, "this server has no operator password configured"));
      return;
    }
    long now = nanoTime.getAsLong();
    // wrong passwords are limited per session and, more loosely, per address
    // entries exist only for sessions and addresses that typed a wrong password
    String mine = "session:" + s.id();
    String address = "address:" + s.address();
    long wait =
        Math.max(
            lockout(wrongPasswords.get(mine), WRONG_PASSWORDS_PER_SESSION, now),
            lockout(wrongPasswords.get(address), WRONG_PASSWORDS_PER_ADDRESS, now));
    if (wait > 0) {
      LOG.warn(
          "{} ({}) from {}: /op refused, too many wrong passwords",
          s.id(),
          s.state().nick,
          s.address());
      r.reply(
          new Reply.Error(
              ErrorCode.TOO_MANY_ATTEMPTS,
              "too many wrong passwords; try again in " + wait + " s"));
      return;
    }
    if (!MessageDigest.isEqual(
        password.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
      failed(mine, now);
      failed(address, now);
      LOG.warn("{} ({}) from {}: wrong operator password", s.id(), s.state().nick, s.address());
      r.reply(new Reply.Error(ErrorCode.WRONG_PASSWORD, "wrong operator password"));
      return;
    }
    s.state().op = true;
    LOG.info("{} ({}) is now an operator", s.id(), s.state().nick);
    r.reply(new Reply.Notice("You are now an operator: /kick, /ban, /unban and /mute are yours."));
  }

  /** Seconds until another password may be tried, 0 if one may be tried now. */
  private static long lockout(Deque<Long> failures, int allowed, long now) {
    if (failures == null) {
      return 0;
    }
    synchronized (failures) {
      while (!failures.isEmpty() && now - failures.peekFirst() > WRONG_PASSWORD_WINDOW_NANOS) {
        failures.pollFirst();
      }
      return failures.size() < allowed
          ? 0
          : (WRONG_PASSWORD_WINDOW_NANOS - (now - failures.peekFirst())) / 1_000_000_000L + 1;
    }
  }

  private void failed(String key, long now) {
    Deque<Long> failures = wrongPasswords.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (failures) {
      failures.addLast(now);
    }
  }

  /** The session closed: its own count of wrong passwords goes (its address's stays). */
  void forget(Session s) {
    wrongPasswords.remove("session:" + s.id());
  }

  // ---- giving orders -------------------------------------------------------------------------

  void kick(Request r, String nick, String reason) {
    toUser(r, nick, target -> new ModerationOrder.Kick(target, r.state().nick, reason));
  }

  void mute(Request r, String nick, long seconds) {
    toUser(r, nick, target -> new ModerationOrder.Mute(target, r.state().nick, seconds));
  }

  /**
   * Bans an address, or the address of the user holding a nickname (which that user's node knows).
   */
  void ban(Request r, String target, long seconds) {
    Instant until = seconds == 0 ? null : clock.instant().plusSeconds(seconds);
    String by = r.state().nick;
    if (looksLikeAddress(target)) {
      eventBus.publish(BANS_ADDRESS, new ModerationOrder.Ban(null, target, until, by).toJson());
      r.reply(new Reply.Notice("Banned " + target + (until == null ? "" : " until " + until)));
      return;
    }
    toUser(r, target, nick -> new ModerationOrder.Ban(nick, null, until, by));
  }

  void unban(Request r, String target) {
    eventBus.publish(BANS_ADDRESS, new ModerationOrder.Unban(target).toJson());
    r.reply(new Reply.Notice("Bans on " + target + " lifted (if there were any)."));
  }

  private static boolean looksLikeAddress(String target) {
    return target.indexOf('.') > 0 || target.indexOf(':') >= 0;
  }

  /**
   * Sends an order about a user to that user's node. @param order made from the nickname as it is
   * held
   */
  private void toUser(Request r, String nick, Function<String, ModerationOrder> order) {
    nicknames.withHolder(
        r,
        nick,
        target -> {
          ModerationOrder o = order.apply(target.nick());
          eventBus.send(controlAddress(target.node()), o.toJson());
          r.reply(new Reply.Notice("Done: " + o.op() + " " + target.nick()));
        });
  }

  // ---- carrying them out ---------------------------------------------------------------------

  private void received(JsonObject json, ModerationOrder.Visitor<Void> handler) {
    ModerationOrder order;
    try {
      order = ModerationOrder.fromJson(json);
    } catch (RuntimeException e) {
      LOG.warn("bad moderation order {}: {}", json, e.toString());
      return;
    }
    order.accept(handler);
  }

  /** An order for a user of this node. */
  private final ModerationOrder.Visitor<Void> forUser =
      new ModerationOrder.Visitor<>() {
        @Override
        public Void kick(ModerationOrder.Kick k) {
          onSessionOf(
              k.nick(),
              target -> {
                LOG.info(
                    "{} ({}) kicked by {}: {}",
                    target.id(),
                    target.state().nick,
                    k.by(),
                    k.reason());
                target.close("kicked by " + k.by() + ": " + k.reason());
              });
          return null;
        }

        @Override
        public Void mute(ModerationOrder.Mute m) {
          onSessionOf(
              m.nick(),
              target -> {
                long seconds = m.seconds();
                target.state().mutedUntil =
                    seconds == 0 ? null : clock.instant().plusSeconds(seconds);
                LOG.info(
                    "{} ({}) muted by {} for {} s",
                    target.id(),
                    target.state().nick,
                    m.by(),
                    seconds);
                target.reply(
                    new Reply.Notice(
                        seconds == 0
                            ? "You may talk again."
                            : "You are muted by "
                                + m.by()
                                + " for "
                                + Durations.format(seconds)
                                + "."));
              });
          return null;
        }

        @Override
        public Void ban(ModerationOrder.Ban b) {
          // a ban by nickname: this node knows the address; every node learns the ban
          onSessionOf(
              b.nick(),
              target ->
                  eventBus.publish(
                      BANS_ADDRESS,
                      new ModerationOrder.Ban(
                              target.state().nick, target.address(), b.until(), b.by())
                          .toJson()));
          return null;
        }

        @Override
        public Void unban(ModerationOrder.Unban u) {
          LOG.warn("an unban goes to every node's ban list, not to a user: {}", u);
          return null;
        }
      };

  /**
   * Runs {@code action} on the event loop of this node's session holding {@code nick}, if there is
   * one.
   */
  private void onSessionOf(String nick, java.util.function.Consumer<Session> action) {
    Session target = nick == null ? null : nicknames.session(nick);
    if (target != null) {
      target.context().runOnContext(v -> action.accept(target));
    }
  }

  /**
   * Every node applies a ban or unban to its ban list, and closes its sessions from a banned
   * address.
   */
  private final ModerationOrder.Visitor<Void> forBanList =
      new ModerationOrder.Visitor<>() {
        @Override
        public Void ban(ModerationOrder.Ban b) {
          bans.add(new BanList.Ban(b.address(), b.nick(), b.until(), b.by()));
          LOG.info(
              "{} banned by {} until {}",
              b.address(),
              b.by(),
              b.until() == null ? "lifted" : b.until());
          for (Session s : admission.sessions()) {
            if (s.address().equals(b.address())) {
              s.context().runOnContext(v -> s.close("banned by " + b.by()));
            }
          }
          return null;
        }

        @Override
        public Void unban(ModerationOrder.Unban u) {
          bans.remove(u.target()).forEach(b -> LOG.info("ban on {} lifted", b.address()));
          return null;
        }

        @Override
        public Void kick(ModerationOrder.Kick k) {
          LOG.warn("a kick goes to the user's node, not to the ban lists: {}", k);
          return null;
        }

        @Override
        public Void mute(ModerationOrder.Mute m) {
          LOG.warn("a mute goes to the user's node, not to the ban lists: {}", m);
          return null;
        }
      };
}

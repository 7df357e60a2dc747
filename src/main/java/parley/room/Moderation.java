package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.Durations;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.chat.Role;
import parley.net.ClientAddress;
import parley.store.BanList;
import parley.store.ChatStore;

/**
 * Operators and what they may do: {@code /op}, which makes a registered account the first admin
 * while no account is one (with its limits on wrong passwords); kick, mute, ban and unban, of
 * nicknames, addresses and accounts ({@code account:NAME}, kept under {@link Account#mask}). Bans
 * and mutes are written to the {@link ChatStore}, which applies them on every node and reports each
 * one back ({@link #banned}, {@link #muted}, {@link #unmuted}, registered by {@link
 * ChatService#start}) so that each node acts on its own sessions. A kick, and a ban by nickname
 * (only the user's node knows the address), travel as a {@link ModerationOrder} to the user's node.
 * The operator is answered once the store took the change, or with the store's error.
 */
final class Moderation {
  private static final Logger LOG = LoggerFactory.getLogger(Moderation.class);
  private static final int WRONG_PASSWORDS_PER_SESSION = 3;
  private static final int WRONG_PASSWORDS_PER_ADDRESS = 10;
  private static final long WRONG_PASSWORD_WINDOW_NANOS = 300_000_000_000L;

  private final String password;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final String node;
  private final EventBus eventBus;
  private final ChatStore store;
  private final Nicknames nicknames;
  private final Admission admission;
  private final Map<String, Deque<Long>> wrongPasswords = new ConcurrentHashMap<>();

  Moderation(
      String password,
      Clock clock,
      LongSupplier nanoTime,
      String node,
      EventBus eventBus,
      ChatStore store,
      Nicknames nicknames,
      Admission admission) {
    this.password = password;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.node = node;
    this.eventBus = eventBus;
    this.store = store;
    this.nicknames = nicknames;
    this.admission = admission;
  }

  static String controlAddress(String node) {
    return "parley.node." + node + ".control";
  }

  /** Receives the orders for this node's users. */
  Future<Void> start() {
    return eventBus
        .<JsonObject>consumer(controlAddress(node), this::received)
        .completion()
        .mapEmpty();
  }

  // ---- operators -----------------------------------------------------------------------------

  /**
   * {@code /op PASSWORD}: while no account is an admin, the operator password makes the session's
   * account the first one. Once there is an admin, operators are accounts with roles ({@code
   * /grant}) and the password is not even checked.
   */
  void operator(Request r, String given) {
    if (password.isEmpty()) {
      r.reply(
          new Reply.Error(
              ErrorCode.NOT_AVAILABLE, "this server has no operator password configured"));
      return;
    }
    store
        .anyHolds(Role.ADMIN)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(r, "first admin", ar.cause());
              } else if (ar.result()) {
                r.reply(
                    new Reply.Error(
                        ErrorCode.NOT_AVAILABLE,
                        "operators are accounts now: an admin gives roles with /grant NICK"
                            + " admin|moderator"));
              } else if (r.state().account == null) {
                r.reply(
                    new Reply.Error(
                        ErrorCode.NO_ACCOUNT,
                        "register your nickname first (/register PASSWORD): the operator password"
                            + " makes a registered account the first admin"));
              } else {
                firstAdmin(r, given);
              }
            });
  }

  private void firstAdmin(Request r, String given) {
    Session s = r.session();
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
    String account = s.state().account;
    // two first admins made at once on two nodes are possible; both knew the operator password
    store
        .setRole(account, Role.ADMIN, true)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(r, "first admin", ar.cause());
              } else if (!ar.result()) {
                r.reply(
                    new Reply.Error(ErrorCode.NO_ACCOUNT, account + " is no longer registered"));
              } else {
                LOG.info(
                    "{} ({}) made the account {} the first admin", s.id(), s.state().nick, account);
                // at once, before the reply (the store's report of the change comes later)
                EnumSet<Role> roles = EnumSet.of(Role.ADMIN);
                roles.addAll(s.state().roles);
                s.state().roles = roles;
                r.reply(
                    new Reply.Notice(
                        "The account "
                            + account
                            + " is the first admin; operators are accounts now (/grant NICK"
                            + " admin|moderator). You are now "
                            + Accounts.powers(roles)));
              }
            });
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
    nicknames.withHolder(
        r,
        nick,
        target -> {
          ModerationOrder o = new ModerationOrder.Kick(target.nick(), r.state().nick, reason);
          eventBus.send(controlAddress(target.node()), o.toJson());
          r.reply(new Reply.Notice("Done: kick " + target.nick()));
        });
  }

  /**
   * Mutes the holder of {@code nick} for {@code seconds}, or with 0 lifts the mute of {@code nick}
   * (held or not: a mute outlives its user's session).
   */
  void mute(Request r, String nick, long seconds) {
    String account = Account.masked(nick);
    if (account != null) {
      muteAccount(r, account, seconds);
      return;
    }
    if (seconds == 0) {
      store
          .unmute(nick)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  failed(r, "unmute of " + nick, ar.cause());
                } else {
                  r.reply(
                      new Reply.Notice(
                          ar.result() ? "Done: unmute " + nick : nick + " was not muted."));
                }
              });
      return;
    }
    String by = r.state().nick;
    nicknames.withHolder(
        r,
        nick,
        holder -> {
          Instant until = clock.instant().plusSeconds(seconds);
          store
              .mute(new ChatStore.Mute(holder.nick(), until, by))
              .onComplete(
                  ar -> {
                    if (ar.failed()) {
                      failed(r, "mute of " + holder.nick(), ar.cause());
                    } else {
                      r.reply(new Reply.Notice("Done: mute " + holder.nick()));
                    }
                  });
        });
  }

  /** Mutes (or with 0 unmutes) every session logged in to the account, whatever its nickname. */
  private void muteAccount(Request r, String name, long seconds) {
    String mask = Account.mask(name);
    if (seconds == 0) {
      store
          .unmute(mask)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  failed(r, "unmute of " + mask, ar.cause());
                } else {
                  r.reply(
                      new Reply.Notice(
                          ar.result() ? "Done: unmute " + mask : mask + " was not muted."));
                }
              });
      return;
    }
    Instant until = clock.instant().plusSeconds(seconds);
    withAccount(
        r,
        name,
        account ->
            store
                .mute(new ChatStore.Mute(mask, until, r.state().nick))
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        failed(r, "mute of " + mask, ar.cause());
                      } else {
                        r.reply(new Reply.Notice("Done: mute " + mask));
                      }
                    }));
  }

  /** Runs {@code action} with the account {@code name}, or tells the operator there is none. */
  private void withAccount(Request r, String name, Consumer<Account> action) {
    store
        .account(name)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(r, "look-up of the account " + name, ar.cause());
              } else if (ar.result() == null) {
                r.reply(
                    new Reply.Error(ErrorCode.NO_ACCOUNT, name + " is not a registered account"));
              } else {
                action.accept(ar.result());
              }
            });
  }

  /**
   * Bans an address, an account ({@code account:NAME}: its logins, whatever the nickname or
   * address), or the address of the user holding a nickname (which that user's node knows, so the
   * order goes there and that node writes the ban).
   */
  void ban(Request r, String given, long seconds) {
    Instant until = seconds == 0 ? null : clock.instant().plusSeconds(seconds);
    String by = r.state().nick;
    String name = Account.masked(given);
    if (name != null) {
      withAccount(
          r,
          name,
          account -> {
            String mask = Account.mask(account.name());
            store
                .ban(new BanList.Ban(mask, account.name(), until, by))
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        failed(r, "ban of " + mask, ar.cause());
                      } else {
                        r.reply(
                            new Reply.Notice(
                                "Banned " + mask + (until == null ? "" : " until " + until)));
                      }
                    });
          });
      return;
    }
    String target = ClientAddress.canonical(given);
    if (looksLikeAddress(target)) {
      store
          .ban(new BanList.Ban(target, null, until, by))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  failed(r, "ban of " + target, ar.cause());
                } else {
                  r.reply(
                      new Reply.Notice(
                          "Banned " + target + (until == null ? "" : " until " + until)));
                }
              });
      return;
    }
    nicknames.withHolder(
        r,
        target,
        holder ->
            eventBus
                .<JsonObject>request(
                    controlAddress(holder.node()),
                    new ModerationOrder.Ban(holder.nick(), null, until, by).toJson())
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        LOG.warn(
                            "ban of {}: no answer from its node: {}",
                            holder.nick(),
                            ar.cause().toString());
                        r.reply(
                            new Reply.Error(
                                ErrorCode.NOT_STORED,
                                "not done: the server of " + holder.nick() + " did not answer"));
                        return;
                      }
                      Reply.Error error = errorFrom(ar.result().body());
                      r.reply(
                          error != null ? error : new Reply.Notice("Done: ban " + holder.nick()));
                    }));
  }

  void unban(Request r, String given) {
    String name = Account.masked(given);
    String target = name != null ? Account.mask(name) : ClientAddress.canonical(given);
    store
        .unban(target)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(r, "unban of " + target, ar.cause());
                return;
              }
              List<BanList.Ban> lifted = ar.result();
              lifted.forEach(b -> LOG.info("ban on {} lifted by {}", b.address(), r.state().nick));
              r.reply(
                  new Reply.Notice(
                      lifted.isEmpty()
                          ? "No ban on " + target + "."
                          : "Lifted: "
                              + String.join(
                                  ", ",
                                  lifted.stream()
                                      .map(
                                          b ->
                                              b.address()
                                                  + (b.nick() == null ? "" : " (" + b.nick() + ")"))
                                      .toList())));
            });
  }

  private static boolean looksLikeAddress(String target) {
    return target.indexOf('.') > 0 || target.indexOf(':') >= 0;
  }

  /** Tells the operator that the store did not take the change. */
  private static void failed(Request r, String what, Throwable err) {
    LOG.warn("{} by {} not stored: {}", what, r.state().nick, err.toString());
    r.reply(error(err, what));
  }

  /** What the operator is told when the store did not take a moderation change. */
  private static Reply.Error error(Throwable err, String what) {
    if (err instanceof UnsupportedOperationException) {
      return new Reply.Error(
          ErrorCode.NOT_AVAILABLE,
          "not done: this server's store keeps no bans or mutes (" + err.getMessage() + ")");
    }
    return StoreErrors.reply(err, "not done: the " + what + " could not be stored");
  }

  /** An error carried in an order's answer as {@code code} and {@code message}, or null. */
  private static Reply.Error errorFrom(JsonObject answer) {
    String code = answer == null ? null : answer.getString("code");
    if (code == null) {
      return null;
    }
    ErrorCode errorCode;
    try {
      errorCode = ErrorCode.valueOf(code.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException unknown) {
      errorCode = ErrorCode.NOT_STORED;
    }
    return new Reply.Error(errorCode, answer.getString("message", "not done"));
  }

  private static JsonObject answer(Reply.Error error) {
    return new JsonObject().put("code", error.code()).put("message", error.message());
  }

  // ---- carrying out orders for this node's users ---------------------------------------------

  private void received(Message<JsonObject> msg) {
    ModerationOrder order;
    try {
      order = ModerationOrder.fromJson(msg.body());
    } catch (RuntimeException e) {
      LOG.warn("bad moderation order {}: {}", msg.body(), e.toString());
      return;
    }
    order.accept(
        new ModerationOrder.Visitor<Void>() {
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
          public Void ban(ModerationOrder.Ban b) {
            banHolder(b, msg);
            return null;
          }

          @Override
          public Void mute(ModerationOrder.Mute m) {
            LOG.warn("mutes are kept in the store now, not sent to nodes; ignored: {}", m);
            return null;
          }

          @Override
          public Void unban(ModerationOrder.Unban u) {
            LOG.warn("unbans are kept in the store now, not sent to nodes; ignored: {}", u);
            return null;
          }
        });
  }

  /**
   * A ban by nickname, on the node of its holder: bans the holder's address in the store, and
   * answers the operator's node.
   */
  private void banHolder(ModerationOrder.Ban b, Message<JsonObject> msg) {
    Session target = b.nick() == null ? null : nicknames.session(b.nick());
    if (target == null) {
      msg.reply(
          answer(
              new Reply.Error(
                  ErrorCode.NO_SUCH_NICK, "no one is called \"" + b.nick() + "\" here")));
      return;
    }
    store
        .ban(new BanList.Ban(target.address(), b.nick(), b.until(), b.by()))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn("ban of {} not stored: {}", b.nick(), ar.cause().toString());
                msg.reply(answer(error(ar.cause(), "ban of " + b.nick())));
              } else {
                msg.reply(new JsonObject());
              }
            });
  }

  /**
   * Runs {@code action} on the event loop of this node's session holding {@code nick}, if there is
   * one.
   */
  private void onSessionOf(String nick, Consumer<Session> action) {
    Session target = nick == null ? null : nicknames.session(nick);
    if (target != null) {
      target.context().runOnContext(v -> action.accept(target));
    }
  }

  // ---- what the store applied, on every node -------------------------------------------------

  /**
   * A ban the store applied: this node's sessions from that address, or logged in to that account,
   * are closed.
   */
  void banned(BanList.Ban b) {
    LOG.info(
        "{} ({}) banned by {} until {}",
        b.address(),
        b.nick(),
        b.by(),
        b.until() == null ? "lifted" : b.until());
    if (Account.masked(b.address()) != null) {
      onSessionsOfAccount(b.address(), s -> s.close("banned by " + b.by()));
      return;
    }
    for (Session s : admission.sessions()) {
      if (s.address().equals(b.address())) {
        s.context().runOnContext(v -> s.close("banned by " + b.by()));
      }
    }
  }

  /**
   * Runs {@code action}, on its event loop, for each session of this node logged in to the account
   * whose {@link Account#mask} is {@code mask}.
   */
  private void onSessionsOfAccount(String mask, Consumer<Session> action) {
    for (Session s : nicknames.sessions()) {
      s.context()
          .runOnContext(
              v -> {
                String account = s.state().account;
                if (account != null && Account.mask(account).equals(mask)) {
                  action.accept(s);
                }
              });
    }
  }

  /**
   * A mute the store applied: this node's session holding the nickname, or its sessions logged in
   * to the account, are told.
   */
  void muted(ChatStore.Mute m) {
    onMuted(
        m.nick(),
        target -> {
          String how;
          if (m.until() == null) {
            how = " with no end";
          } else {
            long millis = java.time.Duration.between(clock.instant(), m.until()).toMillis();
            how = " for " + Durations.format(Math.max(1, (millis + 999) / 1000));
          }
          LOG.info("{} ({}) muted by {}{}", target.id(), target.state().nick, m.by(), how);
          target.reply(new Reply.Notice("You are muted by " + m.by() + how + "."));
        });
  }

  /** A mute the store lifted: this node's session holding the nickname, if any, is told. */
  void unmuted(String nick) {
    onMuted(
        nick,
        target -> {
          LOG.info("{} ({}) may talk again", target.id(), target.state().nick);
          target.reply(new Reply.Notice("You may talk again."));
        });
  }

  /** The sessions a mute of {@code nickOrMask} concerns: a nickname's holder, or an account's. */
  private void onMuted(String nickOrMask, Consumer<Session> action) {
    if (Account.masked(nickOrMask) != null) {
      onSessionsOfAccount(nickOrMask, action);
    } else {
      onSessionOf(nickOrMask, action);
    }
  }
}

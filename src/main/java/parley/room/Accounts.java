package parley.room;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.Credentials;
import parley.chat.ErrorCode;
import parley.chat.Nick;
import parley.chat.PasswordHash;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.chat.WrongPasswords;
import parley.store.ChatStore;

/**
 * Registered nicknames (docs/ACCOUNTS.md): the login check for a registered nickname and {@code
 * /register}, {@code /identify}, {@code /password}, {@code /logout}, {@code /drop}. Passwords are
 * hashed and checked off the event loop ({@code executeBlocking}), on this node: only the hash goes
 * to the store. No password is ever logged or sent anywhere.
 */
final class Accounts {
  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);

  private final Vertx vertx;
  private final ChatStore store;
  private final Clock clock;
  private final int iterations;
  private final Continuity continuity;
  private final WrongPasswords wrong = WrongPasswords.standard();
  private final SecureRandom random = new SecureRandom();

  Accounts(Vertx vertx, ChatStore store, Clock clock, int iterations, Continuity continuity) {
    this.vertx = vertx;
    this.store = store;
    this.clock = clock;
    this.iterations = iterations;
    this.continuity = continuity;
  }

  /**
   * Before a session takes {@code nick} at login: true when it may (the nick is not registered, or
   * {@code password} is its account's), and then {@code st.account} is set for a registered one.
   * Otherwise the request got an error and the session may try again.
   */
  Future<Boolean> mayTake(Request r, String nick, String password) {
    return store
        .account(nick)
        .compose(
            account -> {
              if (account == null) {
                return Future.succeededFuture(true);
              }
              if (password == null || password.isEmpty()) {
                r.reply(registered(account.name()));
                return Future.succeededFuture(false);
              }
              return check(r, account, password)
                  .map(
                      ok -> {
                        if (ok) {
                          r.state().account = account.name();
                        }
                        return ok;
                      });
            });
  }

  /** {@code /nick} to a registered nickname needs its account. */
  Future<Boolean> mayRename(Request r, String nick) {
    String mine = r.state().account;
    return store
        .account(nick)
        .map(
            account -> {
              if (account == null || mine != null && Nick.key(mine).equals(account.key())) {
                return true;
              }
              r.reply(registered(account.name()));
              return false;
            });
  }

  void register(Request r, String password) {
    SessionState st = r.state();
    if (st.account != null) {
      r.reply(
          new Reply.Error(
              ErrorCode.NICK_REGISTERED, "you are logged in to the account " + st.account));
      return;
    }
    char[] pw = password.toCharArray();
    String problem = Credentials.problem(pw);
    if (problem != null) {
      r.reply(new Reply.Error(ErrorCode.PASSWORD_INVALID, problem));
      return;
    }
    String nick = st.nick;
    Instant now = clock.instant();
    vertx
        .executeBlocking(() -> hash(pw), false)
        .compose(hash -> store.register(Account.create(nick, hash, now)))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                r.reply(StoreErrors.reply(ar.cause(), "your nickname was not registered"));
              } else if (!ar.result()) {
                r.reply(registered(nick));
              } else {
                st.account = nick;
                LOG.info("{} registered the nickname {}", r.session().id(), nick);
                r.reply(
                    new Reply.Notice(
                        "The nickname "
                            + nick
                            + " is registered to you. Next time give its password when you log in"
                            + " (or /identify)."));
                continuity.loggedIn(r);
              }
            });
  }

  void identify(Request r, String password) {
    SessionState st = r.state();
    store
        .account(st.nick)
        .compose(
            account -> {
              if (account == null) {
                r.reply(
                    new Reply.Error(
                        ErrorCode.NO_ACCOUNT, st.nick + " is not registered (see /register)"));
                return Future.succeededFuture();
              }
              return check(r, account, password)
                  .map(
                      ok -> {
                        if (ok) {
                          st.account = account.name();
                          r.reply(new Reply.Notice("You are logged in as " + account.name() + "."));
                          continuity.loggedIn(r);
                        }
                        return null;
                      });
            })
        .onFailure(err -> r.reply(StoreErrors.reply(err, "you were not logged in")));
  }

  void changePassword(Request r, String oldPassword, String newPassword) {
    SessionState st = r.state();
    if (st.account == null) {
      r.reply(notLoggedIn());
      return;
    }
    char[] fresh = newPassword.toCharArray();
    String problem = Credentials.problem(fresh);
    if (problem != null) {
      r.reply(new Reply.Error(ErrorCode.PASSWORD_INVALID, problem));
      return;
    }
    String name = st.account;
    store
        .account(name)
        .compose(
            account ->
                account == null ? Future.succeededFuture(false) : check(r, account, oldPassword))
        .compose(
            ok ->
                ok
                    ? vertx
                        .executeBlocking(() -> hash(fresh), false)
                        .compose(hash -> store.setPassword(name, hash))
                    : Future.succeededFuture(null))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                r.reply(StoreErrors.reply(ar.cause(), "your password was not changed"));
              } else if (Boolean.TRUE.equals(ar.result())) {
                LOG.info("{} changed the password of {}", r.session().id(), name);
                r.reply(new Reply.Notice("Your password is changed."));
              }
            });
  }

  void logout(Request r) {
    SessionState st = r.state();
    if (st.account == null) {
      r.reply(notLoggedIn());
      return;
    }
    String name = st.account;
    continuity.remember(r.session(), name);
    st.account = null;
    r.reply(
        new Reply.Notice(
            "You are logged out of "
                + name
                + ". You keep your nickname, as a guest, until you leave."));
  }

  void drop(Request r, String password) {
    SessionState st = r.state();
    if (st.account == null) {
      r.reply(notLoggedIn());
      return;
    }
    String name = st.account;
    store
        .account(name)
        .compose(
            account ->
                account == null ? Future.succeededFuture(false) : check(r, account, password))
        .compose(ok -> ok ? store.dropAccount(name) : Future.succeededFuture(null))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                r.reply(StoreErrors.reply(ar.cause(), "your account was not deleted"));
              } else if (Boolean.TRUE.equals(ar.result())) {
                st.account = null;
                LOG.info("{} dropped the account {}", r.session().id(), name);
                r.reply(
                    new Reply.Notice("The account " + name + " is deleted; the nickname is free."));
              }
            });
  }

  /**
   * Checks {@code password} against the account, within the limits on wrong passwords; replies with
   * an error when it is refused.
   */
  private Future<Boolean> check(Request r, Account account, String password) {
    String address = r.session().address();
    Duration locked = wrong.locked(account.key(), address, clock.instant());
    if (!locked.isZero()) {
      LOG.warn(
          "{} from {}: password for {} refused, too many wrong passwords",
          r.session().id(),
          address,
          account.name());
      r.reply(
          new Reply.Error(
              ErrorCode.TOO_MANY_ATTEMPTS,
              "too many wrong passwords; try again in " + Math.max(1, locked.toSeconds()) + " s"));
      return Future.succeededFuture(false);
    }
    char[] pw = password.toCharArray();
    PasswordHash stored = account.password();
    return vertx
        .executeBlocking(
            () -> {
              try {
                return Credentials.verify(pw, stored);
              } finally {
                Credentials.clear(pw);
              }
            },
            false)
        .map(
            ok -> {
              if (ok) {
                wrong.succeeded(account.key());
              } else {
                wrong.failed(account.key(), address, clock.instant());
                LOG.warn(
                    "{} from {}: wrong password for {}", r.session().id(), address, account.name());
                r.reply(new Reply.Error(ErrorCode.WRONG_PASSWORD, "wrong password"));
              }
              return ok;
            });
  }

  private PasswordHash hash(char[] password) {
    try {
      return Credentials.hash(password, iterations, random);
    } finally {
      Credentials.clear(password);
    }
  }

  private static Reply.Error registered(String name) {
    return new Reply.Error(
        ErrorCode.NICK_REGISTERED,
        name + " is a registered nickname: give its password (or choose another nickname)");
  }

  private static Reply.Error notLoggedIn() {
    return new Reply.Error(
        ErrorCode.NO_ACCOUNT, "you are not logged in to an account (see /register, /identify)");
  }
}

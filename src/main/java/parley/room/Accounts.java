package parley.room;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.Credentials;
import parley.chat.ErrorCode;
import parley.chat.LoginProof;
import parley.chat.Nick;
import parley.chat.PasswordHash;
import parley.chat.Reply;
import parley.chat.Role;
import parley.chat.SessionState;
import parley.chat.WrongPasswords;
import parley.store.ChatStore;

/**
 * Registered nicknames (docs/ACCOUNTS.md): the login check for a registered nickname (refused when
 * the account is banned), {@code /register}, {@code /identify}, {@code /password}, {@code /logout},
 * {@code /drop}, and roles: a session logged in to an account has its roles ({@code /grant}, {@code
 * /revoke}; a change reaches the account's sessions on every node through {@link
 * ChatStore#onRoles}). Passwords are hashed and checked off the event loop ({@code
 * executeBlocking}), on this node: only the hash goes to the store. No password is ever logged or
 * sent anywhere.
 */
final class Accounts {
  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);

  private final Vertx vertx;
  private final ChatStore store;
  private final Nicknames nicknames;
  private final Clock clock;
  private final int iterations;
  private final boolean required;
  private final Continuity continuity;
  private final WrongPasswords wrong = WrongPasswords.standard();
  private final SecureRandom random = new SecureRandom();

  /**
   * @param required {@code accounts.required}: a nickname must be registered to be taken
   */
  Accounts(
      Vertx vertx,
      ChatStore store,
      Nicknames nicknames,
      Clock clock,
      int iterations,
      boolean required,
      Continuity continuity) {
    this.vertx = vertx;
    this.store = store;
    this.nicknames = nicknames;
    this.clock = clock;
    this.iterations = iterations;
    this.required = required;
    this.continuity = continuity;
  }

  /** What a welcome says of the session's account. */
  record SignedIn(String account, List<String> roles, String token) {
    static final SignedIn GUEST = new SignedIn(null, List.of(), null);

    /** No token material in logs. */
    @Override
    public String toString() {
      return "SignedIn[" + account + ", " + roles + "]";
    }
  }

  /**
   * Before a session takes {@code nick} at login: true when it may (the nick is not registered and
   * no account is claimed, the proof is the account's password or one of its web tokens, or the
   * nick is free to register; with {@code accounts.required} a guest is refused; and the account is
   * not banned), and then {@code st.account} and {@code st.roles} are set for a registered one.
   * Otherwise the request got an error and the session may try again.
   */
  Future<Boolean> mayTake(Request r, String nick, LoginProof proof) {
    boolean hasPassword = proof.password() != null && !proof.password().isEmpty();
    if (proof.register()) {
      char[] pw = hasPassword ? proof.password().toCharArray() : new char[0];
      String problem = Credentials.problem(pw);
      Credentials.clear(pw);
      if (problem != null) {
        r.reply(new Reply.Error(ErrorCode.PASSWORD_INVALID, problem));
        return Future.succeededFuture(false);
      }
    }
    return store
        .account(nick)
        .compose(
            account -> {
              if (proof.token() != null) {
                return checkToken(r, nick, account, proof.token());
              }
              if (account == null) {
                if (hasPassword && !proof.register()) {
                  r.reply(
                      new Reply.Error(
                          ErrorCode.NO_ACCOUNT,
                          nick
                              + " is not registered: register it, or join as a guest without a"
                              + " password"));
                  return Future.succeededFuture(false);
                }
                return Future.succeededFuture(proof.register() || !guestRefused(r, nick));
              }
              if (proof.register() || !hasPassword) {
                r.reply(registered(account.name()));
                return Future.succeededFuture(false);
              }
              return check(r, account, proof.password())
                  .map(
                      ok -> {
                        if (ok && notBanned(r, account)) {
                          logIn(r.state(), account);
                          return true;
                        }
                        return false;
                      });
            });
  }

  /**
   * After a welcome: tells a session logged in to an account with a role what it may do, in one
   * notice line.
   */
  void greet(Request r) {
    if (!r.state().roles.isEmpty()) {
      r.reply(new Reply.Notice("You are " + powers(r.state().roles)));
    }
  }

  /**
   * Once the session holds {@code nick}: registers it when the proof asks to, and gives a web
   * session that gave a password a new token. Null when the registration was refused (the request
   * got an error; the caller lets the nickname go).
   */
  Future<SignedIn> signIn(Request r, String nick, LoginProof proof) {
    SessionState st = r.state();
    boolean web = "web".equals(st.via); // tokens are for browsers only
    if (proof.register()) {
      return registerNew(r, nick, proof.password())
          .compose(
              ok -> {
                if (!ok) {
                  return Future.succeededFuture(null);
                }
                if (!web) {
                  r.reply(new Reply.Notice("The nickname " + nick + " is registered to you."));
                }
                return web ? withToken(r, nick, List.of()) : signedIn(nick, List.of());
              });
    }
    if (st.account == null) {
      return Future.succeededFuture(SignedIn.GUEST);
    }
    String name = st.account;
    return store
        .account(name)
        .compose(
            account -> {
              List<String> roles =
                  account == null
                      ? List.of()
                      : account.roles().stream().map(Role::label).sorted().toList();
              return web && proof.password() != null
                  ? withToken(r, name, roles)
                  : signedIn(name, roles);
            });
  }

  private static Future<SignedIn> signedIn(String name, List<String> roles) {
    return Future.succeededFuture(new SignedIn(name, roles, null));
  }

  /** A new web token for the account, kept (its hash) by the store; none if the store refused. */
  private Future<SignedIn> withToken(Request r, String name, List<String> roles) {
    String token = Credentials.newToken(random);
    String hash = Credentials.tokenHash(token);
    return store
        .addToken(name, new Account.Token(hash, Account.Token.WEB, clock.instant()))
        .transform(
            ar -> {
              if (ar.succeeded() && ar.result()) {
                r.state().tokenHash = hash;
                return Future.succeededFuture(new SignedIn(name, roles, token));
              }
              LOG.warn(
                  "{}: no session token for {}: {}",
                  r.session().id(),
                  name,
                  ar.failed() ? ar.cause().toString() : "no such account");
              return signedIn(name, roles);
            });
  }

  /**
   * A login with a session token: it must be a web token of the nickname's account. A bad one
   * counts as a wrong password for the nickname and the address.
   */
  private Future<Boolean> checkToken(Request r, String nick, Account account, String token) {
    String address = r.session().address();
    String key = Nick.key(nick);
    Instant now = clock.instant();
    if (tooMany(r, key, nick, address)) {
      return Future.succeededFuture(false);
    }
    String hash = Credentials.tokenHash(token);
    return store
        .accountByToken(hash)
        .map(
            holder -> {
              Account.Token t = holder == null ? null : holder.token(hash);
              if (account == null
                  || t == null
                  || !holder.key().equals(account.key())
                  || !Account.Token.WEB.equals(t.scope())) {
                wrong.failed(key, address, now);
                LOG.warn(
                    "{} from {}: invalid session token for {}", r.session().id(), address, nick);
                r.reply(
                    new Reply.Error(
                        ErrorCode.TOKEN_INVALID,
                        "that session has ended (logged out, or the password changed); log in"
                            + " with the password"));
                return false;
              }
              if (!notBanned(r, account)) {
                return false;
              }
              logIn(r.state(), account);
              r.state().tokenHash = hash;
              return true;
            });
  }

  /**
   * With {@code accounts.required}, a nickname that is not registered is refused (a guest can't
   * chat): the request is told how to register. @return whether it was refused
   */
  boolean guestRefused(Request r, String nick) {
    if (!required) {
      return false;
    }
    r.reply(
        new Reply.Error(
            ErrorCode.ACCOUNT_REQUIRED,
            "This server needs an account: "
                + nick
                + " is not registered; choose a password to register it, or use a registered"
                + " nickname"));
    return true;
  }

  /**
   * {@code /nick} to a registered nickname needs its account; with {@code accounts.required} a
   * session keeps its account's nickname (other capitals only).
   */
  Future<Boolean> mayRename(Request r, String nick) {
    String mine = r.state().account;
    return store
        .account(nick)
        .map(
            account -> {
              if (account == null) {
                return !guestRefused(r, nick);
              }
              if (mine != null && Nick.key(mine).equals(account.key())) {
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
    String problem = problem(password);
    if (problem != null) {
      r.reply(new Reply.Error(ErrorCode.PASSWORD_INVALID, problem));
      return;
    }
    registerNew(r, st.nick, password)
        .onSuccess(
            ok -> {
              if (ok) {
                r.reply(
                    new Reply.Notice(
                        "The nickname "
                            + st.nick
                            + " is registered to you. Next time give its password when you log in"
                            + " (or /identify)."));
                continuity.loggedIn(r);
              }
            });
  }

  /**
   * Registers {@code nick}, which the session holds (at login or by {@code /register}), with a
   * password that passed {@link #problem}: true, and {@code st.account} is set; otherwise the
   * request got an error.
   */
  Future<Boolean> registerNew(Request r, String nick, String password) {
    char[] pw = password.toCharArray();
    Instant now = clock.instant();
    return vertx
        .executeBlocking(() -> hash(pw), false)
        .compose(hash -> store.register(Account.create(nick, hash, now)))
        .transform(
            ar -> {
              if (ar.failed()) {
                r.reply(StoreErrors.reply(ar.cause(), "your nickname was not registered"));
                return Future.succeededFuture(false);
              }
              if (!ar.result()) {
                r.reply(registered(nick));
                return Future.succeededFuture(false);
              }
              r.state().account = nick;
              LOG.info("{} registered the nickname {}", r.session().id(), nick);
              return Future.succeededFuture(true);
            });
  }

  private static String problem(String password) {
    char[] pw = password.toCharArray();
    try {
      return Credentials.problem(pw);
    } finally {
      Credentials.clear(pw);
    }
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
                        if (ok && notBanned(r, account)) {
                          logIn(st, account);
                          r.reply(new Reply.Notice("You are logged in as " + account.name() + "."));
                          greet(r);
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
    st.roles = Set.of();
    if (st.tokenHash != null) {
      store
          .dropToken(name, st.tokenHash)
          .onFailure(
              err ->
                  LOG.warn("{}: session token of {} not revoked: {}", r.session().id(), name, err));
      st.tokenHash = null;
    }
    if (required) {
      // no guests here: logging out is leaving
      r.reply(new Reply.Notice("You are logged out of " + name + "."));
      r.session().close("logged out");
      return;
    }
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
                st.roles = Set.of();
                LOG.info("{} dropped the account {}", r.session().id(), name);
                r.reply(
                    new Reply.Notice("The account " + name + " is deleted; the nickname is free."));
                if (required) {
                  r.session().close("account deleted");
                }
              }
            });
  }

  /** {@code /grant} ({@code granted}) or {@code /revoke}: admins only (the chat core checks). */
  void setRole(Request r, String name, Role role, boolean granted) {
    String what = (granted ? "grant of " : "revoke of ") + role.label() + " to " + name;
    store
        .account(name)
        .compose(
            account -> {
              if (account == null) {
                r.reply(
                    new Reply.Error(
                        ErrorCode.NO_ACCOUNT,
                        name + " is not a registered account: only accounts hold roles"));
                return Future.succeededFuture();
              }
              if (account.roles().contains(role) == granted) {
                r.reply(
                    new Reply.Notice(
                        account.name()
                            + (granted ? " is already " : " is not ")
                            + article(role)
                            + "."));
                return Future.succeededFuture();
              }
              return store
                  .setRole(account.name(), role, granted)
                  .map(
                      set -> {
                        LOG.info(
                            "{} ({}) {} {} the role {}",
                            r.session().id(),
                            r.state().nick,
                            granted ? "gave" : "took from",
                            account.name(),
                            role.label());
                        r.reply(
                            new Reply.Notice(
                                "Done: "
                                    + account.name()
                                    + (granted ? " is now " : " is no longer ")
                                    + article(role)
                                    + "."));
                        return null;
                      });
            })
        .onFailure(err -> r.reply(StoreErrors.reply(err, "not done: the " + what)));
  }

  /**
   * The store set the roles of the account {@code name} (on any node): this node's sessions logged
   * in to it get them at once, and are told. Called on any thread.
   */
  void rolesSet(String name) {
    String key = Nick.key(name);
    for (Session s : nicknames.sessions()) {
      s.context()
          .runOnContext(
              v -> {
                SessionState st = s.state();
                if (st.account == null || !Nick.key(st.account).equals(key)) {
                  return;
                }
                store
                    .account(name)
                    .onSuccess(
                        account -> {
                          Set<Role> now = account == null ? Set.of() : account.roles();
                          if (st.account == null || now.equals(st.roles)) {
                            return;
                          }
                          st.roles = now;
                          LOG.info("{} ({}) has the roles {} now", s.id(), st.nick, now);
                          s.reply(
                              new Reply.Notice(
                                  now.isEmpty()
                                      ? "You are no longer an operator."
                                      : "You are now " + powers(now)));
                        });
              });
    }
  }

  /** What an account with these roles is and may do: "an admin: ... are yours." */
  static String powers(Set<Role> roles) {
    return roles.contains(Role.ADMIN)
        ? "an admin: /grant, /revoke, /kick, /mute, /ban and /unban are yours."
        : "a moderator: /kick, /mute, /ban and /unban are yours.";
  }

  private static String article(Role role) {
    return (role == Role.ADMIN ? "an " : "a ") + role.label();
  }

  private static void logIn(SessionState st, Account account) {
    st.account = account.name();
    st.roles = account.roles();
  }

  /** False, with an error reply, when the account is banned. */
  private boolean notBanned(Request r, Account account) {
    var ban = store.banned(Account.mask(account.name()), clock.instant());
    if (ban == null) {
      return true;
    }
    LOG.warn(
        "{} from {}: login to the banned account {} refused",
        r.session().id(),
        r.session().address(),
        account.name());
    r.reply(
        new Reply.Error(
            ErrorCode.BANNED,
            "the account "
                + account.name()
                + " is banned"
                + (ban.until() == null ? "" : " until " + ban.until())));
    return false;
  }

  /**
   * Checks {@code password} against the account, within the limits on wrong passwords; replies with
   * an error when it is refused.
   */
  private Future<Boolean> check(Request r, Account account, String password) {
    String address = r.session().address();
    if (tooMany(r, account.key(), account.name(), address)) {
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

  /** Whether tries for the account from the address are refused now; if so, says so. */
  private boolean tooMany(Request r, String key, String name, String address) {
    Duration locked = wrong.locked(key, address, clock.instant());
    if (locked.isZero()) {
      return false;
    }
    LOG.warn(
        "{} from {}: login to {} refused, too many wrong passwords",
        r.session().id(),
        address,
        name);
    r.reply(
        new Reply.Error(
            ErrorCode.TOO_MANY_ATTEMPTS,
            "too many wrong passwords; try again in " + Math.max(1, locked.toSeconds()) + " s"));
    return true;
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

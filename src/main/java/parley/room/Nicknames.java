package parley.room;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.ErrorCode;
import parley.chat.Nick;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.chat.TextHygiene;
import parley.chat.UserRecord;
import parley.store.ChatStore;

/**
 * Nicknames: claims in the store (unique across the cluster), renames, releases, and which session
 * of this node holds which nickname.
 */
final class Nicknames {
  private final ChatStore store;
  private final Clock clock;
  private final String node;
  private final int maxLength;
  private final Rooms rooms;
  private final Predicate<Session> open;

  /** Sessions of this node that hold a nickname, by nickname key. */
  private final Map<String, Session> local = new ConcurrentHashMap<>();

  /**
   * @param open whether a session is still open: a claim that completes after its session closed is
   *     given back
   */
  Nicknames(
      ChatStore store,
      Clock clock,
      String node,
      int maxLength,
      Rooms rooms,
      Predicate<Session> open) {
    this.store = store;
    this.clock = clock;
    this.node = node;
    this.maxLength = maxLength;
    this.rooms = rooms;
    this.open = open;
  }

  /**
   * Gives the session the nickname if it is valid and free; otherwise the request gets an error.
   */
  Future<Boolean> claim(Request r, String nick) {
    if (!valid(r, nick)) {
      return Future.succeededFuture(false);
    }
    Session s = r.session();
    SessionState st = s.state();
    Instant now = clock.instant();
    return store
        .claimNick(new UserRecord(nick, st.via, node, s.id(), st.connectedAt, now))
        .recover(
            err -> {
              r.reply(
                  StoreErrors.reply(err, "your nickname could not be claimed; please try again"));
              return Future.succeededFuture(null);
            })
        .map(
            claimed -> {
              if (claimed == null) {
                return false;
              }
              if (!claimed) {
                r.reply(taken(nick));
                return false;
              }
              if (!open.test(s)) {
                store.releaseNick(nick, s.id()); // closed while the claim was on its way
                return false;
              }
              st.nick = nick;
              st.lastActive = now;
              local.put(Nick.key(nick), s);
              return true;
            });
  }

  /** Whether {@code nick} can be a nickname; otherwise the request is told why not. */
  boolean valid(Request r, String nick) {
    String problem = Nick.problem(nick, maxLength);
    if (problem != null) {
      r.reply(
          new Reply.Error(
              ErrorCode.NICK_INVALID,
              "\"" + TextHygiene.clean(nick) + "\" can't be used: " + problem));
      return false;
    }
    return true;
  }

  /** {@code /nick}: renames the session, and tells its rooms. */
  void rename(Request r, String nick) {
    Session s = r.session();
    SessionState st = s.state();
    String old = st.nick;
    if (old.equals(nick)) {
      r.reply(new Reply.Notice("You are already " + nick));
      return;
    }
    boolean caseOnly = Nick.key(old).equals(Nick.key(nick));
    Instant now = clock.instant();
    if (!caseOnly && store.muted(old, now) != null) {
      // a mute is kept per nickname: a new one would shake it off
      r.reply(new Reply.Error(ErrorCode.MUTED, "you can't change your nickname while muted"));
      return;
    }
    UserRecord me = new UserRecord(nick, st.via, node, s.id(), st.connectedAt, now);
    Future<Boolean> claim =
        caseOnly
            ? store.releaseNick(old, s.id()).compose(v -> store.claimNick(me))
            : store.claimNick(me);
    claim.onComplete(
        ar -> {
          if (ar.failed()) {
            r.reply(StoreErrors.reply(ar.cause(), "you could not be renamed; please try again"));
            return;
          }
          if (!ar.result()) {
            r.reply(taken(nick));
            return;
          }
          if (!open.test(s)) {
            store.releaseNick(nick, s.id()); // closed meanwhile: its old nick was released then
            return;
          }
          if (!caseOnly) {
            store.releaseNick(old, s.id());
          }
          renamed(s, old, nick, now);
        });
  }

  /** The session now holds {@code nick} instead of {@code old}: here, in its rooms, to everyone. */
  private void renamed(Session s, String old, String nick, Instant now) {
    SessionState st = s.state();
    local.remove(Nick.key(old), s);
    local.put(Nick.key(nick), s);
    st.nick = nick;
    if (st.rooms.isEmpty()) {
      s.deliver(new Outgoing(new ChatEvent(Type.NICK, null, 0, now, nick, st.via, null, old)));
    }
    for (String room : st.rooms) {
      store.joinRoom(room, s.id(), nick);
      rooms.publish(new ChatEvent(Type.NICK, room, 0, now, nick, st.via, null, old));
    }
  }

  /**
   * The store found that the session {@code sessionId} of this node lost {@code nick} to another
   * session (a clustered node that was cut off while someone else took it): the session is renamed
   * to the first free {@code nick_2}, {@code nick_3}, ... and told why.
   */
  void lost(String sessionId, String nick) {
    Session s = local.get(Nick.key(nick));
    if (s != null && s.id().equals(sessionId)) {
      s.context().runOnContext(v -> takeAnother(s, nick, 2));
    }
  }

  private void takeAnother(Session s, String nick, int n) {
    SessionState st = s.state();
    if (!open.test(s) || !nick.equals(st.nick) || n > 99) {
      return;
    }
    String suffix = "_" + n;
    String candidate =
        nick.substring(0, Math.min(nick.length(), maxLength - suffix.length())) + suffix;
    Instant now = clock.instant();
    store
        .claimNick(new UserRecord(candidate, st.via, node, s.id(), st.connectedAt, now))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                return; // cut off again: the store reports the loss again once it can write
              }
              if (!ar.result()) {
                takeAnother(s, nick, n + 1);
                return;
              }
              if (!open.test(s) || !nick.equals(st.nick)) {
                store.releaseNick(candidate, s.id());
                return;
              }
              s.reply(
                  new Reply.Notice(
                      "Your nickname "
                          + nick
                          + " was taken by another user while this server was cut off from the"
                          + " cluster; you are now "
                          + candidate
                          + ". Use /nick to choose another."));
              renamed(s, nick, candidate, now);
            });
  }

  /** Frees the session's nickname, here and in the store. */
  void release(Session s) {
    String nick = s.state().nick;
    local.remove(Nick.key(nick), s);
    store.releaseNick(nick, s.id());
  }

  private static Reply.Error taken(String nick) {
    return new Reply.Error(
        ErrorCode.NICK_TAKEN, "Nickname \"" + nick + "\" is already used; choose another");
  }

  /**
   * Looks up who holds {@code nick}, anywhere in the cluster, and hands the holder to {@code then};
   * when no one does, the request is told so.
   */
  void withHolder(Request r, String nick, Consumer<UserRecord> then) {
    store
        .user(nick)
        .onSuccess(
            holder -> {
              if (holder == null) {
                r.reply(
                    new Reply.Error(
                        ErrorCode.NO_SUCH_NICK, "no one is called \"" + nick + "\" here"));
              } else {
                then.accept(holder);
              }
            });
  }

  /** The session of this node holding {@code nick}, or null. */
  Session session(String nick) {
    return local.get(Nick.key(nick));
  }

  /** The sessions of this node that hold a nickname (a live view). */
  Collection<Session> sessions() {
    return local.values();
  }

  int count() {
    return local.size();
  }
}

package parley.room;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * Nicknames: claims in the store (unique across the cluster), renames, releases, and which sessions
 * of this node hold which nickname. Several clients of one account share its nickname
 * (docs/ACCOUNTS.md, "Multiclient"): one holds the claim, the others are attached.
 */
final class Nicknames {
  private static final Logger LOG = LoggerFactory.getLogger(Nicknames.class);

  private final ChatStore store;
  private final Clock clock;
  private final String node;
  private final int maxLength;
  private final Rooms rooms;
  private final Predicate<Session> open;

  /**
   * Sessions of this node that hold a nickname (its holder and attached clients, immutable lists),
   * by nickname key.
   */
  private final Map<String, List<Session>> local = new ConcurrentHashMap<>();

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
   * Gives the session the nickname if it is valid and free, or attaches it to the clients of the
   * nickname's account when it logged in to it; otherwise the request gets an error.
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
              if (!claimed && !mayAttach(st, nick)) {
                r.reply(taken(nick));
                return false;
              }
              if (!open.test(s)) {
                if (claimed) {
                  store.releaseNick(nick, s.id()); // closed while the claim was on its way
                }
                return false;
              }
              st.nick = nick;
              st.lastActive = now;
              st.attached = !claimed;
              add(nick, s);
              if (!claimed) {
                LOG.info("{} attached to the account {} as another client", s.id(), st.account);
              }
              return true;
            });
  }

  /**
   * A session logged in to the account of {@code nick} may share it with the account's other
   * clients; not with a client of this node that logged out and kept it as a guest.
   */
  private boolean mayAttach(SessionState st, String nick) {
    if (st.account == null || !Nick.key(st.account).equals(Nick.key(nick))) {
      return false;
    }
    for (Session other : sessions(nick)) {
      if (other.state().account == null) {
        return false;
      }
    }
    return true;
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
    if (shared(s)) {
      r.reply(several("/nick would rename only this one"));
      return;
    }
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
    remove(old, s);
    add(nick, s);
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
    for (Session s : sessions(nick)) {
      if (s.id().equals(sessionId)) {
        s.context().runOnContext(v -> takeAnother(s, nick, 2));
      }
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

  /**
   * The session is no longer one of this node's clients of its nickname (the first half of letting
   * it go; {@link #release} is the second). Returns those that remain, decided atomically: of two
   * clients leaving at once, one sees the other remain, the other sees none.
   */
  List<Session> leave(Session s) {
    return remove(s.state().nick, s);
  }

  /**
   * Frees the session's claim in the store, if it held it. When clients of its account remain on
   * this node ({@code rest}, from {@link #leave}), the first of them claims it in its turn.
   */
  void release(Session s, List<Session> rest) {
    SessionState st = s.state();
    String nick = st.nick;
    if (st.attached) {
      return; // it held no claim
    }
    Future<Void> released = store.releaseNick(nick, s.id());
    if (!rest.isEmpty()) {
      Session heir = rest.get(0);
      released.onComplete(ar -> heir.context().runOnContext(v -> inherit(heir, nick)));
    }
  }

  /** Whether other clients of this node share the session's nickname (one account, several). */
  boolean shared(Session s) {
    return sessions(s.state().nick).size() > 1;
  }

  /**
   * An attached client claims its account's nickname, which no one holds now: its holder left, or
   * the holder's node is gone. It then records its rooms in the store, without notices.
   */
  private void inherit(Session heir, String nick) {
    SessionState st = heir.state();
    if (!open.test(heir) || !st.attached || !nick.equals(st.nick)) {
      return;
    }
    store
        .claimNick(new UserRecord(nick, st.via, node, heir.id(), st.connectedAt, clock.instant()))
        .onSuccess(
            claimed -> {
              if (!claimed) {
                return; // another client of the account claimed it first
              }
              if (!open.test(heir) || !st.attached) {
                store.releaseNick(nick, heir.id()); // closed meanwhile; adopt() finds the others
                return;
              }
              st.attached = false;
              LOG.info("{} holds the nickname {} for its account now", heir.id(), nick);
              for (String room : st.rooms) {
                store.joinRoom(room, heir.id(), nick);
              }
            });
  }

  /**
   * Claims again each nickname whose clients on this node are all attached while no one holds it
   * (its holder left on another node, or that node died): called every second.
   */
  void adopt() {
    for (List<Session> clients : local.values()) {
      Session heir = clients.get(0);
      if (allAttached(clients)) {
        String nick = heir.state().nick;
        store
            .user(nick)
            .onSuccess(
                holder -> {
                  if (holder == null) {
                    heir.context().runOnContext(v -> inherit(heir, nick));
                  }
                });
      }
    }
  }

  private static boolean allAttached(List<Session> clients) {
    for (Session c : clients) {
      if (!c.state().attached) {
        return false;
      }
    }
    return true;
  }

  private void add(String nick, Session s) {
    local.merge(
        Nick.key(nick),
        List.of(s),
        (had, one) -> {
          List<Session> all = new ArrayList<>(had);
          all.addAll(one);
          return List.copyOf(all);
        });
  }

  /** Removes the session from the clients of {@code nick} here; returns those that remain. */
  private List<Session> remove(String nick, Session s) {
    List<Session> rest =
        local.computeIfPresent(
            Nick.key(nick),
            (k, had) -> {
              List<Session> left = new ArrayList<>(had);
              left.remove(s);
              return left.isEmpty() ? null : List.copyOf(left);
            });
    return rest == null ? List.of() : rest;
  }

  static Reply.Error several(String why) {
    return new Reply.Error(
        ErrorCode.SEVERAL_CLIENTS,
        "several clients share this account's nickname: " + why + "; /quit the others first");
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
                r.reply(noOne(nick));
              } else {
                then.accept(holder);
              }
            });
  }

  /** The error for a nickname no one holds. */
  static Reply.Error noOne(String nick) {
    return new Reply.Error(ErrorCode.NO_SUCH_NICK, "no one is called \"" + nick + "\" here");
  }

  /**
   * The session of this node holding {@code nick} (its claim when it is here, else one of the
   * account's clients), or null.
   */
  Session session(String nick) {
    List<Session> clients = sessions(nick);
    for (Session s : clients) {
      if (!s.state().attached) {
        return s;
      }
    }
    return clients.isEmpty() ? null : clients.get(0);
  }

  /** The sessions of this node with the nickname {@code nick}: its clients here. */
  List<Session> sessions(String nick) {
    return local.getOrDefault(Nick.key(nick), List.of());
  }

  /** The sessions of this node that hold a nickname. */
  Collection<Session> sessions() {
    List<Session> all = new ArrayList<>();
    local.values().forEach(all::addAll);
    return all;
  }

  /**
   * The transports of the clients of {@code u}'s nickname, sorted: of the holder ({@code u}, when
   * on another node) and of this node's clients.
   */
  List<String> transports(UserRecord u) {
    List<String> vias = new ArrayList<>();
    if (!u.node().equals(node)) {
      vias.add(u.via());
    }
    for (Session s : sessions(u.nick())) {
      vias.add(s.state().via);
    }
    if (vias.isEmpty()) {
      vias.add(u.via());
    }
    Collections.sort(vias);
    return vias;
  }

  int count() {
    int n = 0;
    for (List<Session> clients : local.values()) {
      n += clients.size();
    }
    return n;
  }
}

package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.chat.Role;
import parley.chat.RoomName;
import parley.chat.SessionState;
import parley.chat.Transcript;
import parley.chat.UserRecord;
import parley.config.ParleyConfig;
import parley.store.ChatStore;

/**
 * Room membership: joining (with the history a session is owed), parting and leaving, who is in a
 * room, and the join and leave notices, summarised in big rooms. Publishes room events to every
 * node.
 */
final class Rooms {
  private static final Logger CHAT_LOG = LoggerFactory.getLogger("parley.chatlog");
  private static final Logger LOG = LoggerFactory.getLogger(Rooms.class);

  /** How many member names a joining user is sent. */
  private static final int JOINED_NAMES = 100;

  private final ParleyConfig config;
  private final ChatStore store;
  private final Clock clock;
  private final EventBus eventBus;
  private final Predicate<Session> open;

  /** Joins and leaves waiting to be summarised, per big room. */
  private final Map<String, Crowd> crowds = new ConcurrentHashMap<>();

  /**
   * @param open whether a session is still open: a membership recorded after its session closed is
   *     taken back
   */
  Rooms(
      ParleyConfig config,
      ChatStore store,
      Clock clock,
      EventBus eventBus,
      Predicate<Session> open) {
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.eventBus = eventBus;
    this.open = open;
  }

  /** The session closed while joining: its leave ran before this membership was recorded. */
  private Future<Void> gone(String room, Session s) {
    return store
        .leaveRoom(room, s.id())
        .compose(v -> Future.failedFuture("closed while joining " + RoomName.display(room)));
  }

  /** Sends a room event to every consumer of the room, on every node. */
  void publish(ChatEvent event) {
    send(event, EVERY_NODE);
  }

  /**
   * Sends a stored room event to this node's consumers of the room only: for a store that hands
   * every event to every node itself ({@link ChatStore#deliverTo}).
   */
  void deliverHere(ChatEvent event) {
    send(event, HERE);
  }

  private static final DeliveryOptions EVERY_NODE = new DeliveryOptions();
  private static final DeliveryOptions HERE = new DeliveryOptions().setLocalOnly(true);

  private void send(ChatEvent event, DeliveryOptions where) {
    if (CHAT_LOG.isInfoEnabled()) {
      CHAT_LOG.info(Transcript.line(event));
    }
    eventBus.publish(RoomHub.address(event.room()), event, where);
  }

  /**
   * Joins the room: the request gets {@code joined} and the history owed ({@code sinceSeq > 0}:
   * what came after it; 0: the usual replay), and the room is told.
   */
  Future<Void> join(Request r, String room, long sinceSeq) {
    return join(r, room, sinceSeq, sinceSeq > 0);
  }

  /**
   * Joins the room again, at an account's login: what came after {@code afterSeq}, also when it is
   * 0 (the account was in the room before anything was said there), with what is no longer kept
   * counted as missed.
   */
  Future<Void> rejoin(Request r, String room, long afterSeq) {
    return join(r, room, afterSeq, true);
  }

  private Future<Void> join(Request r, String room, long sinceSeq, boolean since) {
    Session s = r.session();
    SessionState st = s.state();
    st.rooms.add(room);
    st.currentRoom = room;
    RoomHub hub = s.hub();
    // not sinceSeq: a client may hold seqs the room no longer has (its numbering started again
    // after the history was lost), and must still get what is said from now on
    long[] floor = {0};
    int max = since ? config.history().retain() : config.history().replay();
    // an attached client (docs/ACCOUNTS.md, "Multiclient") joins quietly: its account is in the
    // room by its holder
    boolean quiet = st.attached;
    return hub.join(room, s)
        .compose(
            v -> quiet ? Future.<Void>succeededFuture() : store.joinRoom(room, s.id(), st.nick))
        .compose(v -> open.test(s) ? Future.<Void>succeededFuture() : gone(room, s))
        .compose(v -> store.snapshot(room, sinceSeq, max, JOINED_NAMES))
        .map(
            snap -> {
              String epoch = store.epoch();
              ChatStore.Members members = snap.members();
              r.reply(new Reply.Joined(room, snap.topic(), members.names(), members.count()));
              if (!quiet) {
                announce(
                    new ChatEvent(Type.JOIN, room, 0, clock.instant(), st.nick, st.via, null, null),
                    members.count());
              }
              // what the history below covers: nothing up to this is sent live (no repeats),
              // nothing after it is missed (the room's events are held for this session until then)
              floor[0] = snap.lastSeq();
              ChatStore.Slice slice = snap.history();
              long missed = slice.missed();
              if (since && sinceSeq <= 0) {
                // read as the last events kept (all of them): what came before them is missed
                missed =
                    slice.events().isEmpty() ? snap.lastSeq() : slice.events().get(0).seq() - 1;
              }
              if (!slice.events().isEmpty() || missed > 0) {
                r.reply(new Reply.History(room, slice.events(), missed, epoch, since));
              }
              for (ChatEvent e : slice.events()) {
                floor[0] = Math.max(floor[0], e.seq());
              }
              if (st.account != null) {
                remember(store.seen(st.account, room, floor[0]), st.account, room);
              }
              return (Void) null;
            })
        .onComplete(ar -> hub.ready(room, s, floor[0]))
        .onFailure(
            err -> {
              if (err instanceof parley.store.ReadOnlyException && open.test(s)) {
                // the cluster refused the membership: the session is not in the room
                st.rooms.remove(room);
                if (room.equals(st.currentRoom)) {
                  st.currentRoom = st.rooms.isEmpty() ? null : st.rooms.iterator().next();
                }
                hub.leave(room, s);
                r.reply(
                    StoreErrors.reply(
                        err,
                        "you could not join " + RoomName.display(room) + "; please try again"));
              }
            });
  }

  /** {@code /leave}: leaves the room and says so to the request. */
  void leave(Request r, String room, String reason) {
    SessionState st = r.state();
    if (!st.rooms.remove(room)) {
      r.reply(new Reply.Error(ErrorCode.NOT_IN_ROOM, "you are not in " + RoomName.display(room)));
      return;
    }
    part(r.session(), room, reason, false);
    if (st.account != null) {
      // parted, not just gone: the account no longer comes back to it at login
      remember(store.forgetRoom(st.account, room), st.account, room);
    }
    if (room.equals(st.currentRoom)) {
      st.currentRoom = st.rooms.isEmpty() ? null : List.copyOf(st.rooms).get(st.rooms.size() - 1);
    }
    r.reply(new Reply.Left(room));
  }

  /**
   * A write of where an account is in a room. It is not the user's request: a failure (a cut-off
   * node) is logged, not told; the account then resumes from its earlier place.
   */
  private static void remember(Future<Void> write, String account, String room) {
    write.onFailure(
        err -> LOG.warn("room {} of account {} not remembered: {}", room, account, err.toString()));
  }

  /**
   * Leaves a room on this node's side: fan-out, membership, and the leave notice; no notice when
   * {@code quiet} (other clients of the account stay) and nothing in the store for an attached
   * client.
   */
  void part(Session s, String room, String reason, boolean quiet) {
    SessionState st = s.state();
    s.hub().leave(room, s);
    Future<Void> gone = st.attached ? Future.succeededFuture() : store.leaveRoom(room, s.id());
    if (quiet) {
      return;
    }
    ChatEvent event =
        new ChatEvent(Type.LEAVE, room, 0, clock.instant(), st.nick, st.via, reason, null);
    gone.compose(v -> store.members(room, 0)).onSuccess(m -> announce(event, m.count()));
  }

  /**
   * Someone's session ended without leaving, because its node is gone: the room is told they left.
   */
  void lost(String room, String nick) {
    announceLeave(room, nick, null, "connection lost");
  }

  /** Tells the room that {@code nick} left, when that was not said as it happened. */
  void announceLeave(String room, String nick, String via, String reason) {
    ChatEvent event = new ChatEvent(Type.LEAVE, room, 0, clock.instant(), nick, via, reason, null);
    store
        .members(room, 0)
        .onComplete(ar -> announce(event, ar.succeeded() ? ar.result().count() : 0));
  }

  /**
   * {@code /who}: everyone on the server ({@code room == null}) or the members of a room.
   *
   * @param transportsOf the transports of a user's clients ({@link Nicknames#transports})
   * @param addressOf a user's address by nickname (null when not known here), for an operator's
   *     {@code /who}; null for anyone else's
   */
  void who(
      Request r,
      String room,
      Function<UserRecord, List<String>> transportsOf,
      Function<String, String> addressOf) {
    Future<List<UserRecord>> users = store.users();
    Future<List<UserRecord>> listed =
        room == null
            ? users
            : users.compose(
                all ->
                    store
                        .members(room, Integer.MAX_VALUE)
                        .map(
                            members -> {
                              Set<String> names = new HashSet<>(members.names());
                              List<UserRecord> in = new ArrayList<>();
                              for (UserRecord u : all) {
                                if (names.contains(u.nick())) {
                                  in.add(u);
                                }
                              }
                              return in;
                            }));
    listed.onSuccess(
        list -> {
          Map<String, List<String>> transports = new HashMap<>();
          for (UserRecord u : list) {
            transports.put(u.nick(), transportsOf.apply(u));
          }
          List<Future<Account>> accounts = new ArrayList<>(list.size());
          for (UserRecord u : list) {
            accounts.add(store.account(u.nick()));
          }
          Future.all(accounts).onSuccess(v -> who(r, room, list, transports, accounts, addressOf));
        });
  }

  private void who(
      Request r,
      String room,
      List<UserRecord> list,
      Map<String, List<String>> transports,
      List<Future<Account>> accounts,
      Function<String, String> addressOf) {
    Map<String, Set<Role>> registered = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Account a = accounts.get(i).result();
      if (a != null) {
        registered.put(list.get(i).nick(), a.roles());
      }
    }
    Map<String, String> addresses = new HashMap<>();
    if (addressOf != null) {
      for (UserRecord u : list) {
        String address = addressOf.apply(u.nick());
        if (address != null) {
          addresses.put(u.nick(), address);
        }
      }
    }
    r.reply(new Reply.Who(room, list, clock.instant(), addresses, transports, registered));
  }

  /**
   * Publishes a join or leave notice, or, in a room bigger than {@code limits.joinNoticeThreshold},
   * adds it to the room's next summary: a join storm must not cost a notice to every member for
   * every join.
   */
  private void announce(ChatEvent joinOrLeave, int roomSize) {
    if (roomSize <= config.limits().joinNoticeThreshold()) {
      publish(joinOrLeave);
    } else {
      crowds.computeIfAbsent(joinOrLeave.room(), Crowd::new).add(joinOrLeave);
    }
  }

  /** Publishes the summaries of joins and leaves collected since the last time. */
  void summarise() {
    for (Crowd c : crowds.values()) {
      String text = c.take();
      if (text != null) {
        publish(new ChatEvent(Type.SUMMARY, c.room, 0, clock.instant(), null, null, text, null));
      }
    }
  }
}

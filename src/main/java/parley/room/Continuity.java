package parley.room;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.store.ChatStore;

/**
 * Picking up where an account left off (docs/ACCOUNTS.md): the rooms it is in and how far it got in
 * each are remembered when its session ends or logs out (joins and parts are remembered by {@link
 * Rooms}); at login it rejoins them with what it missed, and gets the private messages kept for it.
 * No store write happens per message: how far a session got is read from its {@link RoomHub}.
 */
final class Continuity {
  private static final Logger LOG = LoggerFactory.getLogger(Continuity.class);

  private final ChatStore store;
  private final Rooms rooms;
  private final int maxRooms;

  Continuity(ChatStore store, Rooms rooms, int maxRooms) {
    this.store = store;
    this.rooms = rooms;
    this.maxRooms = maxRooms;
  }

  /**
   * At the login of an account that asked for no rooms: rejoins the rooms it is in with what it
   * missed there, or, when it remembers none, joins {@code defaultRoom} as a guest would.
   */
  Future<Void> rejoin(Request r, String defaultRoom) {
    return store
        .account(r.state().account)
        .compose(
            a ->
                a == null || a.rooms().isEmpty()
                    ? rooms.join(r, defaultRoom, 0)
                    : rejoin(r, a.rooms()));
  }

  /**
   * Rejoins each remembered room the session is not in, after the seq remembered, as many as a
   * session may be in.
   */
  private Future<Void> rejoin(Request r, Map<String, Long> remembered) {
    SessionState st = r.state();
    Future<Void> joined = Future.succeededFuture();
    for (Map.Entry<String, Long> e : remembered.entrySet()) {
      joined =
          joined.compose(
              v ->
                  st.rooms.contains(e.getKey()) || st.rooms.size() >= maxRooms
                      ? Future.succeededFuture()
                      : rooms.rejoin(r, e.getKey(), e.getValue()));
    }
    return joined;
  }

  /**
   * Remembers how far the session got in each of its rooms, for {@code account}: at its end, at
   * {@code /logout}, and when it logs in to an account mid-session. Never fails (a failed write is
   * logged; the account then resumes from its earlier place).
   */
  Future<Void> remember(Session s, String account) {
    List<Future<Void>> writes = new ArrayList<>(s.state().rooms.size());
    for (String room : s.state().rooms) {
      long seq = s.hub().delivered(room, s);
      if (seq >= 0) {
        writes.add(store.seen(account, room, seq));
      }
    }
    return Future.join(writes)
        .<Void>mapEmpty()
        .recover(
            err -> {
              LOG.warn(
                  "{}: the rooms of account {} not remembered: {}",
                  s.id(),
                  account,
                  err.toString());
              return Future.succeededFuture();
            });
  }

  /**
   * A session in rooms already logged in to its account ({@code /identify}, {@code /register}): its
   * rooms are remembered, it rejoins the account's other rooms with what it missed there, and gets
   * its kept private messages.
   */
  Future<Void> loggedIn(Request r) {
    SessionState st = r.state();
    String account = st.account;
    return remember(r.session(), account)
        .compose(v -> store.account(account))
        .compose(a -> a == null ? Future.succeededFuture() : rejoin(r, a.rooms()))
        .compose(v -> deliverOffline(r));
  }

  /**
   * Takes the private messages kept for the session's account and sends them to it, marked as
   * delivered late. The take is atomic in the store: of two logins at once, only one gets them.
   */
  Future<Void> deliverOffline(Request r) {
    String account = r.state().account;
    if (account == null) {
      return Future.succeededFuture();
    }
    return store
        .takeOffline(account)
        .map(
            kept -> {
              if (!kept.isEmpty()) {
                LOG.info(
                    "{} ({}): {} kept private messages delivered",
                    r.session().id(),
                    account,
                    kept.size());
                r.reply(new Reply.Offline(r.state().nick, kept, false));
              }
              return (Void) null;
            })
        .recover(
            err -> {
              // not taken: they stay kept for the next login
              LOG.warn("{}: kept messages of {} not taken: {}", r.session().id(), account, err);
              return Future.succeededFuture();
            });
  }
}

package parley.room;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.Action;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Emoji;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.chat.Role;
import parley.chat.RoomName;
import parley.chat.SessionState;
import parley.config.ParleyConfig;
import parley.ops.Metrics;
import parley.store.ChatStore;

/**
 * Carries out what the chat core decided a line means ({@link Action}), for one request: one method
 * per kind of action, so none is forgotten. What is about rooms, nicknames, private messages or
 * moderation is handed on.
 */
final class Commands {
  private static final Logger LOG = LoggerFactory.getLogger(Commands.class);

  private final ParleyConfig config;
  private final ChatStore store;
  private final Clock clock;
  private final Rooms rooms;
  private final Nicknames nicknames;
  private final PrivateMessages privateMessages;
  private final Moderation moderation;
  private final Accounts accounts;
  private final Metrics metrics;

  Commands(
      ParleyConfig config,
      ChatStore store,
      Clock clock,
      Rooms rooms,
      Nicknames nicknames,
      PrivateMessages privateMessages,
      Moderation moderation,
      Accounts accounts,
      Metrics metrics) {
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.rooms = rooms;
    this.nicknames = nicknames;
    this.privateMessages = privateMessages;
    this.moderation = moderation;
    this.accounts = accounts;
    this.metrics = metrics;
  }

  void execute(Request r, Action action) {
    action.accept(new Dispatch(r));
  }

  /**
   * /who's idle time counts from the last thing said, as on IRC; any line keeps the idle timeout
   * away.
   */
  private void said(Request r) {
    store.touch(r.state().nick, r.session().id(), clock.instant());
  }

  private void say(Request r, Type type, String room, String text) {
    said(r);
    SessionState st = r.state();
    Instant now = clock.instant();
    ChatStore.Mute mute = store.muted(st.nick, now);
    if (mute == null && st.account != null) {
      mute = store.muted(Account.mask(st.account), now);
    }
    if (mute != null) {
      r.reply(
          new Reply.Error(
              ErrorCode.MUTED,
              mute.until() == null
                  ? "you are muted"
                  : "you are muted for another "
                      + Math.max(1, Duration.between(now, mute.until()).toSeconds())
                      + "s"));
      return;
    }
    ChatEvent event = new ChatEvent(type, room, 0, now, st.nick, st.via, Emoji.expand(text), null);
    metrics.messageIn();
    store
        .append(event, rooms::publish)
        .onFailure(
            err -> {
              LOG.warn("message from {} to {} not stored: {}", st.nick, room, err.toString());
              r.reply(
                  StoreErrors.reply(err, "your message could not be stored; please send it again"));
            });
  }

  private void topic(Request r, String room, String text) {
    if (text == null) {
      store
          .topic(room)
          .onSuccess(
              t ->
                  r.reply(
                      new Reply.Notice(
                          t == null
                              ? RoomName.display(room) + " has no topic; set one with /topic TEXT"
                              : "Topic of " + RoomName.display(room) + ": " + t)));
      return;
    }
    SessionState st = r.state();
    ChatEvent event =
        new ChatEvent(Type.TOPIC, room, 0, clock.instant(), st.nick, st.via, text, null);
    store
        .append(
            event, rooms::publish) // appending a TOPIC event sets the room's topic, in seq order
        .onFailure(
            err -> {
              LOG.warn("topic from {} for {} not stored: {}", st.nick, room, err.toString());
              r.reply(StoreErrors.reply(err, "the topic could not be stored; please set it again"));
            });
  }

  private final class Dispatch implements Action.Handler<Void> {
    private final Request r;

    Dispatch(Request r) {
      this.r = r;
    }

    @Override
    public Void none(Action.None a) {
      return null;
    }

    @Override
    public Void notice(Action.Notice a) {
      r.reply(new Reply.Notice(a.lines()));
      return null;
    }

    @Override
    public Void error(Action.Error a) {
      r.reply(new Reply.Error(a.errorCode(), a.message()));
      return null;
    }

    @Override
    public Void say(Action.Say a) {
      Commands.this.say(r, Type.MESSAGE, a.room(), a.text());
      return null;
    }

    @Override
    public Void me(Action.Me a) {
      Commands.this.say(r, Type.ACTION, a.room(), a.text());
      return null;
    }

    @Override
    public Void changeNick(Action.ChangeNick a) {
      accounts
          .mayRename(r, a.nick())
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  r.reply(StoreErrors.reply(ar.cause(), "you could not be renamed"));
                } else if (ar.result()) {
                  nicknames.rename(r, a.nick());
                }
              });
      return null;
    }

    @Override
    public Void who(Action.Who a) {
      // operators see where each user of this node connects from; no one else does
      rooms.who(
          r,
          a.room(),
          nicknames::transports,
          r.state().may(Role.MODERATOR)
              ? nick -> {
                Session s = nicknames.session(nick);
                return s == null ? null : s.address();
              }
              : null);
      return null;
    }

    @Override
    public Void quit(Action.Quit a) {
      r.session().close(a.reason());
      return null;
    }

    @Override
    public Void join(Action.Join a) {
      SessionState st = r.state();
      if (st.rooms.contains(a.room())) {
        st.currentRoom = a.room();
        r.reply(new Reply.Notice("You are now talking in " + RoomName.display(a.room())));
      } else if (st.rooms.size() >= config.limits().maxRoomsPerSession()) {
        r.reply(
            new Reply.Error(
                ErrorCode.TOO_MANY_ROOMS,
                "you are in "
                    + st.rooms.size()
                    + " rooms already, the most allowed; /leave one first"));
      } else {
        rooms.join(r, a.room(), 0L);
      }
      return null;
    }

    @Override
    public Void leave(Action.Leave a) {
      rooms.leave(r, a.room(), "left");
      return null;
    }

    @Override
    public Void rooms(Action.Rooms a) {
      store.rooms().onSuccess(list -> r.reply(new Reply.Rooms(list)));
      return null;
    }

    @Override
    public Void topic(Action.Topic a) {
      Commands.this.topic(r, a.room(), a.text());
      return null;
    }

    @Override
    public Void msg(Action.Msg a) {
      said(r);
      privateMessages.send(r, a.nick(), a.text());
      return null;
    }

    @Override
    public Void history(Action.History a) {
      store
          .history(a.room(), a.count())
          .onSuccess(
              slice ->
                  r.reply(
                      new Reply.History(a.room(), slice.events(), slice.missed(), store.epoch())));
      return null;
    }

    @Override
    public Void preference(Action.Preference a) {
      SessionState st = r.state();
      if (a.name().equals("color")) {
        st.color = a.on();
        st.colorChosen = true;
      } else {
        st.ascii = a.on();
      }
      r.reply(new Reply.Notice(a.name() + " is " + (a.on() ? "on" : "off")));
      return null;
    }

    @Override
    public Void register(Action.Register a) {
      accounts.register(r, a.password());
      return null;
    }

    @Override
    public Void identify(Action.Identify a) {
      accounts.identify(r, a.password());
      return null;
    }

    @Override
    public Void changePassword(Action.ChangePassword a) {
      accounts.changePassword(r, a.oldPassword(), a.newPassword());
      return null;
    }

    @Override
    public Void logout(Action.Logout a) {
      if (nicknames.shared(r.session())) {
        r.reply(Nicknames.several("this client would keep it as a guest"));
        return null;
      }
      accounts.logout(r);
      return null;
    }

    @Override
    public Void dropAccount(Action.DropAccount a) {
      if (nicknames.shared(r.session())) {
        r.reply(Nicknames.several("it can't be deleted while in use"));
        return null;
      }
      accounts.drop(r, a.password());
      return null;
    }

    @Override
    public Void setRole(Action.SetRole a) {
      accounts.setRole(r, a.name(), a.role(), a.granted());
      return null;
    }

    @Override
    public Void op(Action.Op a) {
      moderation.operator(r, a.password());
      return null;
    }

    @Override
    public Void kick(Action.Kick a) {
      moderation.kick(r, a.nick(), a.reason());
      return null;
    }

    @Override
    public Void ban(Action.Ban a) {
      moderation.ban(r, a.target(), a.seconds());
      return null;
    }

    @Override
    public Void unban(Action.Unban a) {
      moderation.unban(r, a.target());
      return null;
    }

    @Override
    public Void mute(Action.Mute a) {
      moderation.mute(r, a.nick(), a.seconds());
      return null;
    }
  }
}

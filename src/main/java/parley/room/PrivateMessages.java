package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Emoji;
import parley.chat.ErrorCode;
import parley.chat.Nick;
import parley.chat.OfflineMessage;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.store.ChatStore;

/**
 * {@code /msg}: a private message is published to every node ({@link #ADDRESS}, one consumer per
 * node), and each node hands it to its clients of the recipient's nickname, and to the sender's
 * other clients as an echo (an account may be used from several clients, on several nodes:
 * docs/ACCOUNTS.md, "Multiclient"). The sending client gets its echo at once. To a registered
 * nickname that is offline, the message is kept in the store and delivered at the account's next
 * login ({@link Continuity#deliverOffline}).
 */
final class PrivateMessages {
  /** Where private messages are published, for every node. */
  static final String ADDRESS = "parley.private";

  /** The header naming the sending client ({@code node/session}), which has its echo already. */
  private static final String FROM = "from";

  private final Clock clock;
  private final String node;
  private final EventBus eventBus;
  private final Nicknames nicknames;
  private final ChatStore store;

  PrivateMessages(
      Clock clock, String node, EventBus eventBus, Nicknames nicknames, ChatStore store) {
    this.clock = clock;
    this.node = node;
    this.eventBus = eventBus;
    this.nicknames = nicknames;
    this.store = store;
  }

  /** Receives the private messages for this node's users. */
  Future<Void> start() {
    return eventBus.<ChatEvent>consumer(ADDRESS, this::deliver).completion();
  }

  void send(Request r, String to, String text) {
    Session s = r.session();
    SessionState st = s.state();
    online(to)
        .onSuccess(
            target -> {
              if (target == null) {
                keep(r, to, Emoji.expand(text));
                return;
              }
              ChatEvent event =
                  new ChatEvent(
                      Type.PRIVATE,
                      null,
                      0,
                      clock.instant(),
                      st.nick,
                      st.via,
                      Emoji.expand(text),
                      target);
              s.deliver(new Outgoing(event));
              eventBus.publish(
                  ADDRESS, event, new DeliveryOptions().addHeader(FROM, node + '/' + s.id()));
            })
        .onFailure(err -> r.reply(StoreErrors.reply(err, "your message was not sent")));
  }

  /**
   * Whether {@code nick}'s account (or the guest holding it) is online: the nickname as held, by a
   * session anywhere in the cluster or by a client of the account on this node (whose claim may be
   * being handed from one client to another: docs/ACCOUNTS.md, "Multiclient"), or null. A message
   * to it goes live when it is online, and is kept for the account otherwise. The one place that
   * decides it.
   */
  private Future<String> online(String nick) {
    List<Session> here = nicknames.sessions(nick);
    if (!here.isEmpty()) {
      return Future.succeededFuture(here.get(0).state().nick);
    }
    return store.user(nick).map(u -> u == null ? null : u.nick());
  }

  /**
   * No one holds {@code to}: a registered nickname gets the message kept until its next login and
   * the sender is told so (an echo marked {@code queued}, not delivered, and a notice); anyone else
   * is not here, as before.
   */
  private void keep(Request r, String to, String text) {
    SessionState st = r.state();
    Instant now = clock.instant();
    store
        .account(to)
        .compose(
            account -> {
              if (account == null) {
                r.reply(Nicknames.noOne(to));
                return Future.succeededFuture();
              }
              String name = account.name();
              return store
                  .queueOffline(name, st.nick, st.via, text, now)
                  .map(
                      kept -> {
                        if (kept) {
                          r.reply(
                              new Reply.Offline(
                                  name,
                                  List.of(new OfflineMessage(0, st.nick, st.via, text, now)),
                                  true));
                          r.reply(
                              new Reply.Notice(
                                  name
                                      + " is offline: your message will be delivered when they"
                                      + " log in."));
                        } else {
                          r.reply(
                              new Reply.Error(
                                  ErrorCode.OFFLINE_FULL,
                                  name
                                      + " is offline and has "
                                      + OfflineMessage.MAX_PER_ACCOUNT
                                      + " messages waiting already; yours was not kept"));
                        }
                        return null;
                      });
            })
        .onFailure(
            err ->
                r.reply(StoreErrors.reply(err, "your message was not kept; please send it again")));
  }

  /** To each client here of the recipient and of the sender, once, but the sending one. */
  private void deliver(Message<ChatEvent> msg) {
    ChatEvent event = msg.body();
    String from = msg.headers().get(FROM);
    for (Session c : nicknames.sessions(event.target())) {
      deliver(c, event, from);
    }
    if (!Nick.key(event.nick()).equals(Nick.key(event.target()))) {
      for (Session c : nicknames.sessions(event.nick())) {
        deliver(c, event, from);
      }
    }
  }

  private void deliver(Session c, ChatEvent event, String from) {
    if (!(node + '/' + c.id()).equals(from)) {
      c.context().runOnContext(v -> c.deliver(new Outgoing(event)));
    }
  }
}

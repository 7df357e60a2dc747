package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Emoji;
import parley.chat.ErrorCode;
import parley.chat.OfflineMessage;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.chat.UserRecord;
import parley.store.ChatStore;

/**
 * {@code /msg}: a private message goes to the node of the session holding the nickname (straight to
 * it when that is this node) and is echoed to the sender. Each node listens on {@code
 * parley.node.<id>}. To a registered nickname that is offline, the message is kept in the store and
 * delivered at the account's next login ({@link Continuity#deliverOffline}).
 */
final class PrivateMessages {
  static final String NODE_ADDRESS = "parley.node.";

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

  /** Receives the private messages other nodes send to this node's users. */
  Future<Void> start() {
    return eventBus
        .<ChatEvent>consumer(NODE_ADDRESS + node, msg -> deliver(msg.body()))
        .completion();
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
                      target.nick());
              if (target.node().equals(node)) {
                deliver(event);
              } else {
                eventBus.send(NODE_ADDRESS + target.node(), event);
              }
              s.deliver(new Outgoing(event));
            });
  }

  /**
   * Whether {@code nick}'s account (or the guest holding it) is online: the session holding the
   * nickname, anywhere in the cluster, or null. A message to it goes live when it is online, and is
   * kept for the account otherwise. The one place that decides it (several sessions of one account
   * would answer with any of them).
   */
  private Future<UserRecord> online(String nick) {
    return store.user(nick);
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

  private void deliver(ChatEvent event) {
    Session target = nicknames.session(event.target());
    if (target != null) {
      target.context().runOnContext(v -> target.deliver(new Outgoing(event)));
    }
  }
}

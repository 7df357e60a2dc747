package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.time.Clock;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Emoji;
import parley.chat.Nick;
import parley.chat.SessionState;

/**
 * {@code /msg}: a private message is published to every node ({@link #ADDRESS}, one consumer per
 * node), and each node hands it to its clients of the recipient's nickname, and to the sender's
 * other clients as an echo (an account may be used from several clients, on several nodes:
 * docs/ACCOUNTS.md, "Multiclient"). The sending client gets its echo at once.
 */
final class PrivateMessages {
  /** Moderation's per-node addresses start with this. */
  static final String NODE_ADDRESS = "parley.node.";

  /** Where private messages are published, for every node. */
  static final String ADDRESS = "parley.private";

  /** The header naming the sending client ({@code node/session}), which has its echo already. */
  private static final String FROM = "from";

  private final Clock clock;
  private final String node;
  private final EventBus eventBus;
  private final Nicknames nicknames;

  PrivateMessages(Clock clock, String node, EventBus eventBus, Nicknames nicknames) {
    this.clock = clock;
    this.node = node;
    this.eventBus = eventBus;
    this.nicknames = nicknames;
  }

  /** Receives the private messages for this node's users. */
  Future<Void> start() {
    return eventBus.<ChatEvent>consumer(ADDRESS, this::deliver).completion();
  }

  void send(Request r, String to, String text) {
    Session s = r.session();
    SessionState st = s.state();
    nicknames.withHolder(
        r,
        to,
        target -> {
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
          s.deliver(new Outgoing(event));
          eventBus.publish(
              ADDRESS, event, new DeliveryOptions().addHeader(FROM, node + '/' + s.id()));
        });
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

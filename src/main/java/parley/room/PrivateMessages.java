package parley.room;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.time.Clock;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Emoji;
import parley.chat.SessionState;

/**
 * {@code /msg}: a private message goes to the node of the session holding the nickname (straight to
 * it when that is this node) and is echoed to the sender. Each node listens on {@code
 * parley.node.<id>}.
 */
final class PrivateMessages {
  static final String NODE_ADDRESS = "parley.node.";

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

  /** Receives the private messages other nodes send to this node's users. */
  Future<Void> start() {
    return eventBus
        .<ChatEvent>consumer(NODE_ADDRESS + node, msg -> deliver(msg.body()))
        .completion();
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
          if (target.node().equals(node)) {
            deliver(event);
          } else {
            eventBus.send(NODE_ADDRESS + target.node(), event);
          }
          s.deliver(new Outgoing(event));
        });
  }

  private void deliver(ChatEvent event) {
    Session target = nicknames.session(event.target());
    if (target != null) {
      target.context().runOnContext(v -> target.deliver(new Outgoing(event)));
    }
  }
}

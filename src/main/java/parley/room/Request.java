package parley.room;

import parley.chat.Reply;
import parley.chat.SessionState;

/**
 * One request of a session (a line typed, a frame sent): where its replies go. Replies carry the
 * request's {@code id} (a WebSocket client's label, null for none), also when they come after a
 * store call, because the request travels with the work it started rather than living in the
 * session.
 */
public record Request(Session session, String id) {

  public void reply(Reply reply) {
    session.reply(reply, id);
  }

  public SessionState state() {
    return session.state();
  }
}

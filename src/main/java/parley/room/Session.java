package parley.room;

import io.vertx.core.Context;
import parley.chat.Reply;
import parley.chat.SessionState;

/**
 * What the chat service needs of a connected user, whatever the transport. Implemented by the
 * telnet and the WebSocket adapters. Every method is called on the session's own event loop ({@link
 * #context()}).
 */
public interface Session {

  String id();

  /** The rooms of the session's event loop, through which it joins and leaves rooms. */
  RoomHub hub();

  /** The session's event loop: its hub's context. */
  Context context();

  SessionState state();

  /** The peer's IP address. */
  String address();

  /** A room or private event, already encoded once per transport in {@code out}. */
  void deliver(Outgoing out);

  void reply(Reply reply);

  /**
   * A reply to a request that carried {@code id} (see {@link Request}); a transport without request
   * ids sends it as any reply.
   */
  default void reply(Reply reply, String id) {
    reply(reply);
  }

  /** Bytes written to the connection and not yet taken by the kernel (for metrics). */
  default long owedBytes() {
    return 0;
  }

  /** Ends the session: says {@code reason} to the user if possible, then closes the connection. */
  void close(String reason);
}

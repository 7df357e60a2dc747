package parley.cluster.raft;

import parley.chat.ChatEvent;
import parley.cluster.raft.ParleyState.Holder;
import parley.cluster.raft.ParleyState.Restriction;

/**
 * A change that applying one log entry made, handed to {@link ParleyStateMachine.Listener} on every
 * node in log order. {@code index} is the Raft log index of the entry; on start a node replays its
 * log, so the integration sees old entries again (their index is at most the applied index it found
 * at start).
 */
public sealed interface Applied {
  long index();

  /** The group got its epoch (the first entry of a new group). */
  record Initialized(long index, long epoch) implements Applied {}

  /**
   * A new message, action or topic with its seq; {@code node}, {@code sessionId} and {@code
   * clientMsgId} are the proposer's (for matching the ack). Not reported for a duplicate.
   */
  record Event(
      long index, long epoch, ChatEvent event, String node, String sessionId, String clientMsgId)
      implements Applied {}

  record Claimed(long index, Holder holder) implements Applied {}

  /** Released by its session. */
  record Released(long index, Holder holder) implements Applied {}

  /**
   * Taken from its session by the rules: its node's lease ran out ({@code reason} "lease expired")
   * or the node restarted ("node restarted"). The session must be told it lost the nick.
   */
  record Dropped(long index, Holder holder, String reason) implements Applied {}

  /** A session is now in the room as {@code nick}: it joined, or was renamed there. */
  record Joined(long index, String room, String nick, String sessionId, String node)
      implements Applied {}

  /**
   * A session is no longer in the room: it left ({@code reason} "left"), or its claim was dropped
   * ("lease expired", "node restarted"; reported after the {@link Dropped}).
   */
  record Left(long index, String room, String nick, String sessionId, String node, String reason)
      implements Applied {}

  /** A ban or mute was set (or replaced). */
  record Restricted(long index, Restriction restriction) implements Applied {}

  /** A ban or mute ended: lifted by a command, or {@code expired} by the log's time. */
  record Lifted(long index, Restriction restriction, boolean expired) implements Applied {}

  /** The roles of the account {@code name} were set (granted or revoked). */
  record RolesSet(long index, String name) implements Applied {}

  /**
   * The whole state was replaced by a snapshot (installed from the leader because this node was too
   * far behind): changes up to {@code index} were not reported one by one; re-read the state.
   */
  record Restored(long index) implements Applied {}
}

package parley.chat;

import java.time.Instant;

/** Who holds a nickname, as the nickname store keeps it. Immutable. */
public record UserRecord(
    String nick,
    String via,
    String node,
    String sessionId,
    Instant connectedAt,
    Instant lastActive) {

  public UserRecord touched(Instant now) {
    return new UserRecord(nick, via, node, sessionId, connectedAt, now);
  }
}

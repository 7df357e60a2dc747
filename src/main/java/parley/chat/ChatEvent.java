package parley.chat;

import java.time.Instant;

/**
 * Something that happened in a room (or, for {@link Type#PRIVATE}, between two users). Immutable:
 * one instance is published once and shared by every recipient on every event loop.
 *
 * @param seq per-room sequence number for events kept in history, 0 for the others
 * @param target the old nickname for {@link Type#NICK}, the recipient for {@link Type#PRIVATE}
 */
public record ChatEvent(
    Type type,
    String room,
    long seq,
    Instant ts,
    String nick,
    String via,
    String text,
    String target) {

  public enum Type {
    /** A chat line; kept in history. */
    MESSAGE(true),
    /** A {@code /me} line; kept in history. */
    ACTION(true),
    /** A topic change; kept in history. */
    TOPIC(true),
    JOIN(false),
    LEAVE(false),
    /** Joins or leaves summarised in a big room; {@code text} says who. */
    SUMMARY(false),
    NICK(false),
    PRIVATE(false),
    /** A notice from the server to everyone in the room (or everyone, with a null room). */
    NOTICE(false);

    public final boolean historic;

    Type(boolean historic) {
      this.historic = historic;
    }
  }

  public static ChatEvent message(String room, Instant ts, String nick, String via, String text) {
    return new ChatEvent(Type.MESSAGE, room, 0, ts, nick, via, text, null);
  }

  public ChatEvent withSeq(long newSeq) {
    return new ChatEvent(type, room, newSeq, ts, nick, via, text, target);
  }
}

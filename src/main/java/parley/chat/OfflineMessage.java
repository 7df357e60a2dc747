package parley.chat;

import java.time.Instant;

/**
 * A private message kept for a registered user who was offline, delivered at their next login.
 *
 * @param id numbers the account's offline messages, from 1, in the order they were kept
 */
public record OfflineMessage(long id, String from, String via, String text, Instant at) {
  /** The most messages kept for one account; more are refused and the sender is told. */
  public static final int MAX_PER_ACCOUNT = 100;
}

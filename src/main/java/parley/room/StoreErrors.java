package parley.room;

import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.store.ReadOnlyException;

/**
 * The one mapping from a failed store write to what the user is told: a node cut off from the
 * cluster ({@code read_only}, nothing was done), a write sent but not confirmed ({@code
 * not_confirmed}, it may still take effect), anything else ({@code not_stored}).
 */
final class StoreErrors {
  static final String READ_ONLY_TEXT =
      "not done: this server has lost contact with the rest of the cluster; you can read, not"
          + " send, until it returns";
  static final String NOT_CONFIRMED_TEXT =
      "not confirmed: this server lost contact with the rest of the cluster before the change was"
          + " confirmed; it may still take effect";

  /** Sent to every user of a node that lost contact with the majority of the cluster. */
  static final String CUT_OFF =
      "This server has lost contact with the rest of the cluster: you can read, not send, until it"
          + " returns. History still works.";

  /** Sent to every user of that node when contact is back. */
  static final String BACK = "Contact with the cluster is back: you can send again.";

  private StoreErrors() {}

  /**
   * @param err why the write failed, possibly wrapped (a {@link ReadOnlyException} is found among
   *     its causes)
   * @param notStored the text for any other failure, e.g. "your message could not be stored; please
   *     send it again"
   */
  static Reply.Error reply(Throwable err, String notStored) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ReadOnlyException ro) {
        return ro.maybeDone()
            ? new Reply.Error(ErrorCode.NOT_CONFIRMED, NOT_CONFIRMED_TEXT)
            : new Reply.Error(ErrorCode.READ_ONLY, READ_ONLY_TEXT);
      }
    }
    return new Reply.Error(ErrorCode.NOT_STORED, notStored);
  }
}

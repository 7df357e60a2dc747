package parley.room;

import java.util.concurrent.CompletionException;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.store.ReadOnlyException;

/** What a user is told when the store refused or lost a write. */
final class StoreErrors {
  /** Sent to every user of a node that lost contact with the majority of the cluster. */
  static final String CUT_OFF =
      "This server has lost contact with the rest of the cluster: you can read, not send, until it"
          + " returns. History still works.";

  /** Sent to every user of that node when contact is back. */
  static final String BACK = "Contact with the cluster is back: you can send again.";

  private StoreErrors() {}

  /**
   * The error reply for a failed store write.
   *
   * @param what what did not happen, e.g. "your message was not sent"
   */
  static Reply.Error error(Throwable err, String what) {
    Throwable t = err;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ReadOnlyException ro) {
      return ro.maybeDone()
          ? new Reply.Error(
              ErrorCode.NOT_CONFIRMED,
              "not confirmed: the cluster did not answer in time (it may be losing its majority);"
                  + " if it shows up with a number, it was done, otherwise try again")
          : new Reply.Error(
              ErrorCode.READ_ONLY,
              what
                  + ": this server has lost contact with the rest of the cluster; you can read, not"
                  + " send, until it returns");
    }
    return new Reply.Error(ErrorCode.NOT_STORED, what + ": it could not be stored; try again");
  }
}

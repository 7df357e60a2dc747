package parley.cluster.raft;

/**
 * A cluster write was refused or did not commit in time: this node cannot reach a majority of the
 * voters (or the cluster has none). Reads still work, from the local state. The message starts with
 * {@code read-only: cut off from the cluster majority: } and says why.
 */
public final class ReadOnlyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final String PREFIX = "read-only: cut off from the cluster majority: ";

  public ReadOnlyException(String why) {
    super(PREFIX + why);
  }

  public ReadOnlyException(String why, Throwable cause) {
    super(PREFIX + why, cause);
  }
}

package parley.store;

/**
 * A write the store refused, or did not see committed in time, because this node cannot reach a
 * majority of the cluster's voters (or the cluster has none). Reads still work, from the local
 * state. The message starts with {@code read-only: cut off from the cluster majority: } and says
 * why. {@link #maybeDone()} is true when the write was sent but not confirmed in time: it may still
 * take effect.
 */
public final class ReadOnlyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final String PREFIX = "read-only: cut off from the cluster majority: ";

  private final boolean maybeDone;

  /** Refused before it was sent: it has no effect. */
  public ReadOnlyException(String why) {
    this(why, null, false);
  }

  public ReadOnlyException(String why, Throwable cause) {
    this(why, cause, false);
  }

  /**
   * @param maybeDone the write was sent and may still take effect (it was not confirmed in time)
   */
  public ReadOnlyException(String why, Throwable cause, boolean maybeDone) {
    super(PREFIX + why, cause);
    this.maybeDone = maybeDone;
  }

  /** Whether the write was sent and may still take effect. */
  public boolean maybeDone() {
    return maybeDone;
  }
}

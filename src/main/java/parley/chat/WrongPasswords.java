package parley.chat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Limits on wrong passwords: at most {@code perAccount} for one account and {@code perAddress} from
 * one address within {@code window}; then every try (right or wrong) is refused until the oldest
 * counted failure is older than the window. Time is an argument. Thread-safe.
 *
 * <p>Memory: only accounts and addresses with failures in the window are kept.
 */
public final class WrongPasswords {
  private final int perAccount;
  private final int perAddress;
  private final Duration window;
  private final Map<String, ArrayDeque<Instant>> failures = new HashMap<>();

  public WrongPasswords(int perAccount, int perAddress, Duration window) {
    if (perAccount < 1 || perAddress < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("limits must be positive");
    }
    this.perAccount = perAccount;
    this.perAddress = perAddress;
    this.window = window;
  }

  /** 5 per account and 20 per address in 5 minutes. */
  public static WrongPasswords standard() {
    return new WrongPasswords(5, 20, Duration.ofMinutes(5));
  }

  /**
   * How long tries for {@code accountKey} from {@code address} are refused at {@code now}; zero
   * when they are allowed.
   */
  public synchronized Duration locked(String accountKey, String address, Instant now) {
    Duration a = wait(failures.get(account(accountKey)), perAccount, now);
    Duration b = wait(failures.get(address(address)), perAddress, now);
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** A wrong password for {@code accountKey} from {@code address}. */
  public synchronized void failed(String accountKey, String address, Instant now) {
    add(account(accountKey), now);
    add(address(address), now);
  }

  /**
   * The right password: the account's count starts again (the address's stays, so one address can't
   * guess at many accounts by logging in to its own between guesses).
   */
  public synchronized void succeeded(String accountKey) {
    failures.remove(account(accountKey));
  }

  /** How many accounts and addresses have failures counted (for tests of the memory bound). */
  synchronized int tracked(Instant now) {
    prune(now);
    return failures.size();
  }

  private void add(String key, Instant now) {
    if (failures.size() > 10_000) {
      prune(now);
    }
    failures.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(now);
  }

  private void prune(Instant now) {
    failures.values().removeIf(q -> expire(q, now));
  }

  /** Drops failures older than the window; true when none is left. */
  private boolean expire(ArrayDeque<Instant> q, Instant now) {
    while (!q.isEmpty() && !q.peekFirst().plus(window).isAfter(now)) {
      q.pollFirst();
    }
    return q.isEmpty();
  }

  private Duration wait(ArrayDeque<Instant> q, int allowed, Instant now) {
    if (q == null || expire(q, now) || q.size() < allowed) {
      return Duration.ZERO;
    }
    // the oldest failures that keep the count at the limit must age out first
    Instant freed = q.toArray(Instant[]::new)[q.size() - allowed].plus(window);
    return Duration.between(now, freed);
  }

  private static String account(String key) {
    return "account\0" + key;
  }

  private static String address(String address) {
    return "address\0" + address;
  }
}

package parley.chat;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every account, its tokens and its offline messages, with the rules for changing them: the one
 * implementation behind the local store and the replicated state, so both decide alike. Accounts
 * are kept by {@link Nick#key}. Not thread-safe: its owner synchronizes.
 *
 * <p>Deterministic: the result of each change depends only on the book and the arguments (times are
 * arguments), as the replicated state requires.
 */
public final class AccountBook {
  /** An account's offline messages, and the last id given (ids are never given twice). */
  public record Mailbox(long lastId, List<OfflineMessage> messages) {
    public Mailbox {
      messages = List.copyOf(messages);
    }
  }

  private final TreeMap<String, Account> accounts = new TreeMap<>();
  private final TreeMap<String, Long> lastIds = new TreeMap<>();
  private final HashMap<String, ArrayDeque<OfflineMessage>> waiting = new HashMap<>();

  /** Derived: token hash to account key. */
  private final HashMap<String, String> tokens = new HashMap<>();

  /** Counts changes, so an owner that saves the book can tell whether a call changed it. */
  private long version;

  /** Grows with every change (a call that changes nothing leaves it). */
  public long version() {
    return version;
  }

  /** Adds the account; false (and nothing changes) when its name is registered already. */
  public boolean register(Account account) {
    if (accounts.containsKey(account.key())) {
      return false;
    }
    put(account);
    return true;
  }

  /** The account registered for that nickname (case-insensitively), or null. */
  public Account get(String name) {
    return accounts.get(Nick.key(name));
  }

  /** The account holding a token with that hash, or null. */
  public Account byToken(String tokenHash) {
    String key = tokens.get(tokenHash);
    return key == null ? null : accounts.get(key);
  }

  /** Replaces the password and drops every token. False when there is no such account. */
  public boolean setPassword(String name, PasswordHash hash) {
    Account a = get(name);
    if (a == null) {
      return false;
    }
    put(a.withPassword(hash));
    return true;
  }

  /** Removes the account, its tokens and its offline messages. False when there was none. */
  public boolean drop(String name) {
    Account a = accounts.remove(Nick.key(name));
    if (a == null) {
      return false;
    }
    a.tokens().forEach(t -> tokens.remove(t.hash()));
    lastIds.remove(a.key());
    waiting.remove(a.key());
    version++;
    return true;
  }

  /** Gives (or with {@code granted} false, takes) a role. False when there is no such account. */
  public boolean setRole(String name, Role role, boolean granted) {
    Account a = get(name);
    if (a == null) {
      return false;
    }
    put(granted ? a.withRole(role) : a.withoutRole(role));
    return true;
  }

  /** Whether some account holds {@code role}. */
  public boolean anyHolds(Role role) {
    for (Account a : accounts.values()) {
      if (a.roles().contains(role)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Adds a token (the account's oldest goes beyond {@link Account#MAX_TOKENS}). False when there is
   * no such account, or the hash belongs to another account.
   */
  public boolean addToken(String name, Account.Token token) {
    Account a = get(name);
    String holder = tokens.get(token.hash());
    if (a == null || holder != null && !holder.equals(a.key())) {
      return false;
    }
    put(a.withToken(token));
    return true;
  }

  /** Drops the token with that hash from the account, if it has it. */
  public void dropToken(String name, String tokenHash) {
    Account a = get(name);
    if (a != null && a.token(tokenHash) != null) {
      put(a.withoutToken(tokenHash));
    }
  }

  /** The account is in {@code room} and was sent everything up to {@code seq} there. */
  public void seen(String name, String room, long seq) {
    Account a = get(name);
    if (a != null) {
      put(a.seen(room, seq));
    }
  }

  /** The account left {@code room}. */
  public void forget(String name, String room) {
    Account a = get(name);
    if (a != null) {
      put(a.forget(room));
    }
  }

  /**
   * Keeps a private message for the account {@code to}, with the next id. False when there is no
   * such account or it has {@link OfflineMessage#MAX_PER_ACCOUNT} waiting.
   */
  public boolean queue(String to, String from, String via, String text, Instant at) {
    Account a = get(to);
    if (a == null) {
      return false;
    }
    ArrayDeque<OfflineMessage> q = waiting.computeIfAbsent(a.key(), k -> new ArrayDeque<>());
    if (q.size() >= OfflineMessage.MAX_PER_ACCOUNT) {
      return false;
    }
    long id = lastIds.merge(a.key(), 1L, Long::sum);
    q.addLast(new OfflineMessage(id, from, via, text, at));
    version++;
    return true;
  }

  /** Removes and returns the account's offline messages, oldest first. */
  public List<OfflineMessage> take(String name) {
    ArrayDeque<OfflineMessage> q = waiting.remove(Nick.key(name));
    if (q == null) {
      return List.of();
    }
    version++;
    return new ArrayList<>(q);
  }

  /** The account's offline messages, oldest first, without taking them. */
  public List<OfflineMessage> waiting(String name) {
    ArrayDeque<OfflineMessage> q = waiting.get(Nick.key(name));
    return q == null ? List.of() : List.copyOf(q);
  }

  // ---- for saving and restoring the whole book ----

  /** Every account, sorted by key. */
  public List<Account> accounts() {
    return new ArrayList<>(accounts.values());
  }

  /** Every account's mailbox that ever had a message, by key, sorted. */
  public Map<String, Mailbox> mailboxes() {
    Map<String, Mailbox> out = new TreeMap<>();
    lastIds.forEach((key, last) -> out.put(key, new Mailbox(last, waiting(key))));
    return out;
  }

  /** Puts back an account as saved (replacing one of the same key). */
  public void restore(Account account) {
    put(account);
  }

  /** Puts back an account's mailbox as saved; ignored for a key without an account. */
  public void restore(String key, Mailbox box) {
    if (!accounts.containsKey(key)) {
      return;
    }
    lastIds.put(key, box.lastId());
    if (box.messages().isEmpty()) {
      waiting.remove(key);
    } else {
      waiting.put(key, new ArrayDeque<>(box.messages()));
    }
    version++;
  }

  public void clear() {
    version++;
    accounts.clear();
    lastIds.clear();
    waiting.clear();
    tokens.clear();
  }

  private void put(Account a) {
    Account old = accounts.put(a.key(), a);
    if (a.equals(old)) {
      return;
    }
    version++;
    if (old != null) {
      old.tokens().forEach(t -> tokens.remove(t.hash()));
    }
    a.tokens().forEach(t -> tokens.put(t.hash(), a.key()));
  }
}

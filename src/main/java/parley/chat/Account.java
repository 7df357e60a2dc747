package parley.chat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A registered nickname. Immutable: each rule below returns the changed account, so the local and
 * the replicated store apply exactly the same rules.
 *
 * @param name the nickname as registered; accounts are unique by {@link Nick#key}
 * @param password the stored hash, never the password
 * @param roles what the account may do beyond chatting
 * @param created when it was registered
 * @param rooms the rooms it is in, to the last seq its sessions were sent there (0: none yet);
 *     sorted by name, at most {@link #MAX_ROOMS}
 * @param tokens its session tokens (hashes), oldest first, at most {@link #MAX_TOKENS}
 */
public record Account(
    String name,
    PasswordHash password,
    Set<Role> roles,
    Instant created,
    Map<String, Long> rooms,
    List<Token> tokens) {

  /** The most session tokens an account keeps; a new one beyond that drops the oldest. */
  public static final int MAX_TOKENS = 10;

  /** The most rooms an account remembers; a new room beyond that is not remembered. */
  public static final int MAX_ROOMS = 100;

  /** How a ban or mute names an account, as typed: {@code account:NAME}. */
  public static final String MASK_PREFIX = "account:";

  /**
   * A session token as stored: the hash of the token ({@link Credentials#tokenHash}), what it may
   * be used for, and when it was made.
   */
  public record Token(String hash, String scope, Instant created) {
    /** The only scope so far: a browser that logged in with the password. */
    public static final String WEB = "web";

    /** No token material in logs. */
    @Override
    public String toString() {
      return "Token[" + scope + ", " + created + "]";
    }
  }

  public Account {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(created, "created");
    roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
    rooms = Collections.unmodifiableMap(new TreeMap<>(rooms));
    tokens = List.copyOf(tokens);
  }

  /** A new account: no roles, no rooms, no tokens. */
  public static Account create(String name, PasswordHash password, Instant created) {
    return new Account(name, password, Set.of(), created, Map.of(), List.of());
  }

  /** The key it is stored and looked up by: the nickname's key. */
  public String key() {
    return Nick.key(name);
  }

  /**
   * The mask under which bans and mutes of the account {@code name} are kept: {@code account:} and
   * the nickname's key. No address or nickname has this form (nicknames have no ':').
   */
  public static String mask(String name) {
    return MASK_PREFIX + Nick.key(name);
  }

  /**
   * The account named by a ban or mute target typed as {@code account:NAME} (the prefix in any
   * case), or null when the target is not of that form.
   */
  public static String masked(String target) {
    return target.regionMatches(true, 0, MASK_PREFIX, 0, MASK_PREFIX.length())
        ? target.substring(MASK_PREFIX.length())
        : null;
  }

  /** Whether the account may act as {@code role}: an admin may do what a moderator may. */
  public boolean may(Role role) {
    return roles.contains(role) || roles.contains(Role.ADMIN);
  }

  /** A new password; every session token is dropped with the old one. */
  public Account withPassword(PasswordHash hash) {
    return new Account(name, hash, roles, created, rooms, List.of());
  }

  public Account withRole(Role role) {
    EnumSet<Role> r = EnumSet.noneOf(Role.class);
    r.addAll(roles);
    r.add(role);
    return new Account(name, password, r, created, rooms, tokens);
  }

  public Account withoutRole(Role role) {
    EnumSet<Role> r = EnumSet.noneOf(Role.class);
    r.addAll(roles);
    r.remove(role);
    return new Account(name, password, r, created, rooms, tokens);
  }

  /** With {@code token} added (the oldest dropped beyond {@link #MAX_TOKENS}). */
  public Account withToken(Token token) {
    List<Token> t = new ArrayList<>(tokens.size() + 1);
    for (Token each : tokens) {
      if (!each.hash().equals(token.hash())) {
        t.add(each);
      }
    }
    t.add(token);
    while (t.size() > MAX_TOKENS) {
      t.remove(0);
    }
    return new Account(name, password, roles, created, rooms, t);
  }

  /** Without the token whose hash is {@code hash}. */
  public Account withoutToken(String hash) {
    List<Token> t = new ArrayList<>(tokens);
    t.removeIf(each -> each.hash().equals(hash));
    return new Account(name, password, roles, created, rooms, t);
  }

  /** The token with that hash, or null. */
  public Token token(String hash) {
    for (Token t : tokens) {
      if (t.hash().equals(hash)) {
        return t;
      }
    }
    return null;
  }

  /**
   * In {@code room}, having been sent everything up to {@code seq}. The seq only grows; a room
   * beyond {@link #MAX_ROOMS} is not remembered.
   */
  public Account seen(String room, long seq) {
    Long old = rooms.get(room);
    if (old == null && rooms.size() >= MAX_ROOMS || old != null && old >= seq) {
      return this;
    }
    Map<String, Long> r = new TreeMap<>(rooms);
    r.put(room, Math.max(seq, 0));
    return new Account(name, password, roles, created, r, tokens);
  }

  /** No longer in {@code room} (the user parted it). */
  public Account forget(String room) {
    if (!rooms.containsKey(room)) {
      return this;
    }
    Map<String, Long> r = new TreeMap<>(rooms);
    r.remove(room);
    return new Account(name, password, roles, created, r, tokens);
  }
}

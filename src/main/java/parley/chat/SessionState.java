package parley.chat;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the chat core knows about one connected user. Owned by the session's event loop: never
 * shared between threads.
 */
public final class SessionState {
  public final String via;
  public final Instant connectedAt;
  public String nick;

  /** The rooms joined, in joining order. */
  public final Set<String> rooms = new LinkedHashSet<>();

  /** Where plain lines go. */
  public String currentRoom;

  public Instant lastActive;
  public boolean color;

  /** Set once the user chose colours with /color; the terminal type no longer decides then. */
  public boolean colorChosen;

  public boolean ascii;

  /**
   * The roles of the account the session is logged in to, as the store last told this node; empty
   * for a guest.
   */
  public Set<Role> roles = Set.of();

  /** The account the session is logged in to (its name as registered); null for a guest. */
  public String account;

  /**
   * The hash of the browser session token this session logged in with or was given; null for none.
   * {@code /logout} revokes it.
   */
  public String tokenHash;

  /**
   * Another client of {@link #account} holds the nickname's claim; this one shares it (multiclient,
   * docs/ACCOUNTS.md). Written on the session's loop, read by its node's housekeeping.
   */
  public volatile boolean attached;

  /**
   * Flood control; created on the first line. It holds each delayed line as the work of handling
   * it.
   */
  public FloodGate<Runnable> flood;

  /** The timer releasing held lines, or -1. */
  public long floodTimer = -1;

  /** Whether the session may act as {@code role}: an admin may do what a moderator may. */
  public boolean may(Role role) {
    return roles.contains(role) || roles.contains(Role.ADMIN);
  }

  public SessionState(String via, Instant connectedAt) {
    this.via = via;
    this.connectedAt = connectedAt;
    this.lastActive = connectedAt;
  }
}

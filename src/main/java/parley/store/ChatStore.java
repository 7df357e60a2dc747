package parley.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import parley.chat.Account;
import parley.chat.ChatEvent;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;
import parley.chat.RoomInfo;
import parley.chat.UserRecord;

/**
 * Where nickname claims, room membership, topics and history live. One interface, a local
 * implementation ({@link LocalChatStore}, Vert.x local shared data) and a clustered one; both pass
 * the same contract tests. Every method may be called from any event loop.
 *
 * <p>Moderation state (bans and mutes) lives here too, so that it is the same on every node of a
 * cluster and outlives restarts; writes of it, like every write, may fail with {@link
 * ReadOnlyException} in a clustered store.
 */
public interface ChatStore {

  /** A run of history. {@code missed} counts the messages asked for that are no longer retained. */
  record Slice(List<ChatEvent> events, long missed) {}

  /**
   * Claims {@code user.nick()} atomically, case-insensitively. Succeeds with false when someone
   * holds it.
   */
  Future<Boolean> claimNick(UserRecord user);

  /** Releases the claim on {@code nick} if {@code sessionId} holds it; otherwise does nothing. */
  Future<Void> releaseNick(String nick, String sessionId);

  /**
   * Records activity of the holder of {@code nick}, for idle times. Implementations may coarsen it.
   */
  Future<Void> touch(String nick, String sessionId, Instant now);

  /** The holder of {@code nick}, or null. */
  Future<UserRecord> user(String nick);

  /** Everyone holding a nickname. */
  Future<List<UserRecord>> users();

  /**
   * Records that the session (known by that nick) is in the room. Joining again updates the nick.
   */
  Future<Void> joinRoom(String room, String sessionId, String nick);

  Future<Void> leaveRoom(String room, String sessionId);

  /**
   * Who is in a room: up to the asked-for number of nicknames, sorted case-insensitively, and the
   * full count.
   */
  record Members(List<String> names, int count) {}

  /**
   * At most {@code limit} of the room's nicknames and how many members it has. Costs O(limit), not
   * O(members).
   */
  Future<Members> members(String room, int limit);

  /** Rooms that have members or history, with member counts and topics. */
  Future<List<RoomInfo>> rooms();

  /** The topic, or null. */
  Future<String> topic(String room);

  /**
   * Gives the event the room's next sequence number, keeps it in history, and hands it to {@code
   * publish} once it is acknowledged (stored durably where the store journals). For one room,
   * {@code publish} is called in sequence order and never concurrently, so subscribers see a room's
   * events in order. A store that {@linkplain #deliverTo delivers on every node} hands the event to
   * its {@code deliverTo} consumer instead, on every node, and never calls {@code publish}.
   *
   * <p>Fails with {@link ReadOnlyException} when the store cannot take writes now (a clustered node
   * cut off from the majority).
   *
   * @return the event with its sequence number, completed after it was published
   */
  Future<ChatEvent> append(ChatEvent event, Consumer<ChatEvent> publish);

  /**
   * For stores that replicate events to every node themselves: {@code local} is given every stored
   * event of every room on this node, in seq order per room, and delivers it to this node's
   * sessions only. The others ignore {@code local} and call {@link #append}'s {@code publish} on
   * the appending node, which sends the event to every node.
   */
  default void deliverTo(Consumer<ChatEvent> local) {}

  /** The last {@code count} events of the room, oldest first. */
  Future<Slice> history(String room, int count);

  /**
   * Events with seq greater than {@code afterSeq}, oldest first, at most {@code max} (the newest
   * ones when there are more). {@code missed} counts those after {@code afterSeq} that are not
   * returned.
   */
  Future<Slice> since(String room, long afterSeq, int max);

  /**
   * The epoch of this store's numbering: an opaque string (16 hex digits here) that stays the same
   * as long as every {@code (room, seq)} given names one event. It changes when the history, or a
   * room's numbering, is lost and seqs may be given again; a client holding seqs of another epoch
   * must drop them (docs/PROTOCOL.md, "Epoch").
   */
  String epoch();

  /** The highest sequence number given in the room, 0 for none. */
  Future<Long> lastSeq(String room);

  /**
   * A room as a joining session needs it, read at one moment.
   *
   * @param history what {@link #since} (when asked with a seq) or {@link #history} would return
   * @param lastSeq the highest seq given in the room, as {@link #lastSeq}
   */
  record Snapshot(Slice history, long lastSeq, String topic, Members members) {}

  /**
   * The room's history, last seq and topic from one read, and its members: what a join needs, in
   * one call.
   *
   * @param afterSeq above 0: the events after it, the newest {@code max} of them, counting the
   *     others as missed (as {@link #since}); 0: the last {@code max} events (as {@link #history})
   * @param memberLimit how many member names to return (as {@link #members})
   */
  Future<Snapshot> snapshot(String room, long afterSeq, int max, int memberLimit);

  /**
   * Tells {@code roomAndNick} about members the store dropped without their session leaving, such
   * as the users of a cluster node that died. Each dropped member is reported once, by one node.
   * The local store never drops anyone.
   */
  default void onMembersLost(BiConsumer<String, String> roomAndNick) {}

  /**
   * Tells {@code sessionAndNick} (session id, nick) when a session of this node lost its nickname
   * to another session, as a clustered store can find when a partition heals; the session must take
   * another nickname. The local store never takes a nickname away.
   */
  default void onNickLost(BiConsumer<String, String> sessionAndNick) {}

  /**
   * Tells {@code l} when this node's store stops taking writes (false: a clustered node cut off
   * from the majority) and when it takes them again (true). The local store always takes them.
   */
  default void onWritableChange(Consumer<Boolean> l) {}

  // ---- moderation ----------------------------------------------------------------------------

  /**
   * A nickname that may not talk.
   *
   * @param nick the nickname as it was held when muted; mutes are looked up case-insensitively
   *     ({@link parley.chat.Nick#key})
   * @param until when the mute ends; null for a mute without end (lifting is {@link #unmute})
   * @param by the operator who muted
   */
  record Mute(String nick, Instant until, String by) {
    /** Whether the mute is in force at {@code now}. */
    public boolean activeAt(Instant now) {
      return until == null || until.isAfter(now);
    }
  }

  /**
   * Bans {@code ban.address()} (made for {@code ban.nick()}, which may be null) until {@code
   * ban.until()} (null: until lifted), on every node. A new ban of the same address replaces the
   * old one. Completes once the ban is applied ({@link #banned} on this node sees it) and, in a
   * replicated store, committed; a store that keeps it in a local file may write that in the
   * background ({@link #flush} waits for it).
   */
  Future<Void> ban(BanList.Ban ban);

  /**
   * Lifts the bans on the address {@code addressOrNick}, and the bans made for the nickname {@code
   * addressOrNick} (case-insensitively), on every node.
   *
   * @return the bans lifted; empty when there were none
   */
  Future<List<BanList.Ban>> unban(String addressOrNick);

  /**
   * The ban in force on {@code address} at {@code now}, or null. A local, synchronous read (no
   * network, no disk): admission calls it on the event loop for every connection.
   */
  BanList.Ban banned(String address, Instant now);

  /**
   * Mutes {@code mute.nick()} on every node, replacing an earlier mute of that nickname. Completes
   * once the mute is applied ({@link #muted} on this node sees it).
   */
  Future<Void> mute(Mute mute);

  /**
   * Lifts the mute of {@code nick} (case-insensitively) on every node.
   *
   * @return true if a mute was recorded for that nickname and is now lifted; false if there was
   *     none
   */
  Future<Boolean> unmute(String nick);

  /**
   * The mute in force on {@code nick} (case-insensitively) at {@code now}, or null. A local,
   * synchronous read: called for every message sent.
   */
  Mute muted(String nick, Instant now);

  /**
   * Registers what to do, on this node, when the store applies a moderation change: every ban, mute
   * and unmute, wherever it was made (this node included), is handed to the matching consumer once
   * on every node, after {@link #banned} / {@link #muted} there reflect it. So a node closes its
   * own sessions from a banned address and tells its own muted user. Consumers may be called on any
   * thread and must not block. Unbans are not reported (nothing needs to happen on them).
   *
   * @param unmuted is given the nickname whose mute was lifted
   */
  void onModeration(Consumer<BanList.Ban> banned, Consumer<Mute> muted, Consumer<String> unmuted);

  // ---- accounts (docs/ACCOUNTS.md) ----------------------------------------------------------

  /*
   * Accounts are kept by nickname key (case-insensitively). Every change completes once it is
   * durable (on this node's disk, or committed by a majority) and applied, so a read on this node
   * that follows sees it; changes follow the rules of parley.chat.AccountBook in both stores.
   */

  /** Registers the account; false when its nickname is registered already. */
  Future<Boolean> register(Account account);

  /** The account registered for that nickname, or null. Read from this node's state. */
  Future<Account> account(String name);

  /** The account holding a session token with that hash, or null. */
  Future<Account> accountByToken(String tokenHash);

  /** Replaces the password hash and drops every token; false when there is no such account. */
  Future<Boolean> setPassword(String name, PasswordHash hash);

  /** Removes the account, its tokens and its offline messages; false when there was none. */
  Future<Boolean> dropAccount(String name);

  /** Grants ({@code granted}) or revokes a role; false when there is no such account. */
  Future<Boolean> setRole(String name, Role role, boolean granted);

  /** Whether some account holds {@code role}. Read from this node's state. */
  Future<Boolean> anyHolds(Role role);

  /**
   * Tells {@code account} the name of an account whose roles were set ({@link #setRole}, wherever
   * it was made), on every node, once {@link #account} there reflects it; so a node gives its own
   * sessions of that account their new powers. May be called on any thread; must not block.
   */
  void onRoles(Consumer<String> account);

  /**
   * Adds a session token (its hash); the account's oldest goes beyond {@link Account#MAX_TOKENS}.
   * False when there is no such account.
   */
  Future<Boolean> addToken(String name, Account.Token token);

  /** Revokes the token with that hash, if the account has it. */
  Future<Void> dropToken(String name, String tokenHash);

  /** The account is in {@code room} and was sent everything up to {@code seq} there. */
  Future<Void> seen(String name, String room, long seq);

  /** The account left {@code room}. */
  Future<Void> forgetRoom(String name, String room);

  /**
   * Keeps a private message for the account {@code to} until {@link #takeOffline}. False when there
   * is no such account or its queue is full ({@link OfflineMessage#MAX_PER_ACCOUNT}).
   */
  Future<Boolean> queueOffline(String to, String from, String via, String text, Instant at);

  /**
   * Removes and returns the account's offline messages, oldest first. Of two concurrent takes (any
   * nodes), one gets the messages and the other none: none is delivered twice.
   */
  Future<List<OfflineMessage>> takeOffline(String name);

  /**
   * Completes once every change made before the call is durable where this store keeps it on this
   * node's disk (the server's shutdown waits for it). Never fails.
   */
  default CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }
}

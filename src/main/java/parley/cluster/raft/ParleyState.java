package parley.cluster.raft;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import parley.chat.Account;
import parley.chat.AccountBook;
import parley.chat.ChatEvent;
import parley.chat.Nick;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;
import parley.chat.UserRecord;
import parley.cluster.raft.Commands.Append;
import parley.cluster.raft.Commands.Appended;
import parley.cluster.raft.Commands.Ban;
import parley.cluster.raft.Commands.Batch;
import parley.cluster.raft.Commands.Claim;
import parley.cluster.raft.Commands.ClaimResult;
import parley.cluster.raft.Commands.ClaimStatus;
import parley.cluster.raft.Commands.Command;
import parley.cluster.raft.Commands.Done;
import parley.cluster.raft.Commands.Entry;
import parley.cluster.raft.Commands.Flag;
import parley.cluster.raft.Commands.Init;
import parley.cluster.raft.Commands.Join;
import parley.cluster.raft.Commands.Leave;
import parley.cluster.raft.Commands.Mail;
import parley.cluster.raft.Commands.Mute;
import parley.cluster.raft.Commands.NodeLease;
import parley.cluster.raft.Commands.Release;
import parley.cluster.raft.Commands.Result;
import parley.cluster.raft.Commands.Results;
import parley.cluster.raft.Commands.Unban;
import parley.cluster.raft.Commands.Unmute;
import parley.store.ChatStore.Members;
import parley.store.ChatStore.Slice;

/**
 * The replicated state of the cluster, as one node holds it: rooms (seq counters, retained history,
 * topics), room memberships, nickname claims, node leases, bans and mutes, the epoch, and the
 * accounts ({@link AccountBook}: their password hashes, roles, rooms, token hashes, offline
 * messages). Changed only by {@link #apply} in log order; the result depends only on the entries
 * (their leader-assigned time included), never on a clock, a file or the node, so every node that
 * applied the same log holds the same state.
 *
 * <p>Thread-safe: {@link #apply} and the reads synchronize on this object; reads return copies.
 *
 * <p>Rules: an Append gets the room's next seq; the same (node, session, client message id) in the
 * same room within its last {@link #DEDUP_PER_ROOM} ids gets the earlier seq. The log's time is the
 * highest entry time so far. Before each entry, a node whose last lease (a {@link NodeLease} or
 * {@link Claim}) is more than {@link #LEASE_MILLIS} older than the log's time loses its claims, and
 * bans and mutes whose end is reached end. A session joins a room only if it holds a claim; a
 * dropped claim takes the session's memberships with it (a released one does not: the server sends
 * the Leaves). Sessions are named by (node, session id), as session ids are only unique within a
 * node.
 */
public final class ParleyState {
  /** A node's claims are dropped when the log's time is this far past its last lease. */
  public static final long LEASE_MILLIS = 30_000;

  /** How many client message ids per room are remembered for idempotent appends. */
  static final int DEDUP_PER_ROOM = 1024;

  /** 3: with accounts. 2 (with memberships, no accounts) and 1 (without either) are still read. */
  private static final byte SNAPSHOT_VERSION = 3;

  /** A nickname claim. {@code since} is the log time of the claim (epoch millis). */
  public record Holder(
      String nick, String sessionId, String node, long incarnation, String via, long since) {
    public UserRecord toUser() {
      Instant t = Instant.ofEpochMilli(since);
      return new UserRecord(nick, via, node, sessionId, t, t);
    }
  }

  public enum RestrictionKind {
    BAN,
    MUTE
  }

  /**
   * A ban ({@code mask}: an address, {@code nick}: who it was made for, may be null) or a mute
   * ({@code mask}: the nickname) in {@code scope}: a room, or {@code "*"}. Times in epoch millis of
   * log time; {@code until} 0 for no end.
   */
  public record Restriction(
      RestrictionKind kind,
      String scope,
      String mask,
      String nick,
      String by,
      long since,
      long until) {
    public boolean activeAt(long millis) {
      return until == 0 || until > millis;
    }
  }

  /** A session of {@code node} in {@code room} as {@code nick}. */
  public record Membership(String room, String sessionId, String node, String nick) {}

  /** What one apply answered and changed. */
  public record Outcome(Result result, List<Applied> changes) {}

  /** A room as a join reads it, at one moment. */
  public record RoomRead(Slice history, long lastSeq, String topic) {}

  private record Lease(long incarnation, long time) {}

  private record Sent(long seq, long time) {}

  /** A room's members, sorted for {@link #members}; with a way back from a session to its key. */
  private static final class RoomMembers {
    /** By {@link #memberKey}: case-insensitive nick, then session id, then node. */
    final TreeMap<String, Membership> byName = new TreeMap<>();

    /** {@link #session} to its key in {@link #byName}. */
    final HashMap<String, String> keys = new HashMap<>();
  }

  private static final class Room {
    long seq;
    String topic;
    final ArrayDeque<ChatEvent> events = new ArrayDeque<>();

    /** Client message key to what it got, oldest first; bounded. */
    final LinkedHashMap<String, Sent> sent =
        new LinkedHashMap<>() {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Sent> eldest) {
            return size() > DEDUP_PER_ROOM;
          }
        };
  }

  private final int retain;
  private long epoch;
  private long logTime;
  private final TreeMap<String, Room> rooms = new TreeMap<>();
  private final TreeMap<String, Holder> claims = new TreeMap<>();
  private final TreeMap<String, Lease> leases = new TreeMap<>();
  private final TreeMap<String, Restriction> restrictions = new TreeMap<>();
  private final TreeMap<String, RoomMembers> members = new TreeMap<>();
  private final AccountBook accounts = new AccountBook();

  // Derived from the above (rebuilt by readFrom, not in snapshots), so lookups are not scans.

  /** {@link #session} to how many claims it holds. */
  private final HashMap<String, Integer> claimsOfSession = new HashMap<>();

  /** {@link #session} to the rooms it is a member of. */
  private final HashMap<String, TreeSet<String>> roomsOfSession = new HashMap<>();

  /** The earliest end among the restrictions, Long.MAX_VALUE for none. */
  private long nextEnd = Long.MAX_VALUE;

  /**
   * @param retain how many events per room are kept for history reads. It does not change seqs or
   *     any answer of apply, so nodes may differ in it.
   */
  public ParleyState(int retain) {
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be at least 1");
    }
    this.retain = retain;
  }

  /** Applies one log entry. {@code index} is only passed on in the reported changes. */
  public synchronized Outcome apply(long index, Entry entry) {
    if (entry.command() instanceof Batch b) {
      // each in order, with the batch's time: as if they were entries of their own
      List<Result> results = new ArrayList<>(b.commands().size());
      List<Applied> changes = new ArrayList<>(b.commands().size());
      for (Command c : b.commands()) {
        Outcome o = apply(index, new Entry(entry.time(), c));
        results.add(o.result());
        changes.addAll(o.changes());
      }
      return new Outcome(new Results(results), changes);
    }
    List<Applied> changes = new ArrayList<>(2);
    logTime = Math.max(logTime, entry.time());
    expire(index, changes);
    Command c = entry.command();
    Result r;
    if (c instanceof Init i) {
      if (epoch == 0 && i.epoch() != 0) {
        epoch = i.epoch();
        changes.add(new Applied.Initialized(index, epoch));
      }
      r = new Done(epoch);
    } else if (c instanceof Append a) {
      r = append(index, a, changes);
    } else if (c instanceof Claim cl) {
      r = claim(index, cl, changes);
    } else if (c instanceof Release rel) {
      Holder h = claims.get(Nick.key(rel.nick()));
      if (h != null && h.sessionId().equals(rel.sessionId()) && h.node().equals(rel.node())) {
        claims.remove(Nick.key(rel.nick()));
        unclaimed(h);
        changes.add(new Applied.Released(index, h));
      }
      r = new Done(epoch);
    } else if (c instanceof NodeLease l) {
      Lease old = leases.get(l.node());
      if (old == null || l.incarnation() >= old.incarnation()) {
        renewLease(index, l.node(), l.incarnation(), changes);
      }
      r = new Done(epoch);
    } else if (c instanceof Ban b) {
      restrict(
          index, RestrictionKind.BAN, b.scope(), b.mask(), b.nick(), b.by(), b.until(), changes);
      r = new Done(epoch);
    } else if (c instanceof Unban u) {
      lift(index, key(RestrictionKind.BAN, u.scope(), u.mask()), changes);
      r = new Done(epoch);
    } else if (c instanceof Mute m) {
      restrict(
          index, RestrictionKind.MUTE, m.scope(), m.nick(), m.nick(), m.by(), m.until(), changes);
      r = new Done(epoch);
    } else if (c instanceof Unmute u) {
      lift(index, key(RestrictionKind.MUTE, u.scope(), u.nick()), changes);
      r = new Done(epoch);
    } else if (c instanceof Join j) {
      join(index, j, changes);
      r = new Done(epoch);
    } else if (c instanceof Leave l) {
      leave(index, l.room(), session(l.node(), l.sessionId()), "left", changes);
      r = new Done(epoch);
    } else {
      r = applyToAccounts(index, c, changes);
    }
    return new Outcome(r, changes);
  }

  /** The account commands, by the rules of {@link AccountBook}. */
  private Result applyToAccounts(long index, Command c, List<Applied> changes) {
    if (c instanceof Commands.Register reg) {
      PasswordHash hash = parseHash(reg.passwordHash());
      return new Flag(
          hash != null
              && accounts.register(
                  Account.create(reg.name(), hash, Instant.ofEpochMilli(reg.created()))));
    } else if (c instanceof Commands.SetPassword p) {
      PasswordHash hash = parseHash(p.passwordHash());
      return new Flag(hash != null && accounts.setPassword(p.name(), hash));
    } else if (c instanceof Commands.DropAccount d) {
      return new Flag(accounts.drop(d.name()));
    } else if (c instanceof Commands.SetRole sr) {
      Role role = Role.parse(sr.role());
      boolean set = role != null && accounts.setRole(sr.name(), role, sr.granted());
      if (set) {
        changes.add(new Applied.RolesSet(index, sr.name()));
      }
      return new Flag(set);
    } else if (c instanceof Commands.AddToken t) {
      return new Flag(
          accounts.addToken(
              t.name(),
              new Account.Token(t.tokenHash(), t.scope(), Instant.ofEpochMilli(t.created()))));
    } else if (c instanceof Commands.DropToken t) {
      accounts.dropToken(t.name(), t.tokenHash());
      return new Done(epoch);
    } else if (c instanceof Commands.Seen sn) {
      accounts.seen(sn.name(), sn.room(), sn.seq());
      return new Done(epoch);
    } else if (c instanceof Commands.ForgetRoom f) {
      accounts.forget(f.name(), f.room());
      return new Done(epoch);
    } else if (c instanceof Commands.QueueOffline q) {
      return new Flag(
          accounts.queue(q.to(), q.from(), q.via(), q.text(), Instant.ofEpochMilli(q.at())));
    } else if (c instanceof Commands.TakeOffline t) {
      return new Mail(accounts.take(t.name()));
    } else {
      throw new IllegalArgumentException("unknown command " + c);
    }
  }

  /** The hash in its stored form, or null for one that is not (refused, on every node alike). */
  private static PasswordHash parseHash(String stored) {
    try {
      return PasswordHash.parse(stored);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Result append(long index, Append a, List<Applied> changes) {
    Room room = rooms.computeIfAbsent(a.room(), k -> new Room());
    String key =
        a.clientMsgId() == null ? null : a.node() + '\0' + a.sessionId() + '\0' + a.clientMsgId();
    if (key != null) {
      Sent earlier = room.sent.get(key);
      if (earlier != null) {
        return new Appended(epoch, earlier.seq(), earlier.time(), true);
      }
    }
    long seq = ++room.seq;
    ChatEvent.Type type =
        switch (a.kind()) {
          case MESSAGE -> ChatEvent.Type.MESSAGE;
          case ACTION -> ChatEvent.Type.ACTION;
          case TOPIC -> ChatEvent.Type.TOPIC;
        };
    ChatEvent e =
        new ChatEvent(
            type, a.room(), seq, Instant.ofEpochMilli(logTime), a.nick(), a.via(), a.text(), null);
    room.events.addLast(e);
    while (room.events.size() > retain) {
      room.events.removeFirst();
    }
    if (type == ChatEvent.Type.TOPIC) {
      room.topic = a.text() == null || a.text().isEmpty() ? null : a.text();
    }
    if (key != null) {
      room.sent.put(key, new Sent(seq, logTime));
    }
    changes.add(new Applied.Event(index, epoch, e, a.node(), a.sessionId(), a.clientMsgId()));
    return new Appended(epoch, seq, logTime, false);
  }

  private Result claim(long index, Claim c, List<Applied> changes) {
    Lease lease = leases.get(c.node());
    if (lease != null && c.incarnation() < lease.incarnation()) {
      return new ClaimResult(ClaimStatus.STALE);
    }
    renewLease(index, c.node(), c.incarnation(), changes);
    String key = Nick.key(c.nick());
    Holder h = claims.get(key);
    if (h != null) {
      boolean same = h.sessionId().equals(c.sessionId()) && h.node().equals(c.node());
      return new ClaimResult(same ? ClaimStatus.OK : ClaimStatus.TAKEN);
    }
    Holder mine = new Holder(c.nick(), c.sessionId(), c.node(), c.incarnation(), c.via(), logTime);
    claims.put(key, mine);
    claimsOfSession.merge(session(mine.node(), mine.sessionId()), 1, Integer::sum);
    changes.add(new Applied.Claimed(index, mine));
    return new ClaimResult(ClaimStatus.OK);
  }

  /** Renews (or starts) a node's lease; a newer incarnation drops the older ones' claims. */
  private void renewLease(long index, String node, long incarnation, List<Applied> changes) {
    Lease old = leases.get(node);
    if (old != null && incarnation > old.incarnation()) {
      dropClaims(index, node, incarnation, "node restarted", changes);
    }
    leases.put(node, new Lease(incarnation, logTime));
  }

  /**
   * Drops the claims of {@code node} with an incarnation below {@code below}, and the memberships
   * of their sessions.
   */
  private void dropClaims(
      long index, String node, long below, String reason, List<Applied> changes) {
    Iterator<Holder> it = claims.values().iterator();
    while (it.hasNext()) {
      Holder h = it.next();
      if (h.node().equals(node) && h.incarnation() < below) {
        it.remove();
        unclaimed(h);
        changes.add(new Applied.Dropped(index, h, reason));
        String session = session(h.node(), h.sessionId());
        TreeSet<String> in = roomsOfSession.get(session);
        if (in != null) {
          for (String room : new ArrayList<>(in)) {
            leave(index, room, session, reason, changes);
          }
        }
      }
    }
  }

  private void unclaimed(Holder h) {
    claimsOfSession.computeIfPresent(
        session(h.node(), h.sessionId()), (k, n) -> n == 1 ? null : n - 1);
  }

  private void join(long index, Join j, List<Applied> changes) {
    String session = session(j.node(), j.sessionId());
    if (!claimsOfSession.containsKey(session)) {
      return;
    }
    RoomMembers rm = members.computeIfAbsent(j.room(), k -> new RoomMembers());
    String key = memberKey(j.nick(), j.sessionId(), j.node());
    String old = rm.keys.put(session, key);
    if (old != null) {
      if (rm.byName.get(old).nick().equals(j.nick())) {
        return; // already there by that nick
      }
      rm.byName.remove(old);
    }
    rm.byName.put(key, new Membership(j.room(), j.sessionId(), j.node(), j.nick()));
    roomsOfSession.computeIfAbsent(session, k -> new TreeSet<>()).add(j.room());
    changes.add(new Applied.Joined(index, j.room(), j.nick(), j.sessionId(), j.node()));
  }

  private void leave(
      long index, String room, String session, String reason, List<Applied> changes) {
    RoomMembers rm = members.get(room);
    String key = rm == null ? null : rm.keys.remove(session);
    if (key == null) {
      return;
    }
    Membership m = rm.byName.remove(key);
    if (rm.byName.isEmpty()) {
      members.remove(room);
    }
    TreeSet<String> in = roomsOfSession.get(session);
    in.remove(room);
    if (in.isEmpty()) {
      roomsOfSession.remove(session);
    }
    changes.add(new Applied.Left(index, room, m.nick(), m.sessionId(), m.node(), reason));
  }

  /** A session, named by its node and its id (ids are only unique within a node). */
  private static String session(String node, String sessionId) {
    return node + '\0' + sessionId;
  }

  private static String memberKey(String nick, String sessionId, String node) {
    return Nick.key(nick) + '\0' + sessionId + '\0' + node;
  }

  private void expire(long index, List<Applied> changes) {
    Iterator<Map.Entry<String, Lease>> it = leases.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Lease> l = it.next();
      if (logTime - l.getValue().time() > LEASE_MILLIS) {
        it.remove();
        dropClaims(index, l.getKey(), Long.MAX_VALUE, "lease expired", changes);
      }
    }
    if (nextEnd <= logTime) {
      Iterator<Restriction> rs = restrictions.values().iterator();
      while (rs.hasNext()) {
        Restriction r = rs.next();
        if (!r.activeAt(logTime)) {
          rs.remove();
          changes.add(new Applied.Lifted(index, r, true));
        }
      }
      recomputeNextEnd();
    }
  }

  private void restrict(
      long index,
      RestrictionKind kind,
      String scope,
      String mask,
      String nick,
      String by,
      long until,
      List<Applied> changes) {
    if (until != 0 && until <= logTime) {
      return; // over before it began
    }
    Restriction r = new Restriction(kind, scope, mask, nick, by, logTime, until);
    restrictions.put(key(kind, scope, mask), r);
    if (until != 0) {
      nextEnd = Math.min(nextEnd, until);
    }
    changes.add(new Applied.Restricted(index, r));
  }

  private void lift(long index, String key, List<Applied> changes) {
    Restriction r = restrictions.remove(key);
    if (r != null) {
      changes.add(new Applied.Lifted(index, r, false));
      recomputeNextEnd();
    }
  }

  private void recomputeNextEnd() {
    nextEnd = Long.MAX_VALUE;
    for (Restriction r : restrictions.values()) {
      if (r.until() != 0) {
        nextEnd = Math.min(nextEnd, r.until());
      }
    }
  }

  private static String key(RestrictionKind kind, String scope, String mask) {
    return kind.name() + '\0' + scope + '\0' + mask.toLowerCase(Locale.ROOT);
  }

  // ---- reads ----

  /** The group's epoch, 0 before its Init entry was applied. */
  public synchronized long epoch() {
    return epoch;
  }

  /** The log's time: the highest leader time applied (epoch millis). */
  public synchronized long logTime() {
    return logTime;
  }

  public synchronized long lastSeq(String room) {
    Room r = rooms.get(room);
    return r == null ? 0 : r.seq;
  }

  public synchronized String topic(String room) {
    Room r = rooms.get(room);
    return r == null ? null : r.topic;
  }

  /** Rooms with history, to their topics (null for none), sorted by name. */
  public synchronized Map<String, String> rooms() {
    Map<String, String> out = new TreeMap<>();
    rooms.forEach((name, r) -> out.put(name, r.topic));
    return out;
  }

  /** The last {@code count} retained events of the room, oldest first (as ChatStore.history). */
  public synchronized Slice history(String room, int count) {
    Room r = rooms.get(room);
    return r == null ? new Slice(List.of(), 0) : last(r, count);
  }

  /**
   * Events after {@code afterSeq}, the newest {@code max} of them; {@code missed} counts the others
   * and those no longer retained (as ChatStore.since).
   */
  public synchronized Slice since(String room, long afterSeq, int max) {
    Room r = rooms.get(room);
    return r == null ? new Slice(List.of(), 0) : since(r, afterSeq, max);
  }

  /**
   * History (as {@link #since} when {@code afterSeq} > 0, else {@link #history}), last seq and
   * topic.
   */
  public synchronized RoomRead read(String room, long afterSeq, int max) {
    Room r = rooms.get(room);
    if (r == null) {
      return new RoomRead(new Slice(List.of(), 0), 0, null);
    }
    return new RoomRead(afterSeq > 0 ? since(r, afterSeq, max) : last(r, max), r.seq, r.topic);
  }

  private static Slice last(Room r, int count) {
    int n = Math.max(0, Math.min(count, r.events.size()));
    List<ChatEvent> out = new ArrayList<>(n);
    Iterator<ChatEvent> it = r.events.descendingIterator();
    for (int i = 0; i < n; i++) {
      out.add(it.next());
    }
    java.util.Collections.reverse(out);
    return new Slice(out, 0);
  }

  private static Slice since(Room r, long afterSeq, int max) {
    long first = r.events.isEmpty() ? r.seq + 1 : r.events.peekFirst().seq();
    long missed = Math.max(0, first - 1 - Math.max(0, afterSeq));
    List<ChatEvent> out = new ArrayList<>();
    for (ChatEvent e : r.events) {
      if (e.seq() > afterSeq) {
        out.add(e);
      }
    }
    if (out.size() > max) {
      missed += out.size() - max;
      out = new ArrayList<>(out.subList(out.size() - max, out.size()));
    }
    return new Slice(out, missed);
  }

  /** Who holds the nickname (case-insensitively), or null. */
  public synchronized Holder holder(String nick) {
    return claims.get(Nick.key(nick));
  }

  /** Every claim, by nickname key. */
  public synchronized List<Holder> holders() {
    return new ArrayList<>(claims.values());
  }

  /**
   * At most {@code limit} of the room's nicknames, sorted case-insensitively (ties by session id),
   * and how many members it has. Costs O(limit), not O(members).
   */
  public synchronized Members members(String room, int limit) {
    RoomMembers rm = members.get(room);
    if (rm == null) {
      return new Members(List.of(), 0);
    }
    List<String> names = new ArrayList<>(Math.max(0, Math.min(limit, rm.byName.size())));
    for (Membership m : rm.byName.values()) {
      if (names.size() >= limit) {
        break;
      }
      names.add(m.nick());
    }
    return new Members(names, rm.byName.size());
  }

  /** Rooms with at least one member, to how many, sorted by name. */
  public synchronized Map<String, Integer> memberCounts() {
    Map<String, Integer> out = new TreeMap<>();
    members.forEach((room, rm) -> out.put(room, rm.byName.size()));
    return out;
  }

  /**
   * The memberships of {@code node}'s sessions, by room: to reconcile the node's live sessions with
   * the replicated state (after a partition heals, say).
   */
  public synchronized List<Membership> memberships(String node) {
    List<Membership> out = new ArrayList<>();
    for (RoomMembers rm : members.values()) {
      for (Membership m : rm.byName.values()) {
        if (m.node().equals(node)) {
          out.add(m);
        }
      }
    }
    return out;
  }

  /** Every ban and mute in force by the log's time (callers may also check {@code activeAt}). */
  public synchronized List<Restriction> restrictions() {
    return new ArrayList<>(restrictions.values());
  }

  /** The nodes with a live lease, to their incarnation. */
  public synchronized Map<String, Long> leases() {
    Map<String, Long> out = new TreeMap<>();
    leases.forEach((n, l) -> out.put(n, l.incarnation()));
    return out;
  }

  /** The account registered for that nickname (case-insensitively), or null. */
  public synchronized Account account(String name) {
    return accounts.get(name);
  }

  /** Whether some account holds {@code role}. */
  public synchronized boolean anyHolds(Role role) {
    return accounts.anyHolds(role);
  }

  /** The account holding a token with that hash, or null. */
  public synchronized Account accountByToken(String tokenHash) {
    return accounts.byToken(tokenHash);
  }

  /** The account's offline messages, without taking them. */
  public synchronized List<OfflineMessage> offline(String name) {
    return accounts.waiting(name);
  }

  // ---- snapshots ----

  /**
   * Writes the whole state. The bytes depend only on the state (sorted maps, insertion-ordered
   * history), so equal states write equal bytes: tests compare states this way.
   */
  public synchronized void writeTo(DataOutputStream out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeLong(epoch);
    out.writeLong(logTime);
    out.writeInt(rooms.size());
    for (Map.Entry<String, Room> e : rooms.entrySet()) {
      Room r = e.getValue();
      Commands.writeString(out, e.getKey());
      out.writeLong(r.seq);
      Commands.writeString(out, r.topic);
      out.writeInt(r.events.size());
      for (ChatEvent ev : r.events) {
        out.writeByte(ev.type().ordinal());
        out.writeLong(ev.seq());
        out.writeLong(ev.ts().toEpochMilli());
        Commands.writeString(out, ev.nick());
        Commands.writeString(out, ev.via());
        Commands.writeString(out, ev.text());
      }
      out.writeInt(r.sent.size());
      for (Map.Entry<String, Sent> s : r.sent.entrySet()) {
        Commands.writeString(out, s.getKey());
        out.writeLong(s.getValue().seq());
        out.writeLong(s.getValue().time());
      }
    }
    out.writeInt(claims.size());
    for (Holder h : claims.values()) {
      Commands.writeString(out, h.nick());
      Commands.writeString(out, h.sessionId());
      Commands.writeString(out, h.node());
      out.writeLong(h.incarnation());
      Commands.writeString(out, h.via());
      out.writeLong(h.since());
    }
    out.writeInt(leases.size());
    for (Map.Entry<String, Lease> l : leases.entrySet()) {
      Commands.writeString(out, l.getKey());
      out.writeLong(l.getValue().incarnation());
      out.writeLong(l.getValue().time());
    }
    out.writeInt(restrictions.size());
    for (Restriction r : restrictions.values()) {
      out.writeByte(r.kind().ordinal());
      Commands.writeString(out, r.scope());
      Commands.writeString(out, r.mask());
      Commands.writeString(out, r.nick());
      Commands.writeString(out, r.by());
      out.writeLong(r.since());
      out.writeLong(r.until());
    }
    out.writeInt(members.size());
    for (Map.Entry<String, RoomMembers> e : members.entrySet()) {
      Commands.writeString(out, e.getKey());
      out.writeInt(e.getValue().byName.size());
      for (Membership m : e.getValue().byName.values()) {
        Commands.writeString(out, m.sessionId());
        Commands.writeString(out, m.node());
        Commands.writeString(out, m.nick());
      }
    }
    writeAccounts(out);
  }

  private void writeAccounts(DataOutputStream out) throws IOException {
    List<Account> all = accounts.accounts();
    out.writeInt(all.size());
    for (Account a : all) {
      Commands.writeString(out, a.name());
      Commands.writeString(out, a.password().encode());
      out.writeLong(a.created().toEpochMilli());
      out.writeInt(a.roles().size());
      for (Role r : a.roles()) {
        Commands.writeString(out, r.label());
      }
      out.writeInt(a.rooms().size());
      for (Map.Entry<String, Long> room : a.rooms().entrySet()) {
        Commands.writeString(out, room.getKey());
        out.writeLong(room.getValue());
      }
      out.writeInt(a.tokens().size());
      for (Account.Token t : a.tokens()) {
        Commands.writeString(out, t.hash());
        Commands.writeString(out, t.scope());
        out.writeLong(t.created().toEpochMilli());
      }
    }
    Map<String, AccountBook.Mailbox> boxes = accounts.mailboxes();
    out.writeInt(boxes.size());
    for (Map.Entry<String, AccountBook.Mailbox> e : boxes.entrySet()) {
      Commands.writeString(out, e.getKey());
      out.writeLong(e.getValue().lastId());
      out.writeInt(e.getValue().messages().size());
      for (OfflineMessage m : e.getValue().messages()) {
        out.writeLong(m.id());
        Commands.writeString(out, m.from());
        Commands.writeString(out, m.via());
        Commands.writeString(out, m.text());
        out.writeLong(m.at().toEpochMilli());
      }
    }
  }

  private void readAccounts(DataInputStream in) throws IOException {
    for (int n = in.readInt(); n > 0; n--) {
      String name = Commands.readString(in);
      PasswordHash hash = PasswordHash.parse(Commands.readString(in));
      Instant created = Instant.ofEpochMilli(in.readLong());
      EnumSet<Role> roles = EnumSet.noneOf(Role.class);
      for (int k = in.readInt(); k > 0; k--) {
        String label = Commands.readString(in);
        Role r = Role.parse(label);
        if (r == null) {
          throw new IOException("unknown role " + label);
        }
        roles.add(r);
      }
      Map<String, Long> rooms = new TreeMap<>();
      for (int k = in.readInt(); k > 0; k--) {
        rooms.put(Commands.readString(in), in.readLong());
      }
      List<Account.Token> tokens = new ArrayList<>();
      for (int k = in.readInt(); k > 0; k--) {
        tokens.add(
            new Account.Token(
                Commands.readString(in),
                Commands.readString(in),
                Instant.ofEpochMilli(in.readLong())));
      }
      accounts.restore(new Account(name, hash, roles, created, rooms, tokens));
    }
    for (int n = in.readInt(); n > 0; n--) {
      String key = Commands.readString(in);
      long lastId = in.readLong();
      List<OfflineMessage> messages = new ArrayList<>();
      for (int k = in.readInt(); k > 0; k--) {
        messages.add(
            new OfflineMessage(
                in.readLong(),
                Commands.readString(in),
                Commands.readString(in),
                Commands.readString(in),
                Instant.ofEpochMilli(in.readLong())));
      }
      accounts.restore(key, new AccountBook.Mailbox(lastId, messages));
    }
  }

  /**
   * Replaces the whole state with one written by {@link #writeTo}, of this version, version 2 (no
   * accounts) or version 1 (no memberships either).
   */
  public synchronized void readFrom(DataInputStream in) throws IOException {
    byte v = in.readByte();
    if (v < 1 || v > SNAPSHOT_VERSION) {
      throw new IOException("unsupported snapshot format version " + v);
    }
    clear();
    epoch = in.readLong();
    logTime = in.readLong();
    ChatEvent.Type[] types = ChatEvent.Type.values();
    for (int n = in.readInt(); n > 0; n--) {
      String name = Commands.readString(in);
      Room r = new Room();
      r.seq = in.readLong();
      r.topic = Commands.readString(in);
      for (int k = in.readInt(); k > 0; k--) {
        ChatEvent.Type type = types[in.readByte()];
        long seq = in.readLong();
        Instant ts = Instant.ofEpochMilli(in.readLong());
        String nick = Commands.readString(in);
        String via = Commands.readString(in);
        String text = Commands.readString(in);
        r.events.addLast(new ChatEvent(type, name, seq, ts, nick, via, text, null));
      }
      while (r.events.size() > retain) {
        r.events.removeFirst();
      }
      for (int k = in.readInt(); k > 0; k--) {
        String key = Commands.readString(in);
        r.sent.put(key, new Sent(in.readLong(), in.readLong()));
      }
      rooms.put(name, r);
    }
    for (int n = in.readInt(); n > 0; n--) {
      Holder h =
          new Holder(
              Commands.readString(in),
              Commands.readString(in),
              Commands.readString(in),
              in.readLong(),
              Commands.readString(in),
              in.readLong());
      claims.put(Nick.key(h.nick()), h);
      claimsOfSession.merge(session(h.node(), h.sessionId()), 1, Integer::sum);
    }
    for (int n = in.readInt(); n > 0; n--) {
      leases.put(Commands.readString(in), new Lease(in.readLong(), in.readLong()));
    }
    RestrictionKind[] kinds = RestrictionKind.values();
    for (int n = in.readInt(); n > 0; n--) {
      Restriction r =
          new Restriction(
              kinds[in.readByte()],
              Commands.readString(in),
              Commands.readString(in),
              Commands.readString(in),
              Commands.readString(in),
              in.readLong(),
              in.readLong());
      restrictions.put(key(r.kind(), r.scope(), r.mask()), r);
    }
    recomputeNextEnd();
    if (v == 1) {
      return;
    }
    for (int n = in.readInt(); n > 0; n--) {
      String room = Commands.readString(in);
      RoomMembers rm = new RoomMembers();
      for (int k = in.readInt(); k > 0; k--) {
        Membership m =
            new Membership(
                room, Commands.readString(in), Commands.readString(in), Commands.readString(in));
        String session = session(m.node(), m.sessionId());
        String key = memberKey(m.nick(), m.sessionId(), m.node());
        rm.byName.put(key, m);
        rm.keys.put(session, key);
        roomsOfSession.computeIfAbsent(session, s -> new TreeSet<>()).add(room);
      }
      if (!rm.byName.isEmpty()) {
        members.put(room, rm);
      }
    }
    if (v >= 3) {
      readAccounts(in);
    }
  }

  /** Empties the state (a node starting without a snapshot). */
  public synchronized void clear() {
    epoch = 0;
    logTime = 0;
    rooms.clear();
    claims.clear();
    leases.clear();
    restrictions.clear();
    members.clear();
    accounts.clear();
    claimsOfSession.clear();
    roomsOfSession.clear();
    nextEnd = Long.MAX_VALUE;
  }
}

package parley.cluster.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import parley.chat.OfflineMessage;

/**
 * The entries of the Raft log and the replies to them, as bytes. Every encoded form starts with a
 * format version byte ({@link #VERSION}); a reader refuses a version it does not know rather than
 * guess, so a newer format can never be applied differently by an older node.
 *
 * <p>Log entry layout (version 1): {@code [version][leader time: 8 bytes][tag][fields...]}. A
 * proposing node writes time 0; the leader stamps its clock into the entry in {@code
 * startTransaction}, so apply never reads a clock. Strings are length-prefixed UTF-8, null as
 * length -1.
 *
 * <p>New commands get new tags within version 1: an older node that meets one refuses it (unknown
 * tag) rather than guess, so a cluster is upgraded before accounts are used.
 */
public final class Commands {
  private Commands() {}

  /** The format of everything this class writes. */
  public static final byte VERSION = 1;

  /** The most commands in one {@link Batch}. */
  public static final int MAX_BATCH = 256;

  /** What a message entry is; the kinds kept in history. */
  public enum Kind {
    MESSAGE,
    ACTION,
    TOPIC
  }

  /** One change to the cluster state. */
  public sealed interface Command
      permits Init,
          Append,
          Claim,
          Release,
          NodeLease,
          Ban,
          Unban,
          Mute,
          Unmute,
          Join,
          Leave,
          Batch,
          Register,
          SetPassword,
          DropAccount,
          SetRole,
          AddToken,
          DropToken,
          Seen,
          ForgetRoom,
          QueueOffline,
          TakeOffline {}

  /** The first entry of a new group: the history epoch. Later ones are ignored. */
  public record Init(long epoch) implements Command {}

  /**
   * A message, action or topic for a room; applied, it gets the room's next seq. {@code node},
   * {@code sessionId} and {@code clientMsgId} (may be null) name it for idempotency: the same
   * non-null triple in the same room gets the earlier seq instead of a new one.
   */
  public record Append(
      String room,
      String node,
      String sessionId,
      String clientMsgId,
      Kind kind,
      String nick,
      String via,
      String text)
      implements Command {}

  /** Claims a nickname (case-insensitively) for a session of {@code node}'s incarnation. */
  public record Claim(String nick, String sessionId, String node, long incarnation, String via)
      implements Command {}

  /** Releases the claim if that session of that node holds it. */
  public record Release(String nick, String sessionId, String node) implements Command {}

  /**
   * "This node (incarnation) is alive", every few seconds from each node. A higher incarnation
   * drops the node's claims from earlier incarnations.
   */
  public record NodeLease(String node, long incarnation) implements Command {}

  /**
   * Bans {@code mask} (an address) in {@code scope} (a room, or {@code "*"} for the server) until
   * {@code until} (epoch millis of leader time, 0 for no end).
   */
  public record Ban(String scope, String mask, String nick, String by, long until)
      implements Command {}

  public record Unban(String scope, String mask) implements Command {}

  /** Mutes {@code nick} in {@code scope} until {@code until} (0 for no end). */
  public record Mute(String scope, String nick, String by, long until) implements Command {}

  public record Unmute(String scope, String nick) implements Command {}

  /**
   * Puts a session of {@code node} in a room as {@code nick}, or renames it there. Applied only
   * while the session holds a nick claim.
   */
  public record Join(String room, String sessionId, String node, String nick) implements Command {}

  /** Takes that session of that node out of the room. */
  public record Leave(String room, String sessionId, String node) implements Command {}

  /**
   * Several commands proposed together by one node, applied in order as one log entry (with one
   * leader time): what arrives while earlier writes are on their way goes in one entry, so a busy
   * node pays one replication and one fsync for many messages. Never nested.
   */
  public record Batch(List<Command> commands) implements Command {
    public Batch {
      commands = List.copyOf(commands);
      for (Command c : commands) {
        if (c instanceof Batch) {
          throw new IllegalArgumentException("a batch in a batch");
        }
      }
    }
  }

  // Accounts (docs/ACCOUNTS.md): each is applied by parley.chat.AccountBook's rule of the same
  // name. Password hashes and token hashes only: a password or a token never enters the log.

  /**
   * Registers {@code name} with the stored form of a password hash ({@code PasswordHash.encode}).
   */
  public record Register(String name, String passwordHash, long created) implements Command {}

  public record SetPassword(String name, String passwordHash) implements Command {}

  public record DropAccount(String name) implements Command {}

  /** Grants ({@code granted}) or revokes the role named {@code role} ({@code Role.label}). */
  public record SetRole(String name, String role, boolean granted) implements Command {}

  public record AddToken(String name, String tokenHash, String scope, long created)
      implements Command {}

  public record DropToken(String name, String tokenHash) implements Command {}

  public record Seen(String name, String room, long seq) implements Command {}

  public record ForgetRoom(String name, String room) implements Command {}

  /** Keeps a private message for the account {@code to}; {@code at} in epoch millis. */
  public record QueueOffline(String to, String from, String via, String text, long at)
      implements Command {}

  /** Takes the account's offline messages: the result ({@link Mail}) carries them. */
  public record TakeOffline(String name) implements Command {}

  /** A command as the log holds it: with the leader's time (epoch millis, 0 until stamped). */
  public record Entry(long time, Command command) {
    public Entry stamped(long leaderTime) {
      return new Entry(leaderTime, command);
    }
  }

  /** What applying a command answered. */
  public sealed interface Result permits Appended, ClaimResult, Done, Results, Flag, Mail {}

  /**
   * The seq the Append got (or had got, with {@code duplicate}), and its time (epoch millis), the
   * epoch of the history it belongs to.
   */
  public record Appended(long epoch, long seq, long time, boolean duplicate) implements Result {}

  public enum ClaimStatus {
    /** The session holds the nick (now or already). */
    OK,
    /** Another session holds it. */
    TAKEN,
    /** The claim came from an incarnation of its node that a newer one replaced: refused. */
    STALE
  }

  public record ClaimResult(ClaimStatus status) implements Result {}

  /** Applied; nothing to report. {@code epoch} is the group's epoch after it (0: none yet). */
  public record Done(long epoch) implements Result {}

  /** Whether an account command did what it asked (false: no such account, taken, full). */
  public record Flag(boolean ok) implements Result {}

  /** The offline messages a {@link TakeOffline} took, oldest first. */
  public record Mail(List<OfflineMessage> messages) implements Result {
    public Mail {
      messages = List.copyOf(messages);
    }
  }

  /** The results of a {@link Batch}, one per command, in order. */
  public record Results(List<Result> results) implements Result {
    public Results {
      results = List.copyOf(results);
    }
  }

  private static final byte T_INIT = 1;
  private static final byte T_APPEND = 2;
  private static final byte T_CLAIM = 3;
  private static final byte T_RELEASE = 4;
  private static final byte T_LEASE = 5;
  private static final byte T_BAN = 6;
  private static final byte T_UNBAN = 7;
  private static final byte T_MUTE = 8;
  private static final byte T_UNMUTE = 9;
  private static final byte T_JOIN = 10;
  private static final byte T_LEAVE = 11;
  private static final byte T_BATCH = 12;
  private static final byte T_REGISTER = 13;
  private static final byte T_SET_PASSWORD = 14;
  private static final byte T_DROP_ACCOUNT = 15;
  private static final byte T_SET_ROLE = 16;
  private static final byte T_ADD_TOKEN = 17;
  private static final byte T_DROP_TOKEN = 18;
  private static final byte T_SEEN = 19;
  private static final byte T_FORGET_ROOM = 20;
  private static final byte T_QUEUE_OFFLINE = 21;
  private static final byte T_TAKE_OFFLINE = 22;

  private static final byte R_APPENDED = 1;
  private static final byte R_CLAIM = 2;
  private static final byte R_DONE = 3;
  private static final byte R_RESULTS = 4;
  private static final byte R_FLAG = 5;
  private static final byte R_MAIL = 6;

  /** The most offline messages one {@link Mail} may carry. */
  private static final int MAX_MAIL = 10_000;

  /** An unstamped entry, as a node proposes it. */
  public static byte[] encode(Command c) {
    return encode(new Entry(0, c));
  }

  public static byte[] encode(Entry entry) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeLong(entry.time());
      writeCommand(out, entry.command());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException for an unknown version or tag, or truncated bytes
   */
  public static Entry decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      checkVersion(in.readByte());
      long time = in.readLong();
      Command c = readCommand(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException("trailing bytes after a command");
      }
      return new Entry(time, c);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated command", e);
    }
  }

  public static byte[] encodeResult(Result r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      writeResult(out, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeResult(DataOutputStream out, Result r) throws IOException {
    if (r instanceof Appended a) {
      out.writeByte(R_APPENDED);
      out.writeLong(a.epoch());
      out.writeLong(a.seq());
      out.writeLong(a.time());
      out.writeBoolean(a.duplicate());
    } else if (r instanceof ClaimResult c) {
      out.writeByte(R_CLAIM);
      out.writeByte(c.status().ordinal());
    } else if (r instanceof Done d) {
      out.writeByte(R_DONE);
      out.writeLong(d.epoch());
    } else if (r instanceof Results rs) {
      out.writeByte(R_RESULTS);
      out.writeInt(rs.results().size());
      for (Result each : rs.results()) {
        writeResult(out, each);
      }
    } else if (r instanceof Flag f) {
      out.writeByte(R_FLAG);
      out.writeBoolean(f.ok());
    } else if (r instanceof Mail m) {
      out.writeByte(R_MAIL);
      out.writeInt(m.messages().size());
      for (OfflineMessage each : m.messages()) {
        out.writeLong(each.id());
        writeString(out, each.from());
        writeString(out, each.via());
        writeString(out, each.text());
        out.writeLong(each.at().toEpochMilli());
      }
    } else {
      throw new IllegalArgumentException("unknown result " + r);
    }
  }

  public static Result decodeResult(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      checkVersion(in.readByte());
      return readResult(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated result", e);
    }
  }

  private static Result readResult(DataInputStream in) throws IOException {
    byte tag = in.readByte();
    return switch (tag) {
      case R_APPENDED ->
          new Appended(in.readLong(), in.readLong(), in.readLong(), in.readBoolean());
      case R_CLAIM -> new ClaimResult(enumAt(ClaimStatus.values(), in.readByte()));
      case R_DONE -> new Done(in.readLong());
      case R_RESULTS -> {
        int n = in.readInt();
        if (n < 0 || n > MAX_BATCH) {
          throw new IllegalArgumentException("bad batch size " + n);
        }
        List<Result> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          all.add(readResult(in));
        }
        yield new Results(all);
      }
      case R_FLAG -> new Flag(in.readBoolean());
      case R_MAIL -> {
        int n = in.readInt();
        if (n < 0 || n > MAX_MAIL) {
          throw new IllegalArgumentException("bad mail size " + n);
        }
        List<OfflineMessage> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          all.add(
              new OfflineMessage(
                  in.readLong(),
                  readString(in),
                  readString(in),
                  readString(in),
                  Instant.ofEpochMilli(in.readLong())));
        }
        yield new Mail(all);
      }
      default -> throw new IllegalArgumentException("unknown result tag " + tag);
    };
  }

  private static void checkVersion(byte v) {
    if (v != VERSION) {
      throw new IllegalArgumentException(
          "unsupported command format version " + v + " (this node reads " + VERSION + ")");
    }
  }

  private static void writeCommand(DataOutputStream out, Command c) throws IOException {
    if (c instanceof Init i) {
      out.writeByte(T_INIT);
      out.writeLong(i.epoch());
    } else if (c instanceof Append a) {
      out.writeByte(T_APPEND);
      writeString(out, a.room());
      writeString(out, a.node());
      writeString(out, a.sessionId());
      writeString(out, a.clientMsgId());
      out.writeByte(a.kind().ordinal());
      writeString(out, a.nick());
      writeString(out, a.via());
      writeString(out, a.text());
    } else if (c instanceof Claim cl) {
      out.writeByte(T_CLAIM);
      writeString(out, cl.nick());
      writeString(out, cl.sessionId());
      writeString(out, cl.node());
      out.writeLong(cl.incarnation());
      writeString(out, cl.via());
    } else if (c instanceof Release r) {
      out.writeByte(T_RELEASE);
      writeString(out, r.nick());
      writeString(out, r.sessionId());
      writeString(out, r.node());
    } else if (c instanceof NodeLease l) {
      out.writeByte(T_LEASE);
      writeString(out, l.node());
      out.writeLong(l.incarnation());
    } else if (c instanceof Ban b) {
      out.writeByte(T_BAN);
      writeString(out, b.scope());
      writeString(out, b.mask());
      writeString(out, b.nick());
      writeString(out, b.by());
      out.writeLong(b.until());
    } else if (c instanceof Unban u) {
      out.writeByte(T_UNBAN);
      writeString(out, u.scope());
      writeString(out, u.mask());
    } else if (c instanceof Mute m) {
      out.writeByte(T_MUTE);
      writeString(out, m.scope());
      writeString(out, m.nick());
      writeString(out, m.by());
      out.writeLong(m.until());
    } else if (c instanceof Unmute u) {
      out.writeByte(T_UNMUTE);
      writeString(out, u.scope());
      writeString(out, u.nick());
    } else if (c instanceof Join j) {
      out.writeByte(T_JOIN);
      writeString(out, j.room());
      writeString(out, j.sessionId());
      writeString(out, j.node());
      writeString(out, j.nick());
    } else if (c instanceof Leave l) {
      out.writeByte(T_LEAVE);
      writeString(out, l.room());
      writeString(out, l.sessionId());
      writeString(out, l.node());
    } else if (c instanceof Batch b) {
      out.writeByte(T_BATCH);
      out.writeInt(b.commands().size());
      for (Command each : b.commands()) {
        writeCommand(out, each);
      }
    } else if (c instanceof Register r) {
      out.writeByte(T_REGISTER);
      writeString(out, r.name());
      writeString(out, r.passwordHash());
      out.writeLong(r.created());
    } else if (c instanceof SetPassword p) {
      out.writeByte(T_SET_PASSWORD);
      writeString(out, p.name());
      writeString(out, p.passwordHash());
    } else if (c instanceof DropAccount d) {
      out.writeByte(T_DROP_ACCOUNT);
      writeString(out, d.name());
    } else if (c instanceof SetRole r) {
      out.writeByte(T_SET_ROLE);
      writeString(out, r.name());
      writeString(out, r.role());
      out.writeBoolean(r.granted());
    } else if (c instanceof AddToken t) {
      out.writeByte(T_ADD_TOKEN);
      writeString(out, t.name());
      writeString(out, t.tokenHash());
      writeString(out, t.scope());
      out.writeLong(t.created());
    } else if (c instanceof DropToken t) {
      out.writeByte(T_DROP_TOKEN);
      writeString(out, t.name());
      writeString(out, t.tokenHash());
    } else if (c instanceof Seen sn) {
      out.writeByte(T_SEEN);
      writeString(out, sn.name());
      writeString(out, sn.room());
      out.writeLong(sn.seq());
    } else if (c instanceof ForgetRoom f) {
      out.writeByte(T_FORGET_ROOM);
      writeString(out, f.name());
      writeString(out, f.room());
    } else if (c instanceof QueueOffline q) {
      out.writeByte(T_QUEUE_OFFLINE);
      writeString(out, q.to());
      writeString(out, q.from());
      writeString(out, q.via());
      writeString(out, q.text());
      out.writeLong(q.at());
    } else if (c instanceof TakeOffline t) {
      out.writeByte(T_TAKE_OFFLINE);
      writeString(out, t.name());
    } else {
      throw new IllegalArgumentException("unknown command " + c);
    }
  }

  private static Command readCommand(DataInputStream in) throws IOException {
    byte tag = in.readByte();
    return switch (tag) {
      case T_INIT -> new Init(in.readLong());
      case T_APPEND ->
          new Append(
              readString(in),
              readString(in),
              readString(in),
              readString(in),
              enumAt(Kind.values(), in.readByte()),
              readString(in),
              readString(in),
              readString(in));
      case T_CLAIM ->
          new Claim(readString(in), readString(in), readString(in), in.readLong(), readString(in));
      case T_RELEASE -> new Release(readString(in), readString(in), readString(in));
      case T_LEASE -> new NodeLease(readString(in), in.readLong());
      case T_BAN ->
          new Ban(readString(in), readString(in), readString(in), readString(in), in.readLong());
      case T_UNBAN -> new Unban(readString(in), readString(in));
      case T_MUTE -> new Mute(readString(in), readString(in), readString(in), in.readLong());
      case T_UNMUTE -> new Unmute(readString(in), readString(in));
      case T_JOIN -> new Join(readString(in), readString(in), readString(in), readString(in));
      case T_LEAVE -> new Leave(readString(in), readString(in), readString(in));
      case T_BATCH -> {
        int n = in.readInt();
        if (n < 0 || n > MAX_BATCH) {
          throw new IllegalArgumentException("bad batch size " + n);
        }
        List<Command> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          all.add(readCommand(in));
        }
        yield new Batch(all);
      }
      case T_REGISTER -> new Register(readString(in), readString(in), in.readLong());
      case T_SET_PASSWORD -> new SetPassword(readString(in), readString(in));
      case T_DROP_ACCOUNT -> new DropAccount(readString(in));
      case T_SET_ROLE -> new SetRole(readString(in), readString(in), in.readBoolean());
      case T_ADD_TOKEN ->
          new AddToken(readString(in), readString(in), readString(in), in.readLong());
      case T_DROP_TOKEN -> new DropToken(readString(in), readString(in));
      case T_SEEN -> new Seen(readString(in), readString(in), in.readLong());
      case T_FORGET_ROOM -> new ForgetRoom(readString(in), readString(in));
      case T_QUEUE_OFFLINE ->
          new QueueOffline(
              readString(in), readString(in), readString(in), readString(in), in.readLong());
      case T_TAKE_OFFLINE -> new TakeOffline(readString(in));
      default -> throw new IllegalArgumentException("unknown command tag " + tag);
    };
  }

  private static <E extends Enum<E>> E enumAt(E[] values, int ordinal) {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IllegalArgumentException("unknown enum value " + ordinal);
    }
    return values[ordinal];
  }

  static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > in.available()) {
      throw new IOException("bad string length " + n);
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}

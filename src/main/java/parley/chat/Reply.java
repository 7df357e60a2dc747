package parley.chat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Something said to one session only. Each transport renders it its own way. */
public sealed interface Reply {

  /**
   * Calls the visitor's method for this kind: one method per kind, so that none can be forgotten.
   */
  <R> R accept(Visitor<R> visitor);

  /** Server text for the user: command output, confirmations. */
  record Notice(List<String> lines) implements Reply {
    public Notice(String line) {
      this(List.of(line));
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.notice(this);
    }
  }

  record Error(ErrorCode errorCode, String message) implements Reply {
    /** The wire code, e.g. {@code nick_taken}. */
    public String code() {
      return errorCode.code();
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.error(this);
    }
  }

  /**
   * @param epoch the epoch of the server's seq numbering (docs/PROTOCOL.md, "Epoch")
   * @param account the account the session is logged in to, or null for a guest
   * @param roles the account's roles ({@link Role#label}); empty for a guest
   * @param token a new browser session token for the session to keep, or null
   */
  record Welcome(
      String nick,
      String node,
      String motd,
      String epoch,
      String account,
      List<String> roles,
      String token)
      implements Reply {
    public Welcome {
      roles = List.copyOf(roles);
    }

    /** A guest's welcome. */
    public Welcome(String nick, String node, String motd, String epoch) {
      this(nick, node, motd, epoch, null, List.of(), null);
    }

    /** No token material in logs. */
    @Override
    public String toString() {
      return "Welcome[" + nick + ", " + node + ", account " + account + ", " + roles + "]";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.welcome(this);
    }
  }

  /**
   * You are now in {@code room}: its topic, some of its members (all in a small room) and how many
   * there are.
   */
  record Joined(String room, String topic, List<String> members, int count) implements Reply {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.joined(this);
    }
  }

  record Left(String room) implements Reply {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.left(this);
    }
  }

  /**
   * @param room null for everyone on the server
   * @param addresses the client address of each listed user connected to this node, by nickname:
   *     for operators only, empty for everyone else
   * @param transports by nickname, the transports of the user's clients (several for an account
   *     used from several clients), sorted
   * @param accounts the roles of each listed user whose nickname is a registered account (empty for
   *     none), by nickname; guests are not in it
   */
  record Who(
      String room,
      List<UserRecord> users,
      Instant now,
      Map<String, String> addresses,
      Map<String, List<String>> transports,
      Map<String, Set<Role>> accounts)
      implements Reply {
    public Who {
      addresses = Map.copyOf(addresses);
      transports = Map.copyOf(transports);
      accounts = Map.copyOf(accounts);
    }

    /** The transports of the user's clients, sorted ({@code via} alone when not known). */
    public List<String> transportsOf(UserRecord u) {
      return transports.getOrDefault(u.nick(), List.of(u.via()));
    }

    /** The transports of the user's clients as one would say them: {@code telnet, web x2}. */
    public String transportSummary(UserRecord u) {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      transportsOf(u).forEach(via -> counts.merge(via, 1, Integer::sum));
      StringBuilder b = new StringBuilder();
      counts.forEach(
          (via, n) ->
              b.append(b.length() == 0 ? "" : ", ").append(via).append(n > 1 ? " x" + n : ""));
      return b.toString();
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.who(this);
    }
  }

  /**
   * @param missed how many older messages asked for are no longer retained
   * @param epoch the epoch the events' seqs belong to
   * @param since whether these are the events after a seq the session asked for (a resume, or a
   *     rejoin at login): what is new since it was last there
   */
  record History(String room, List<ChatEvent> events, long missed, String epoch, boolean since)
      implements Reply {
    /** The usual replay (not {@code since} a seq). */
    public History(String room, List<ChatEvent> events, long missed, String epoch) {
      this(room, events, missed, epoch, false);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.history(this);
    }
  }

  /**
   * The seqs a resuming client holds belong to another epoch: they name nothing here any more. The
   * client drops them; its rooms are rejoined with the usual replay.
   */
  record Reset(String epoch, String reason) implements Reply {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.reset(this);
    }
  }

  record Rooms(List<RoomInfo> rooms) implements Reply {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.rooms(this);
    }
  }

  /**
   * Private messages kept for an account while it was offline (docs/ACCOUNTS.md): delivered at its
   * login ({@code queued} false), or, to the sender, the one just kept ({@code queued} true).
   *
   * @param to the recipient's nickname
   */
  record Offline(String to, List<OfflineMessage> messages, boolean queued) implements Reply {
    public Offline {
      messages = List.copyOf(messages);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.offline(this);
    }
  }

  /** One method per kind. */
  interface Visitor<R> {
    R notice(Notice x);

    R error(Error x);

    R welcome(Welcome x);

    R joined(Joined x);

    R left(Left x);

    R who(Who x);

    R history(History x);

    R reset(Reset x);

    R rooms(Rooms x);

    R offline(Offline x);
  }
}

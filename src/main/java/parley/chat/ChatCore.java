package parley.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The chat rules, free of sockets and Vert.x: turns one line of user input and the session's state
 * into an {@link Action}. Every command lives in one table, from which {@code /help} is generated.
 */
public final class ChatCore {

  /** The limits the rules enforce. */
  public record Limits(int nickMax, int roomMax, int historyMax) {
    public static final Limits DEFAULT = new Limits(Nick.MAX_LENGTH, RoomName.MAX_LENGTH, 1000);
  }

  private final Limits limits;
  private final Map<String, Command> byVerb = new LinkedHashMap<>();
  private final List<Command> table = new ArrayList<>();

  public ChatCore(Limits limits) {
    this.limits = limits;
    add(
        new Command(
            "help",
            List.of("h", "?"),
            "",
            "list the commands",
            null,
            (s, a) -> new Action.Notice(help(s))));
    add(new Command("nick", List.of(), "NEW", "change your nickname", null, this::nick));
    add(
        new Command(
            "who",
            List.of("names"),
            "[#room]",
            "who is here, on which transport, and how long idle",
            null,
            (s, a) -> a.isEmpty() ? new Action.Who(null) : room(a, Action.Who::new)));
    add(
        new Command(
            "me",
            List.of(),
            "ACTION",
            "say what you do: /me waves",
            null,
            (s, a) -> a.isEmpty() ? usage("me") : inRoom(s, r -> new Action.Me(r, a))));
    add(
        new Command(
            "msg", List.of("tell", "m"), "NICK TEXT", "send a private message", null, this::msg));
    add(
        new Command(
            "join",
            List.of("j"),
            "#ROOM",
            "join a room, creating it if needed; it becomes current",
            null,
            (s, a) -> a.isEmpty() ? usage("join") : room(a, Action.Join::new)));
    add(
        new Command(
            "leave",
            List.of("part"),
            "[#ROOM]",
            "leave a room (the current one by default)",
            null,
            (s, a) -> a.isEmpty() ? inRoom(s, Action.Leave::new) : room(a, Action.Leave::new)));
    add(
        new Command(
            "rooms",
            List.of("list"),
            "",
            "list rooms with their member counts",
            null,
            (s, a) -> new Action.Rooms()));
    add(
        new Command(
            "topic",
            List.of(),
            "[TEXT]",
            "show or set the current room's topic",
            null,
            (s, a) -> inRoom(s, r -> new Action.Topic(r, a.isEmpty() ? null : a))));
    add(
        new Command(
            "history",
            List.of(),
            "[N]",
            "show the last N lines of the current room",
            null,
            this::history));
    add(
        new Command(
            "color",
            List.of("colour"),
            "on|off",
            "coloured nicknames on a terminal",
            null,
            (s, a) -> onOff("color", a)));
    add(
        new Command(
            "ascii",
            List.of(),
            "on|off",
            "show emoji as :shortcodes: on a terminal",
            null,
            (s, a) -> onOff("ascii", a)));
    add(
        new Command(
            "cowsay",
            List.of(),
            "TEXT",
            "a cow says it to the room",
            null,
            (s, a) ->
                a.isEmpty()
                    ? usage("cowsay")
                    : inRoom(s, r -> new Action.Say(r, Cowsay.render(a)))));
    add(
        new Command(
            "quit",
            List.of("q", "exit"),
            "[REASON]",
            "leave the chat",
            null,
            (s, a) -> new Action.Quit(a.isEmpty() ? "quit" : a)));
    add(
        new Command(
            "op",
            List.of(),
            "PASSWORD",
            "become the first admin (while there is none): needs the operator password",
            null,
            (s, a) -> a.isEmpty() ? usage("op") : new Action.Op(a)));
    add(
        new Command(
            "register",
            List.of(),
            "PASSWORD",
            "register your nickname: only you can use it then",
            null,
            (s, a) -> password("register", a, Action.Register::new)));
    add(
        new Command(
            "identify",
            List.of("login"),
            "PASSWORD",
            "log in to the account of your nickname",
            null,
            (s, a) -> password("identify", a, Action.Identify::new)));
    add(
        new Command(
            "password",
            List.of(),
            "OLD NEW",
            "change your account's password (here each without spaces)",
            null,
            this::changePassword));
    add(
        new Command(
            "logout",
            List.of(),
            "",
            "log out of your account (you stay, as a guest)",
            null,
            (s, a) -> new Action.Logout()));
    add(
        new Command(
            "drop",
            List.of(),
            "PASSWORD",
            "delete your account",
            null,
            (s, a) -> password("drop", a, Action.DropAccount::new)));
    add(
        new Command(
            "kick", List.of(), "NICK [REASON]", "disconnect a user", Role.MODERATOR, this::kick));
    add(
        new Command(
            "ban",
            List.of(),
            "NICK|IP|account:NAME [DURATION]",
            "ban a user's address, an address or an account: 30m, 2h, 7d; none = forever",
            Role.MODERATOR,
            (s, a) -> targetFor("ban", a, 0, Action.Ban::new)));
    add(
        new Command(
            "unban",
            List.of(),
            "NICK|IP|account:NAME",
            "lift a ban",
            Role.MODERATOR,
            (s, a) -> a.isEmpty() || a.contains(" ") ? usage("unban") : new Action.Unban(a)));
    add(
        new Command(
            "mute",
            List.of(),
            "NICK|account:NAME [DURATION]",
            "stop a user or an account from talking (default 10m; 0 lifts it)",
            Role.MODERATOR,
            (s, a) -> targetFor("mute", a, 600, Action.Mute::new)));
    add(
        new Command(
            "grant",
            List.of(),
            "NICK admin|moderator",
            "give a registered account a role",
            Role.ADMIN,
            (s, a) -> setRole("grant", a, true)));
    add(
        new Command(
            "revoke",
            List.of(),
            "NICK admin|moderator",
            "take a role from an account",
            Role.ADMIN,
            (s, a) -> setRole("revoke", a, false)));
  }

  public ChatCore() {
    this(Limits.DEFAULT);
  }

  private void add(Command c) {
    table.add(c);
    byVerb.put(c.name(), c);
    c.aliases().forEach(alias -> byVerb.put(alias, c));
  }

  public List<Command> commands() {
    return List.copyOf(table);
  }

  /**
   * {@code /help}, generated from the command table. Commands that need a role are listed for
   * sessions that have it only.
   */
  public List<String> help(SessionState s) {
    List<String> lines = new ArrayList<>();
    lines.add("Commands (anything else you type is said to the current room):");
    int width = table.stream().mapToInt(c -> c.synopsis().length()).max().orElse(0);
    for (Command c : table) {
      if (c.needs() != null && !s.may(c.needs())) {
        continue;
      }
      lines.add("  " + pad(c.synopsis(), width) + "  " + c.summary());
    }
    return lines;
  }

  /**
   * Interprets one line. The line has already been cleaned ({@link TextHygiene}); a line starting
   * with "//" says the rest literally, starting with a single '/'.
   */
  public Action interpret(String line, SessionState s) {
    String text = line.strip();
    if (text.isEmpty()) {
      return new Action.None();
    }
    if (text.startsWith("//")) {
      return inRoom(s, r -> new Action.Say(r, text.substring(1)));
    }
    if (!text.startsWith("/")) {
      return inRoom(s, r -> new Action.Say(r, text));
    }
    int space = text.indexOf(' ');
    String verb =
        (space < 0 ? text.substring(1) : text.substring(1, space)).toLowerCase(Locale.ROOT);
    String args = space < 0 ? "" : text.substring(space + 1).strip();
    Command c = byVerb.get(verb);
    if (c == null) {
      return new Action.Error(
          ErrorCode.UNKNOWN_COMMAND, "unknown command /" + verb + " (try /help)");
    }
    if (c.needs() != null && !s.may(c.needs())) {
      return new Action.Error(
          ErrorCode.NOT_OPERATOR,
          c.needs() == Role.ADMIN
              ? "/" + c.name() + " is for admins"
              : "/" + c.name() + " is for operators (moderators and admins)");
    }
    return c.handler().apply(s, args);
  }

  private Action nick(SessionState s, String a) {
    if (a.isEmpty() || a.contains(" ")) {
      return usage("nick");
    }
    String problem = Nick.problem(a, limits.nickMax());
    return problem != null
        ? new Action.Error(ErrorCode.NICK_INVALID, "\"" + a + "\" can't be used: " + problem)
        : new Action.ChangeNick(a);
  }

  private Action msg(SessionState s, String a) {
    int space = a.indexOf(' ');
    if (space < 0) {
      return usage("msg");
    }
    String to = a.substring(0, space);
    String text = a.substring(space + 1).strip();
    return text.isEmpty() ? usage("msg") : new Action.Msg(to, text);
  }

  private Action history(SessionState s, String a) {
    int n = 20;
    if (!a.isEmpty()) {
      try {
        n = Integer.parseInt(a);
      } catch (NumberFormatException e) {
        return usage("history");
      }
      if (n < 1) {
        return usage("history");
      }
    }
    int count = Math.min(n, limits.historyMax());
    return inRoom(s, r -> new Action.History(r, count));
  }

  /** One password (it may contain spaces), or the command's usage. */
  private Action password(String verb, String a, java.util.function.Function<String, Action> then) {
    return a.isEmpty() ? usage(verb) : then.apply(a);
  }

  private Action changePassword(SessionState s, String a) {
    String[] parts = a.split(" ", -1);
    return parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()
        ? usage("password")
        : new Action.ChangePassword(parts[0], parts[1]);
  }

  private Action kick(SessionState s, String a) {
    if (a.isEmpty()) {
      return usage("kick");
    }
    int space = a.indexOf(' ');
    return space < 0
        ? new Action.Kick(a, "kicked")
        : new Action.Kick(a.substring(0, space), a.substring(space + 1).strip());
  }

  /**
   * Parses {@code TARGET [DURATION]} for /ban and /mute: a missing duration is {@code
   * defaultSeconds}; anything else than one or two words, or a duration that doesn't parse, gets
   * the command's usage.
   */
  private Action targetFor(
      String verb,
      String a,
      long defaultSeconds,
      java.util.function.BiFunction<String, Long, Action> then) {
    String[] parts = a.isEmpty() ? new String[0] : a.split(" +");
    if (parts.length < 1 || parts.length > 2) {
      return usage(verb);
    }
    long seconds = parts.length == 2 ? Durations.parseSeconds(parts[1]) : defaultSeconds;
    return seconds < 0 ? usage(verb) : then.apply(parts[0], seconds);
  }

  /** {@code NICK ROLE} for /grant and /revoke. */
  private Action setRole(String verb, String a, boolean granted) {
    String[] parts = a.isEmpty() ? new String[0] : a.split(" +");
    Role role = parts.length == 2 ? Role.parse(parts[1]) : null;
    if (role == null) {
      return usage(verb);
    }
    String problem = Nick.problem(parts[0], limits.nickMax());
    return problem != null
        ? new Action.Error(ErrorCode.NICK_INVALID, "\"" + parts[0] + "\" can't be used: " + problem)
        : new Action.SetRole(parts[0], role, granted);
  }

  private Action onOff(String name, String a) {
    return switch (a.toLowerCase(Locale.ROOT)) {
      case "on" -> new Action.Preference(name, true);
      case "off" -> new Action.Preference(name, false);
      default -> usage(name);
    };
  }

  private Action room(String arg, java.util.function.Function<String, Action> then) {
    if (arg.contains(" ")) {
      return new Action.Error(ErrorCode.ROOM_INVALID, "a room name has no spaces");
    }
    String room = RoomName.normalize(arg);
    String problem = RoomName.problem(room, limits.roomMax());
    return problem != null
        ? new Action.Error(ErrorCode.ROOM_INVALID, "\"" + arg + "\" can't be used: " + problem)
        : then.apply(room);
  }

  private static Action inRoom(SessionState s, java.util.function.Function<String, Action> then) {
    return s.currentRoom == null
        ? new Action.Error(ErrorCode.NO_ROOM, "you are in no room: /join #room first")
        : then.apply(s.currentRoom);
  }

  private Action usage(String verb) {
    return byVerb.get(verb).usageError();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }
}

package parley.telnet;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import parley.chat.ChatEvent;
import parley.chat.Durations;
import parley.chat.Emoji;
import parley.chat.Nick;
import parley.chat.OfflineMessage;
import parley.chat.Reply;
import parley.chat.Role;
import parley.chat.RoomInfo;
import parley.chat.RoomName;
import parley.chat.UserRecord;
import parley.room.Encoding;

/**
 * How events and replies look on a terminal: {@code [HH:MM] nick: text}, optional ANSI colours for
 * nicknames and dim notices, and emoji either as they are or as shortcodes ({@code /ascii}). Room
 * events are encoded once per event and variant ({@link #event}) and shared by every terminal that
 * shows that variant.
 */
public final class TelnetFormat {
  static final String CRLF = "\r\n";

  /**
   * Splits rendered text into its rows (precompiled: {@code String.split} would compile it per
   * call).
   */
  static final Pattern ROWS = Pattern.compile(CRLF, Pattern.LITERAL);

  private static final String RESET = "\u001b[0m";
  private static final String DIM = "\u001b[2m";
  private static final String RED = "\u001b[31m";
  private static final int[] NICK_COLORS = {31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96};
  private static final DateTimeFormatter HHMM =
      DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter DAY_HHMM =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

  private static final Encoding<byte[]>[] EVENT = variants();

  /** The {@code [#room] } prefix shown before lines from rooms other than the current one. */
  public static final Encoding<byte[]> ROOM_PREFIX =
      new Encoding<>() {
        @Override
        protected byte[] encode(ChatEvent e) {
          return roomPrefix(e).getBytes(StandardCharsets.UTF_8);
        }
      };

  /** Display width of an event's widest row, per ascii setting (colour codes take no columns). */
  private static final Encoding<Integer>[] WIDTH = widths();

  private TelnetFormat() {}

  static String roomPrefix(ChatEvent e) {
    return e.room() == null ? "" : "[" + RoomName.display(e.room()) + "] ";
  }

  @SuppressWarnings("unchecked")
  private static Encoding<byte[]>[] variants() {
    Encoding<byte[]>[] v = new Encoding[4];
    for (int i = 0; i < 4; i++) {
      boolean color = (i & 1) != 0;
      boolean ascii = (i & 2) != 0;
      v[i] =
          new Encoding<>() {
            @Override
            protected byte[] encode(ChatEvent e) {
              return (render(e, color, ascii, null) + CRLF).getBytes(StandardCharsets.UTF_8);
            }
          };
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private static Encoding<Integer>[] widths() {
    Encoding<Integer>[] v = new Encoding[2];
    for (int i = 0; i < 2; i++) {
      boolean ascii = i == 1;
      v[i] =
          new Encoding<>() {
            @Override
            protected Integer encode(ChatEvent e) {
              int w = 0;
              for (String row : ROWS.split(render(e, false, ascii, null), -1)) {
                w = Math.max(w, TerminalText.width(row));
              }
              return w;
            }
          };
    }
    return v;
  }

  /**
   * The shared display width of a room event's widest row, so a terminal can tell whether it must
   * wrap it.
   */
  public static Encoding<Integer> width(boolean ascii) {
    return WIDTH[ascii ? 1 : 0];
  }

  /** The shared encoding of a room event for a terminal with these settings. */
  public static Encoding<byte[]> event(boolean color, boolean ascii) {
    return EVENT[(color ? 1 : 0) | (ascii ? 2 : 0)];
  }

  public static String time(ChatEvent e) {
    return "[" + HHMM.format(e.ts()) + "]";
  }

  static String nick(String nick, boolean color) {
    if (!color || nick == null) {
      return nick;
    }
    int c = NICK_COLORS[Math.floorMod(Nick.key(nick).hashCode(), NICK_COLORS.length)];
    return "\u001b[" + c + "m" + nick + RESET;
  }

  /**
   * A /who line's mark of a registered nickname, with its account's roles: {@code " registered
   * (admin)"}; empty for a guest ({@code roles} null).
   */
  private static String registered(Set<Role> roles) {
    if (roles == null) {
      return "";
    }
    List<String> labels = new ArrayList<>(roles.size());
    roles.forEach(r -> labels.add(r.label()));
    return "  registered" + (labels.isEmpty() ? "" : " (" + String.join(", ", labels) + ")");
  }

  private static String dim(String text, boolean color) {
    return color ? DIM + text + RESET : text;
  }

  /**
   * One event as terminal text, lines separated by CR LF, without the final line end.
   *
   * @param me the viewer's nickname, for private messages (whose look depends on the side); may be
   *     null
   */
  public static String render(ChatEvent e, boolean color, boolean ascii, String me) {
    String text = e.text() == null ? null : ascii ? Emoji.toShortcodes(e.text()) : e.text();
    String t = time(e);
    String who = nick(e.nick(), color);
    return switch (e.type()) {
      case MESSAGE ->
          text.indexOf('\n') < 0
              ? t + " " + who + ": " + text
              : t + " " + who + ":" + CRLF + text.replace("\n", CRLF);
      case ACTION -> t + " * " + who + " " + text;
      case TOPIC ->
          dim(
                  t + " * " + e.nick() + " set the topic of " + RoomName.display(e.room()) + ": ",
                  color)
              + text;
      case JOIN ->
          dim(
              t + " * " + e.nick() + " (" + e.via() + ") has joined " + RoomName.display(e.room()),
              color);
      case LEAVE ->
          dim(
              t
                  + " * "
                  + e.nick()
                  + " has left "
                  + RoomName.display(e.room())
                  + (text == null || text.isEmpty() ? "" : " (" + text + ")"),
              color);
      case SUMMARY -> dim(t + " * " + text, color);
      case NICK -> dim(t + " * " + e.target() + " is now known as " + e.nick(), color);
      case PRIVATE ->
          e.nick().equals(me)
              ? t + " -> *" + nick(e.target(), color) + "* " + text
              : t + " *" + who + "* " + text;
      case NOTICE -> (color ? RED : "") + t + " *** " + text + (color ? RESET : "");
    };
  }

  /** A reply as terminal lines (no line ends). */
  public static List<String> render(Reply reply, boolean color, boolean ascii) {
    return reply.accept(
        new Reply.Visitor<>() {
          @Override
          public List<String> notice(Reply.Notice n) {
            List<String> out = new ArrayList<>(n.lines().size());
            n.lines().forEach(l -> out.add(dim(l, color)));
            return out;
          }

          @Override
          public List<String> error(Reply.Error e) {
            return List.of((color ? RED : "") + "! " + e.message() + (color ? RESET : ""));
          }

          @Override
          public List<String> welcome(Reply.Welcome w) {
            return List.of(w.motd(), "You are " + nick(w.nick(), color) + ".");
          }

          @Override
          public List<String> joined(Reply.Joined j) {
            List<String> out = new ArrayList<>(2);
            int shown = Math.min(j.members().size(), 30);
            String names =
                String.join(", ", j.members().subList(0, shown))
                    + (j.count() > shown ? " and " + (j.count() - shown) + " more" : "");
            out.add(
                dim(
                    "* You are in "
                        + RoomName.display(j.room())
                        + " ("
                        + j.count()
                        + " here: "
                        + names
                        + ")",
                    color));
            if (j.topic() != null) {
              out.add(dim("* Topic: ", color) + j.topic());
            }
            return out;
          }

          @Override
          public List<String> reset(Reply.Reset r) {
            // telnet sessions never resume, so never get one; say it plainly if one ever does
            return List.of(dim("*** " + r.reason(), color));
          }

          @Override
          public List<String> left(Reply.Left l) {
            return List.of(dim("* You left " + RoomName.display(l.room()), color));
          }

          @Override
          public List<String> who(Reply.Who w) {
            List<String> out = new ArrayList<>(w.users().size() + 1);
            out.add(
                (w.room() == null
                        ? "Users on the server"
                        : "Users in " + RoomName.display(w.room()))
                    + " ("
                    + w.users().size()
                    + "):");
            int width = w.users().stream().mapToInt(u -> u.nick().length()).max().orElse(4);
            for (UserRecord u : w.users()) {
              long idle = Math.max(0, Duration.between(u.lastActive(), w.now()).toSeconds());
              out.add(
                  "  "
                      + nick(u.nick(), color)
                      + " ".repeat(width - u.nick().length())
                      + "  "
                      + String.format("%-6s", w.transportSummary(u))
                      + "  idle "
                      + String.format("%-6s", Durations.format(idle))
                      + "  on "
                      + u.node()
                      + registered(w.accounts().get(u.nick()))
                      + (w.addresses().containsKey(u.nick())
                          ? "  from " + w.addresses().get(u.nick())
                          : ""));
            }
            return out;
          }

          @Override
          public List<String> history(Reply.History h) {
            List<String> out = new ArrayList<>(h.events().size() + 3);
            String room = RoomName.display(h.room());
            if (h.missed() > 0) {
              out.add(
                  dim(
                      h.since()
                          ? "-- missed "
                              + h.missed()
                              + " messages in "
                              + room
                              + " (no longer kept) --"
                          : "--- "
                              + h.missed()
                              + " older messages of "
                              + room
                              + " are no longer kept ---",
                      color));
            }
            if (!h.events().isEmpty()) {
              out.add(
                  dim(
                      h.since()
                          ? "-- "
                              + h.events().size()
                              + " new in "
                              + room
                              + " since you were last here --"
                          : "--- history of " + room + " ---",
                      color));
              for (ChatEvent e : h.events()) {
                out.add(render(e, color, ascii, null));
              }
              out.add(dim("--- end of history ---", color));
            }
            return out;
          }

          @Override
          public List<String> offline(Reply.Offline o) {
            List<String> out = new ArrayList<>(o.messages().size());
            for (OfflineMessage m : o.messages()) {
              String text = ascii ? Emoji.toShortcodes(m.text()) : m.text();
              out.add(
                  o.queued()
                      ? "["
                          + HHMM.format(m.at())
                          + "] -> *"
                          + nick(o.to(), color)
                          + "* "
                          + text
                          + dim(" (kept until " + o.to() + " logs in)", color)
                      : dim("(while you were away) ", color)
                          + "["
                          + DAY_HHMM.format(m.at())
                          + "] *"
                          + nick(m.from(), color)
                          + "* "
                          + text);
            }
            return out;
          }

          @Override
          public List<String> rooms(Reply.Rooms r) {
            List<String> out = new ArrayList<>(r.rooms().size() + 1);
            out.add("Rooms (" + r.rooms().size() + "):");
            for (RoomInfo i : r.rooms()) {
              out.add(
                  "  "
                      + RoomName.display(i.name())
                      + "  "
                      + i.members()
                      + (i.members() == 1 ? " user" : " users")
                      + (i.topic() == null ? "" : "  " + i.topic()));
            }
            return out;
          }
        });
  }
}

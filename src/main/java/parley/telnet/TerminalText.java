package parley.telnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import parley.chat.EscapeParser;

/**
 * Terminal text utilities: display width of code points, grapheme clusters and strings (East Asian
 * wide characters and emoji take two columns, combining marks none, escape sequences none),
 * wrapping a rendered line to a terminal width, and deciding colour support from a Telnet terminal
 * type.
 */
public final class TerminalText {

  private TerminalText() {}

  /** Sorted, inclusive ranges of code points that occupy two terminal columns. */
  private static final int[][] WIDE = {
    {0x1100, 0x115F},
    {0x231A, 0x231B},
    {0x2329, 0x232A},
    {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},
    {0x2614, 0x2615},
    {0x2648, 0x2653},
    {0x267F, 0x267F},
    {0x2693, 0x2693},
    {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},
    {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},
    {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},
    {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},
    {0x2705, 0x2705},
    {0x270A, 0x270B},
    {0x2728, 0x2728},
    {0x274C, 0x274C},
    {0x274E, 0x274E},
    {0x2753, 0x2755},
    {0x2757, 0x2757},
    {0x2795, 0x2797},
    {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},
    {0x2B55, 0x2B55},
    {0x2E80, 0x303E},
    {0x3041, 0x33FF},
    {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},
    {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},
    {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6},
    {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF},
    {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A},
    {0x1F200, 0x1F251},
    {0x1F300, 0x1F320},
    {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C},
    {0x1F37E, 0x1F393},
    {0x1F3A0, 0x1F3CA},
    {0x1F3CF, 0x1F3D3},
    {0x1F3E0, 0x1F3F0},
    {0x1F3F4, 0x1F3F4},
    {0x1F3F8, 0x1F43E},
    {0x1F440, 0x1F440},
    {0x1F442, 0x1F4FC},
    {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E},
    {0x1F550, 0x1F567},
    {0x1F57A, 0x1F57A},
    {0x1F595, 0x1F596},
    {0x1F5A4, 0x1F5A4},
    {0x1F5FB, 0x1F64F},
    {0x1F680, 0x1F6C5},
    {0x1F6CC, 0x1F6CC},
    {0x1F6D0, 0x1F6D2},
    {0x1F6D5, 0x1F6D7},
    {0x1F6EB, 0x1F6EC},
    {0x1F6F4, 0x1F6FC},
    {0x1F7E0, 0x1F7EB},
    {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945},
    {0x1F947, 0x1F9FF},
    {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
  };

  /**
   * Columns a code point occupies on a terminal on its own: 0 for combining marks, format and
   * control characters, 2 for East Asian wide/fullwidth characters and most emoji, otherwise 1.
   * Text is measured per grapheme cluster instead ({@link #advance}), where for example U+FE0F
   * makes a symbol two columns wide.
   */
  public static int width(int cp) {
    if (cp < 0x300) {
      return Character.isISOControl(cp) ? 0 : 1;
    }
    int type = Character.getType(cp);
    if (type == Character.NON_SPACING_MARK
        || type == Character.ENCLOSING_MARK
        || type == Character.FORMAT
        || type == Character.CONTROL
        || (cp >= 0x1160 && cp <= 0x11FF) // Hangul medial vowels / final consonants
        || (cp >= 0xD7B0 && cp <= 0xD7FF) // and their extensions
        || cp == 0x200B) {
      return 0;
    }
    if (cp < 0x1100) {
      return 1;
    }
    int lo = 0;
    int hi = WIDE.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < WIDE[mid][0]) {
        hi = mid - 1;
      } else if (cp > WIDE[mid][1]) {
        lo = mid + 1;
      } else {
        return 2;
      }
    }
    return 1;
  }

  // ------------------------------------------------------------------ grapheme clusters

  // A scan over text keeps one int: the current cluster's width (bits 0-15) and flags.
  private static final int WIDTH_MASK = 0xffff;

  /** The last code point began a new cluster. */
  private static final int NEW = 1 << 16;

  /** Nothing joins this cluster (a control character, or nothing scanned yet). */
  private static final int SEALED = 1 << 17;

  /** The cluster is a pictograph followed only by extending characters (for ZWJ sequences). */
  private static final int PICTO = 1 << 18;

  /** The last code point was a ZWJ after a pictograph: a pictograph may follow in this cluster. */
  private static final int AFTER_ZWJ = 1 << 19;

  /** The cluster is one regional indicator: a second one makes a flag. */
  private static final int LONE_RI = 1 << 20;

  /** The cluster starts with an ASCII character: U+FE0F does not widen it (only a keycap does). */
  private static final int ASCII_BASE = 1 << 21;

  /** The state before the first code point of a scan (or after an escape sequence). */
  static final int CLUSTER_START = SEALED;

  /**
   * One step of a left-to-right grapheme cluster scan, close to Unicode's extended grapheme
   * clusters (UAX #29, as {@code \X} in java.util.regex): combining and spacing marks, format
   * characters (ZWJ, variation selectors, tags), Hangul vowel/final jamo and emoji skin-tone
   * modifiers join the cluster before them; two regional indicators make a flag; ZWJ joins two
   * pictographs. Allocation-free, unlike BreakIterator (which before JDK 20 splits emoji sequences)
   * and regex.
   *
   * <p>A cluster is as wide as the sum of its code points' {@link #width(int)}, except that an
   * emoji presentation is two columns: a non-ASCII symbol with U+FE0F (❤️ ⚠️), a keycap (1️⃣), a
   * flag, a ZWJ sequence (👩‍💻) or a pictograph with a skin tone (👍🏽). U+FE0E (text
   * presentation) adds nothing.
   *
   * @param state {@link #CLUSTER_START} or the result of the previous step
   * @return the new state: see {@link #startsCluster} and {@link #clusterWidth}
   */
  static int advance(int state, int cp) {
    int w = width(cp);
    if ((state & SEALED) == 0
        && (cp >= 0x300 || (state & AFTER_ZWJ) != 0)) { // © ® may follow a ZWJ
      int cur = state & WIDTH_MASK;
      int keep = state & (PICTO | ASCII_BASE);
      if (isRegionalIndicator(cp)) {
        if ((state & LONE_RI) != 0) {
          return 2;
        }
      } else if ((state & AFTER_ZWJ) != 0 && isPictograph(cp)) {
        return PICTO | Math.max(cur, 2);
      } else if (w == 0) {
        if (cp == 0xFE0F && cur == 1 && (state & ASCII_BASE) == 0 || cp == 0x20E3) {
          cur = 2; // emoji presentation, keycap
        }
        return keep | cur | (cp == 0x200D && (state & PICTO) != 0 ? AFTER_ZWJ : 0);
      } else if (isEmojiModifier(cp)) {
        return keep | ((state & PICTO) != 0 ? Math.max(cur, 2) : Math.min(cur + w, WIDTH_MASK));
      } else if (Character.getType(cp) == Character.COMBINING_SPACING_MARK) {
        return keep | Math.min(cur + w, WIDTH_MASK);
      }
    }
    if (cp < 0x80) {
      return NEW | w | (cp < 0x20 || cp == 0x7f ? SEALED : ASCII_BASE);
    }
    if (Character.isISOControl(cp)) {
      return NEW | SEALED;
    }
    if (isRegionalIndicator(cp)) {
      return NEW | w | LONE_RI;
    }
    return NEW | w | (isPictograph(cp) ? PICTO : 0);
  }

  /** Whether the code point of this step began a new cluster. */
  static boolean startsCluster(int state) {
    return (state & NEW) != 0;
  }

  /** Columns of the cluster so far. */
  static int clusterWidth(int state) {
    return state & WIDTH_MASK;
  }

  private static boolean isRegionalIndicator(int cp) {
    return cp >= 0x1F1E6 && cp <= 0x1F1FF;
  }

  private static boolean isEmojiModifier(int cp) {
    return cp >= 0x1F3FB && cp <= 0x1F3FF;
  }

  /** Close to Extended_Pictographic (not in the JDK before 21): the symbols emoji are made of. */
  private static boolean isPictograph(int cp) {
    return cp >= 0xA9 && Character.getType(cp) == Character.OTHER_SYMBOL;
  }

  /**
   * The grapheme cluster starting at {@code s[i]}, which is not an escape sequence: its end index
   * (low 32 bits) and its width (high 32 bits). An escape sequence ends a cluster.
   */
  static long clusterAt(CharSequence s, int i) {
    char c0 = s.charAt(i);
    if (c0 >= 0x20 && c0 < 0x7f && (i + 1 == s.length() || s.charAt(i + 1) < 0x300)) {
      return 1L << 32 | (i + 1); // printable ASCII: only a code point from U+0300 on can join it
    }
    int cp = Character.codePointAt(s, i);
    int state = advance(CLUSTER_START, cp);
    int j = i + Character.charCount(cp);
    while (j < s.length()) {
      cp = Character.codePointAt(s, j);
      int next = advance(state, cp);
      if (startsCluster(next)) {
        break;
      }
      state = next;
      j += Character.charCount(cp);
    }
    return (long) clusterWidth(state) << 32 | j;
  }

  /**
   * Display width of {@code s}: the sum of its grapheme clusters' widths (see {@link #advance}),
   * where escape sequences count zero.
   */
  public static int width(CharSequence s) {
    int w = 0;
    for (int i = 0; i < s.length(); ) {
      int esc = escapeLength(s, i);
      if (esc > 0) {
        i += esc;
        continue;
      }
      long c = clusterAt(s, i);
      w += (int) (c >>> 32);
      i = (int) c;
    }
    return w;
  }

  /** Length of the escape sequence starting at {@code i}, or 0 if there is none. */
  static int escapeLength(CharSequence s, int i) {
    char c = s.charAt(i);
    // only ESC and the C1 controls can begin a sequence
    return c == 0x1b || (c >= 0x80 && c <= 0x9f) ? EscapeParser.length(s, i) : 0;
  }

  /**
   * Wraps one rendered line (no line breaks in it) to rows of at most {@code columns} display
   * columns, breaking after the last space that fits where possible and inside a word only when a
   * word is longer than a row. The space at a break is dropped. Escape sequences count zero
   * columns; neither they nor grapheme clusters are ever split. With {@code columns <= 0} or a line
   * that fits, the result is the line itself. Rows carry no line terminator: join them with CR LF.
   */
  public static List<String> wrap(String line, int columns) {
    List<String> rows = new ArrayList<>(2);
    if (columns <= 0 || width(line) <= columns) {
      rows.add(line);
      return rows;
    }
    int rowStart = 0; // index in line where the current row starts
    int col = 0;
    int breakAt = -1; // index of the last space in this row
    int i = 0;
    while (i < line.length()) {
      int esc = escapeLength(line, i);
      if (esc > 0) {
        i += esc;
        continue;
      }
      long c = clusterAt(line, i);
      int end = (int) c;
      int w = (int) (c >>> 32);
      boolean space = line.charAt(i) == ' ' && end == i + 1;
      if (w > 0 && col > 0 && col + w > columns) {
        if (space) { // break at this very space
          rows.add(line.substring(rowStart, i));
          i = end;
          rowStart = i;
          col = 0;
          breakAt = -1;
          continue;
        }
        if (breakAt > rowStart) {
          rows.add(line.substring(rowStart, breakAt));
          rowStart = breakAt + 1;
          i = rowStart; // re-measure the carried-over word
        } else {
          rows.add(line.substring(rowStart, i));
          rowStart = i;
        }
        col = 0;
        breakAt = -1;
        continue;
      }
      if (space) {
        breakAt = i;
      }
      col += w;
      i = end;
    }
    if (rowStart < line.length() || rows.isEmpty()) {
      rows.add(line.substring(rowStart));
    }
    return rows;
  }

  /**
   * Whether a terminal of this Telnet terminal type (RFC 1091, case-insensitive) shows ANSI
   * colours: xterm*, screen*, tmux*, rxvt*, linux, ansi, putty*, konsole*, gnome*, alacritty,
   * cygwin and anything containing "color" do; vt100-style, "dumb", unknown and null do not.
   */
  public static boolean colorCapable(String terminalType) {
    if (terminalType == null) {
      return false;
    }
    String t = terminalType.trim().toLowerCase(Locale.ROOT);
    if (t.contains("color") || t.contains("colour")) {
      return true;
    }
    if (t.startsWith("vt") || t.equals("dumb") || t.isEmpty()) {
      return false;
    }
    return t.startsWith("xterm")
        || t.startsWith("screen")
        || t.startsWith("tmux")
        || t.startsWith("rxvt")
        || t.startsWith("linux")
        || t.startsWith("putty")
        || t.startsWith("konsole")
        || t.startsWith("gnome")
        || t.startsWith("eterm")
        || t.equals("ansi")
        || t.equals("alacritty")
        || t.equals("cygwin");
  }
}

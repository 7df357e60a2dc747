package parley.chat;

/**
 * Makes user text safe to show on someone else's terminal: removes ANSI/VT escape sequences (CSI,
 * OSC, DCS and friends, as {@link EscapeParser} reads them) and every C0/C1 control character. Tabs
 * become one space. Everything else, including any Unicode, stays as it was.
 */
public final class TextHygiene {

  private TextHygiene() {}

  public static String clean(String s) {
    StringBuilder out = null;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!Character.isISOControl(c)) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(n).append(s, 0, i);
      }
      if (c == '\t') {
        out.append(' ');
      } else {
        int esc = EscapeParser.length(s, i);
        if (esc > 0) {
          i += esc - 1;
        }
      }
    }
    return out == null ? s : out.toString();
  }
}

package parley.chat;

/**
 * Makes user text safe to show on someone else's terminal: removes ANSI/VT escape sequences
 * (CSI, OSC, DCS and friends) and every C0/C1 control character. Tabs become one space.
 * Everything else, including any Unicode, stays as it was.
 */
public final class TextHygiene {
  private static final char ESC = 0x1b;

  private TextHygiene() {
  }

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
      } else if (c == ESC || c == 0x9b || c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f) {
        i = skipSequence(s, i) - 1;
      }
    }
    return out == null ? s : out.toString();
  }

  /** @return the index just after the escape sequence starting at {@code i}. */
  private static int skipSequence(String s, int i) {
    int n = s.length();
    char c = s.charAt(i);
    int j;
    char kind;
    if (c == ESC) {
      if (i + 1 >= n) {
        return n;
      }
      kind = s.charAt(i + 1);
      j = i + 2;
      if (kind == '[') {
        kind = 0x9b;
      } else if (kind == ']') {
        kind = 0x9d;
      } else if (kind == 'P') {
        kind = 0x90;
      } else if (kind == 'X') {
        kind = 0x98;
      } else if (kind == '^') {
        kind = 0x9e;
      } else if (kind == '_') {
        kind = 0x9f;
      } else {
        // two-character escape (ESC c, ESC 7 ...), or ESC + intermediates + final (ESC ( B)
        int k = i + 1;
        while (k < n && s.charAt(k) >= 0x20 && s.charAt(k) <= 0x2f) {
          k++;
        }
        return Math.min(n, k + 1);
      }
    } else {
      kind = c;
      j = i + 1;
    }
    if (kind == 0x9b) {
      // CSI: parameter bytes 0x30-0x3f, intermediates 0x20-0x2f, one final byte 0x40-0x7e
      while (j < n) {
        char d = s.charAt(j++);
        if (d >= 0x40 && d <= 0x7e) {
          return j;
        }
        if (d < 0x20 || d > 0x7e) {
          return j;
        }
      }
      return n;
    }
    // string sequences (OSC, DCS, SOS, PM, APC) run to BEL, ST (ESC \ or 0x9c)
    while (j < n) {
      char d = s.charAt(j);
      if (d == 0x07 || d == 0x9c) {
        return j + 1;
      }
      if (d == ESC) {
        return j + 1 < n && s.charAt(j + 1) == '\\' ? j + 2 : j;
      }
      j++;
    }
    return n;
  }
}

package parley.chat;

/**
 * The one ECMA-48 escape-sequence parser, for text users send (stripped by {@link TextHygiene}),
 * keys a terminal sends (recognised by the telnet line editor) and text measured for a terminal
 * (zero columns). It recognises:
 *
 * <ul>
 *   <li>CSI: {@code ESC [} or C1 {@code 0x9B}, parameter bytes 0x30-0x3F, intermediate bytes
 *       0x20-0x2F, one final byte 0x40-0x7E;
 *   <li>control strings OSC, DCS, SOS, PM, APC ({@code ESC ] P X ^ _} or C1 {@code 0x9D 0x90 0x98
 *       0x9E 0x9F}), running to BEL or ST ({@code ESC \} or C1 {@code 0x9C});
 *   <li>SS2 / SS3 ({@code ESC N}, {@code ESC O} or C1 {@code 0x8E 0x8F}) and the one character
 *       0x20-0x7E they apply to ({@code ESC O A} is the Up key);
 *   <li>other escapes: {@code ESC}, intermediates 0x20-0x2F, one final byte 0x30-0x7E ({@code ESC
 *       c}, {@code ESC ( B}; Alt-x as a key).
 * </ul>
 *
 * <p>ESC or a C1 introducer inside a sequence abandons it and starts a new one. Any other character
 * that cannot continue a sequence (a control character, DEL, non-ASCII text) abandons it and is
 * handed back as text, so that a stray ESC never swallows a line end or a letter; a control string
 * is likewise abandoned at CR, LF, NUL, CAN or SUB (but holds any other character). A lone ESC at
 * the end of a text is an unfinished sequence.
 *
 * <p>Works on UTF-16 chars or code points ({@code 0x80-0x9F} are the C1 controls). Fed one
 * character at a time, so a sequence split across reads is still recognised; allocation-free.
 */
public final class EscapeParser {

  /**
   * The character is not part of a sequence (it may have ended an unfinished one): the caller's.
   */
  public static final int TEXT = 0;

  /** The character was consumed; the sequence goes on. */
  public static final int MORE = 1;

  /** The character completed a sequence: see {@link #kind()}, {@link #finalChar()}. */
  public static final int DONE = 2;

  /** Kinds of completed sequence. */
  public static final int KIND_ESC = 1;

  public static final int KIND_CSI = 2;
  public static final int KIND_SS2 = 3;
  public static final int KIND_SS3 = 4;
  public static final int KIND_STRING = 5;

  /** Parameter and intermediate bytes beyond this mark a CSI as {@link #overlong()}. */
  private static final int MAX_PARAMETER_BYTES = 16;

  private static final int GROUND = 0;
  private static final int ESC = 1;
  private static final int ESC_INTERMEDIATE = 2;
  private static final int CSI = 3;
  private static final int SS2 = 4;
  private static final int SS3 = 5;
  private static final int STRING = 6;

  /** ESC inside a control string: a backslash makes it ST, anything else starts a new escape. */
  private static final int STRING_ESC = 7;

  private int state = GROUND;
  private int kind;
  private int finalChar;
  private int firstParameter;
  private boolean inFirstParameter;
  private boolean plain;
  private int parameterBytes;

  /** Processes one character; returns {@link #TEXT}, {@link #MORE} or {@link #DONE}. */
  public int feed(int c) {
    int from = state;
    int t = step(from, c);
    state = t & 0xf;
    int result = t >>> 4;
    if (state == CSI) {
      if (from != CSI || c == 0x9b) {
        firstParameter = -1;
        inFirstParameter = true;
        plain = true;
        parameterBytes = 0;
      } else {
        parameter(c);
      }
    }
    if (result == DONE) {
      finalChar = c;
      kind =
          switch (from) {
            case CSI -> KIND_CSI;
            case SS2 -> KIND_SS2;
            case SS3 -> KIND_SS3;
            case STRING -> KIND_STRING;
            case STRING_ESC -> c == '\\' ? KIND_STRING : KIND_ESC;
            default -> KIND_ESC;
          };
    }
    return result;
  }

  /**
   * For callers that see UTF-8 bytes rather than characters: a byte 0x80-0xFF counts as part of a
   * non-ASCII character (so a C1 control, which UTF-8 encodes as two such bytes, is not recognised
   * as an introducer or ST).
   */
  public int feedUtf8Byte(int b) {
    return feed(b < 0x80 ? b : 0xA0);
  }

  /** Forgets any unfinished sequence. */
  public void reset() {
    state = GROUND;
  }

  /** Kind of the last completed sequence, one of the {@code KIND_} constants. */
  public int kind() {
    return kind;
  }

  /** The character that completed the last sequence, e.g. {@code 'A'} for {@code ESC [ A}. */
  public int finalChar() {
    return finalChar;
  }

  /** The first numeric parameter of the last CSI ({@code 3} in {@code ESC [ 3 ; 5 ~}), or -1. */
  public int firstParameter() {
    return firstParameter;
  }

  /** Whether the last CSI had a private marker (0x3C-0x3F) or intermediate bytes. */
  public boolean privateOrIntermediate() {
    return !plain;
  }

  /** Whether the last CSI had more parameter and intermediate bytes than a key ever needs. */
  public boolean overlong() {
    return parameterBytes > MAX_PARAMETER_BYTES;
  }

  /**
   * Length of the escape sequence starting at {@code s[i]}, or 0 if none starts there. An
   * unfinished sequence runs to the end of {@code s}; one cut short by a character that cannot
   * continue it ends before that character.
   */
  public static int length(CharSequence s, int i) {
    int t = step(GROUND, s.charAt(i));
    if (t >>> 4 != MORE) {
      return 0;
    }
    int st = t & 0xf;
    int n = s.length();
    for (int j = i + 1; j < n; j++) {
      t = step(st, s.charAt(j));
      int result = t >>> 4;
      if (result == DONE) {
        return j + 1 - i;
      }
      if (result == TEXT) {
        return j - i;
      }
      st = t & 0xf;
    }
    return n - i;
  }

  private void parameter(int c) {
    parameterBytes++;
    if (c >= '0' && c <= '9') {
      if (inFirstParameter) {
        firstParameter = Math.min(Math.max(firstParameter, 0) * 10 + (c - '0'), 99_999);
      }
    } else if (c == ';' || c == ':') {
      inFirstParameter = false;
    } else {
      plain = false; // private marker < = > ? or an intermediate byte
    }
  }

  private static int to(int result, int state) {
    return result << 4 | state;
  }

  /** The transition from {@code state} on {@code c}: result in bits 4+, new state in bits 0-3. */
  private static int step(int state, int c) {
    if (c == 0x1b) {
      return to(MORE, state == STRING ? STRING_ESC : ESC);
    }
    if (c >= 0x80 && c <= 0x9f) {
      switch (c) {
        case 0x9b:
          return to(MORE, CSI);
        case 0x9d, 0x90, 0x98, 0x9e, 0x9f:
          return to(MORE, STRING);
        case 0x8e:
          return to(MORE, SS2);
        case 0x8f:
          return to(MORE, SS3);
        case 0x9c:
          if (state == STRING) {
            return to(DONE, GROUND);
          }
          return to(TEXT, GROUND);
        default:
          return state == STRING ? to(MORE, STRING) : to(TEXT, GROUND);
      }
    }
    switch (state) {
      case ESC:
        switch (c) {
          case '[':
            return to(MORE, CSI);
          case ']', 'P', 'X', '^', '_':
            return to(MORE, STRING);
          case 'N':
            return to(MORE, SS2);
          case 'O':
            return to(MORE, SS3);
          default:
            if (c >= 0x20 && c <= 0x2f) {
              return to(MORE, ESC_INTERMEDIATE);
            }
            return c >= 0x30 && c <= 0x7e ? to(DONE, GROUND) : to(TEXT, GROUND);
        }
      case ESC_INTERMEDIATE:
        if (c >= 0x20 && c <= 0x2f) {
          return to(MORE, ESC_INTERMEDIATE);
        }
        return c >= 0x30 && c <= 0x7e ? to(DONE, GROUND) : to(TEXT, GROUND);
      case CSI:
        if (c >= 0x20 && c <= 0x3f) {
          return to(MORE, CSI);
        }
        return c >= 0x40 && c <= 0x7e ? to(DONE, GROUND) : to(TEXT, GROUND);
      case SS2, SS3:
        return c >= 0x20 && c <= 0x7e ? to(DONE, GROUND) : to(TEXT, GROUND);
      case STRING:
        if (c == 0x07) {
          return to(DONE, GROUND);
        }
        if (c == '\r' || c == '\n' || c == 0 || c == 0x18 || c == 0x1a) {
          return to(TEXT, GROUND);
        }
        return to(MORE, STRING);
      case STRING_ESC:
        return c == '\\' ? to(DONE, GROUND) : step(ESC, c);
      default:
        return to(TEXT, GROUND);
    }
  }
}

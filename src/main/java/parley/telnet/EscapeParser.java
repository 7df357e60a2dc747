package parley.telnet;

/**
 * Recognises the ANSI/VT escape sequences a terminal sends for special keys: {@code ESC [ params
 * final} (CSI), {@code ESC O final} (SS3) and {@code ESC x} (Alt-x). Fed one byte at a time, so a
 * sequence split across reads is still recognised. A byte that cannot continue a sequence
 * (e.g. CR, or any control byte) aborts it and is handed back to the caller to process normally.
 * Parameter length is bounded.
 */
final class EscapeParser {

  /** The byte is not part of an escape sequence: the caller processes it. */
  static final int PASS = 0;
  /** The byte was consumed as part of an unfinished (or discarded) sequence. */
  static final int MORE = 1;
  /** The byte completed a CSI or SS3 sequence: see {@link #finalByte()}, {@link #param()}. */
  static final int DONE = 2;

  private static final int MAX_PARAMS = 16;

  private static final int IDLE = 0;
  private static final int ESC = 1;
  private static final int CSI = 2;
  private static final int SS3 = 3;
  /** Inside a string sequence (OSC, DCS, SOS, PM, APC), which runs to BEL or ST (ESC backslash). */
  private static final int STRING = 4;

  private int state = IDLE;
  private final StringBuilder params = new StringBuilder();
  private int finalByte;
  private boolean ss3;
  private boolean tooLong;

  /** Processes one byte (0..255); returns {@link #PASS}, {@link #MORE} or {@link #DONE}. */
  int feed(int b) {
    switch (state) {
      case IDLE:
        if (b == 0x1b) {
          state = ESC;
          return MORE;
        }
        return PASS;
      case ESC:
        if (b == '[') {
          state = CSI;
          params.setLength(0);
          tooLong = false;
          return MORE;
        }
        if (b == 'O') {
          state = SS3;
          return MORE;
        }
        if (b == 0x1b) {
          return MORE; // ESC ESC: stay in ESC
        }
        if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
          state = STRING;
          return MORE;
        }
        state = IDLE;
        if (b >= 0x20 && b < 0x7f) {
          return MORE; // Alt-<key>: not supported, swallowed
        }
        return PASS;
      case CSI:
        if (b >= 0x20 && b <= 0x3f) { // parameter and intermediate bytes
          if (params.length() < MAX_PARAMS) {
            params.append((char) b);
          } else {
            tooLong = true;
          }
          return MORE;
        }
        if (b >= 0x40 && b <= 0x7e) {
          state = IDLE;
          if (tooLong) {
            return MORE;
          }
          finalByte = b;
          ss3 = false;
          return DONE;
        }
        state = b == 0x1b ? ESC : IDLE;
        return b == 0x1b ? MORE : PASS;
      case STRING:
        if (b == 0x07) {
          state = IDLE;
          return MORE;
        }
        if (b == 0x1b) {
          state = ESC; // ESC \ ends it; the backslash is then swallowed like Alt-<key>
          return MORE;
        }
        if (b == '\r' || b == '\n' || b == 0) {
          state = IDLE; // a line end is never swallowed
          return PASS;
        }
        return MORE;
      case SS3:
        if (b >= 0x40 && b <= 0x7e) {
          state = IDLE;
          params.setLength(0);
          finalByte = b;
          ss3 = true;
          return DONE;
        }
        state = b == 0x1b ? ESC : IDLE;
        return b == 0x1b ? MORE : PASS;
      default:
        throw new IllegalStateException();
    }
  }

  /** Forgets any partial sequence. */
  void reset() {
    state = IDLE;
  }

  int finalByte() {
    return finalByte;
  }

  boolean ss3() {
    return ss3;
  }

  /** The parameter bytes of the last CSI sequence, e.g. "1" for {@code ESC [ 1 ~}. */
  String param() {
    return params.toString();
  }
}

package parley.telnet;

/**
 * Incremental, strict UTF-8 decoder for keystrokes: bytes go in one at a time, whole code points
 * come out. Malformed input (stray continuation bytes, overlong forms, surrogates, values above
 * U+10FFFF, a sequence cut short by a non-continuation byte) yields U+FFFD.
 */
final class Utf8Decoder {

  /** Returned by {@link #feed} while a multi-byte sequence is incomplete. */
  static final int NONE = -1;

  static final int REPLACEMENT = 0xFFFD;

  private int codePoint;
  private int needed;
  private int lower = 0x80;
  private int upper = 0xBF;

  /** True while a multi-byte character has been started but not finished. */
  boolean pending() {
    return needed > 0;
  }

  /** Abandons a partial character. */
  void reset() {
    needed = 0;
  }

  /**
   * Feeds one byte (0..255). Returns a code point, {@link #NONE} if more bytes are needed, or
   * U+FFFD for malformed input. When a partial sequence is interrupted by a byte that cannot
   * continue it, U+FFFD is returned and the caller must feed that byte again (see {@link
   * #interrupted()}).
   */
  int feed(int b) {
    interrupted = false;
    if (needed == 0) {
      if (b < 0x80) {
        return b;
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
        codePoint = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        needed = 2;
        codePoint = b & 0x0F;
        lower = b == 0xE0 ? 0xA0 : 0x80;
        upper = b == 0xED ? 0x9F : 0xBF;
        return NONE;
      } else if (b >= 0xF0 && b <= 0xF4) {
        needed = 3;
        codePoint = b & 0x07;
        lower = b == 0xF0 ? 0x90 : 0x80;
        upper = b == 0xF4 ? 0x8F : 0xBF;
        return NONE;
      } else {
        return REPLACEMENT;
      }
      lower = 0x80;
      upper = 0xBF;
      return NONE;
    }
    if (b < lower || b > upper) {
      needed = 0;
      interrupted = true;
      return REPLACEMENT;
    }
    lower = 0x80;
    upper = 0xBF;
    codePoint = (codePoint << 6) | (b & 0x3F);
    if (--needed == 0) {
      return codePoint;
    }
    return NONE;
  }

  private boolean interrupted;

  /**
   * True if the last {@link #feed} returned U+FFFD for an interrupted sequence: re-feed the byte.
   */
  boolean interrupted() {
    return interrupted;
  }
}

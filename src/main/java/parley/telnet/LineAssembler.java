package parley.telnet;

import java.nio.charset.StandardCharsets;
import parley.chat.EscapeParser;

/**
 * Line mode: turns the data bytes of a client that does no server-side echo (nc, scripts, a telnet
 * client in line-by-line mode) into complete lines.
 *
 * <p>CR LF, CR NUL, bare CR and bare LF each end exactly one line, also when the CR and the LF/NUL
 * arrive in different reads. Backspace/DEL erase the last character of the pending line, escape
 * sequences (arrow keys typed into a cooked tty) and other control bytes are dropped, TAB becomes a
 * space. A line whose content exceeds {@code maxLineBytes} is discarded up to its end without
 * buffering it, and reported once through {@link TelnetInput.Listener#lineTooLong}.
 */
final class LineAssembler {

  private final int maxLineBytes;
  private final TelnetInput.Listener listener;
  private final EscapeParser escape = new EscapeParser();
  private byte[] buf = new byte[64];
  private int len;
  private boolean afterCr;

  /** -1 while the line is within the limit, else the number of content bytes seen so far. */
  private int overflowBytes = -1;

  LineAssembler(int maxLineBytes, TelnetInput.Listener listener) {
    this.maxLineBytes = maxLineBytes;
    this.listener = listener;
  }

  /** Processes one data byte (0..255) from the Telnet layer. */
  void data(int b) {
    if (afterCr) {
      afterCr = false;
      if (b == '\n' || b == 0) {
        return; // second half of CR LF / CR NUL
      }
    }
    if (b == '\r' || b == '\n') {
      afterCr = b == '\r';
      escape.reset();
      endLine();
      return;
    }
    if (escape.feedUtf8Byte(b) != EscapeParser.TEXT) {
      return;
    }
    if (b == 0x08 || b == 0x7f) {
      eraseChar();
      return;
    }
    if (b == '\t') {
      b = ' ';
    }
    if (b < 0x20) {
      return;
    }
    append(b);
  }

  private void append(int b) {
    if (overflowBytes >= 0) {
      overflowBytes++;
      return;
    }
    if (len == maxLineBytes) {
      overflowBytes = len + 1;
      len = 0;
      if (buf.length > 256) {
        buf = new byte[64]; // do not keep a big buffer around for a refused line
      }
      return;
    }
    if (len == buf.length) {
      byte[] bigger = new byte[Math.min(Math.max(buf.length * 2, 64), Math.max(maxLineBytes, 1))];
      System.arraycopy(buf, 0, bigger, 0, len);
      buf = bigger;
    }
    buf[len++] = (byte) b;
  }

  private void endLine() {
    if (overflowBytes >= 0) {
      int n = overflowBytes;
      overflowBytes = -1;
      listener.lineTooLong(n);
      return;
    }
    String text = decode(buf, 0, len);
    len = 0;
    listener.line(text);
  }

  /** Removes the last UTF-8 character of the pending line (Backspace, DEL, IAC EC). */
  void eraseChar() {
    if (overflowBytes >= 0 || len == 0) {
      return;
    }
    int i = len - 1;
    while (i > 0 && (buf[i] & 0xc0) == 0x80 && len - i < 4) {
      i--;
    }
    len = i;
  }

  /** Forgets the pending line (IAC IP, IAC EL). A refused line is abandoned without a report. */
  void discardLine() {
    len = 0;
    overflowBytes = -1;
    escape.reset();
  }

  /** The pending partial line, decoded (for a switch to character mode). */
  String partial() {
    return overflowBytes >= 0 ? "" : decode(buf, 0, len);
  }

  boolean afterCr() {
    return afterCr;
  }

  /** Takes over state from the line editor when the client leaves character mode. */
  void restore(String partial, boolean afterCr) {
    discardLine();
    this.afterCr = afterCr;
    for (byte b : partial.getBytes(StandardCharsets.UTF_8)) {
      append(b & 0xff);
    }
  }

  /** UTF-8 decode (invalid bytes become U+FFFD) and drop control characters (C0, DEL, C1). */
  static String decode(byte[] bytes, int off, int len) {
    boolean ascii = true;
    for (int i = off; i < off + len; i++) {
      int b = bytes[i];
      if (b < 0x20 || b == 0x7f) { // negative (>= 0x80) included
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
    }
    return stripControls(new String(bytes, off, len, StandardCharsets.UTF_8));
  }

  static String stripControls(String s) {
    int i = 0;
    while (i < s.length() && !Character.isISOControl(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    sb.append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isISOControl(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}

package parley.telnet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import parley.chat.EscapeParser;

/**
 * Character mode: a server-side line editor for a client that sends every keystroke and lets the
 * server echo (the client said DO ECHO).
 *
 * <p>It keeps the input line as code points, and Backspace, Delete and cursor moves step over a
 * whole grapheme cluster (a letter with its combining marks, an emoji with its variation selector
 * or skin tone, a ZWJ sequence, a flag), measured as {@link TerminalText#advance} says. Keys:
 * printable text, Backspace/DEL, Delete (ESC[3~), Ctrl-A/Home, Ctrl-E/End, Ctrl-B/Left,
 * Ctrl-F/Right, Up/Down (history), Ctrl-U and Ctrl-C (clear line), Ctrl-W (delete word), Ctrl-K
 * (kill to end), Ctrl-L (redraw), Ctrl-D (quit on an empty line, else delete), Enter (CR LF, CR
 * NUL, CR or LF: one line each).
 *
 * <p>It tracks what is on the client's screen: the prompt and input occupy rows 0..n below the row
 * where the prompt starts (wrapping at the NAWS width when known, otherwise assumed not to wrap),
 * and the cursor sits at a known row and column of that region. This is what lets {@link #erase()}
 * clear the input before chat output and {@link #redraw()} put it back exactly. After a line
 * exactly fills a row the editor writes CR LF, so the terminal's cursor is never left in the
 * "pending wrap" state.
 */
final class LineEditor {

  private static final int HISTORY = 100;
  private static final byte[] CRLF = {'\r', '\n'};

  private final int maxLineBytes;
  private final TelnetInput.Listener listener;
  private final ByteArrayOutputStream out;
  private final EscapeParser escape = new EscapeParser();
  private final Utf8Decoder utf8 = new Utf8Decoder();

  private int[] cps = new int[64];
  private int size;
  private int cursor;
  private int bytes;

  /** -1 while the line is within the limit, else the bytes of the refused line so far. */
  private int overflowBytes = -1;

  private boolean afterCr;

  private String prompt = "";
  private int columns;
  private boolean keepSubmitted = true;

  private boolean shown;
  private int shownCursorRow;

  private final List<String> history = new ArrayList<>();
  private int historyIndex;
  private String draft;

  LineEditor(int maxLineBytes, TelnetInput.Listener listener, ByteArrayOutputStream out) {
    this.maxLineBytes = maxLineBytes;
    this.listener = listener;
    this.out = out;
  }

  // ------------------------------------------------------------------ configuration and display

  /** New window width (NAWS); 0 or 1 mean unknown. Redraws the input for the new width. */
  void setColumns(int columns) {
    int c = columns >= 2 ? columns : 0;
    if (c == this.columns) {
      return;
    }
    if (shown) {
      erase(); // with the row count of the old layout: right for terminals that do not reflow
      this.columns = c;
      redraw();
    } else {
      this.columns = c;
    }
  }

  void setKeepSubmitted(boolean keep) {
    this.keepSubmitted = keep;
  }

  void setPrompt(String prompt) {
    String p = prompt == null ? "" : prompt;
    if (p.equals(this.prompt)) {
      return;
    }
    if (shown) {
      erase();
      this.prompt = p;
      redraw();
    } else {
      this.prompt = p;
    }
  }

  /** Enters character mode with {@code text} as the input so far, and draws prompt and input. */
  void start(String text, boolean afterCr) {
    clearBuffer();
    overflowBytes = -1;
    escape.reset();
    utf8.reset();
    this.afterCr = afterCr;
    text.codePoints().forEach(this::append);
    cursor = size;
    historyIndex = history.size();
    draft = null;
    out.write('\r');
    writeAscii("\u001b[K");
    shown = false;
    redraw();
  }

  /** Leaves character mode; returns the partial input. The screen is left as it is. */
  String stop() {
    shown = false;
    String text = overflowBytes >= 0 ? "" : text();
    clearBuffer();
    overflowBytes = -1;
    return text;
  }

  boolean afterCr() {
    return afterCr;
  }

  String text() {
    return new String(cps, 0, size);
  }

  int cursor() {
    return cursor;
  }

  /** Erases prompt and input from the screen, leaving the cursor at column 0 of its first row. */
  void erase() {
    if (!shown) {
      return;
    }
    out.write('\r');
    if (shownCursorRow > 0) {
      writeAscii("\u001b[" + shownCursorRow + "A");
    }
    writeAscii("\u001b[J");
    shown = false;
  }

  /** Draws prompt and input from the current (column 0) position and places the cursor. */
  void redraw() {
    if (shown) {
      return;
    }
    writeUtf8(prompt);
    for (int i = 0; i < size; i++) {
      writeCodePoint(cps[i]);
    }
    long end = position(size);
    if (pending(end)) {
      out.write(CRLF, 0, 2);
    }
    int endRow = row(end);
    long c = position(cursor);
    if (cursor < size) {
      if (endRow > row(c)) {
        writeAscii("\u001b[" + (endRow - row(c)) + "A");
      }
      out.write('\r');
      if (col(c) > 0) {
        writeAscii("\u001b[" + col(c) + "C");
      }
    }
    shown = true;
    shownCursorRow = row(c);
  }

  private void refresh() {
    if (shown) {
      erase();
      redraw();
    }
  }

  // ------------------------------------------------------------------ layout

  // A position packs row (high 32 bits), column (low 31 bits) and a "pending wrap" flag (bit 31).

  private static int row(long p) {
    return (int) (p >>> 32);
  }

  private static int col(long p) {
    return (int) (p & 0x7fffffff);
  }

  private static boolean pending(long p) {
    return (p & 0x80000000L) != 0;
  }

  /**
   * Screen position (relative to the prompt's first cell) of the cell where the grapheme cluster at
   * buffer index {@code index} is drawn, or of the cursor after the whole input when {@code index
   * == size}. Normalised to the next row when the previous cluster filled a row (flag set) or when
   * a wide cluster does not fit at the end of a row. Prompt and input are measured apart: a
   * combining character at the start of the input does not join the prompt's last character.
   */
  private long position(int index) {
    int cols = columns;
    int row = 0;
    int col = 0;
    for (int i = 0; i < prompt.length(); ) {
      int esc = TerminalText.escapeLength(prompt, i);
      if (esc > 0) {
        i += esc;
        continue;
      }
      long c = TerminalText.clusterAt(prompt, i);
      int w = (int) (c >>> 32);
      if (cols > 0 && w > 0 && col > 0 && col + w > cols) {
        row++;
        col = 0;
      }
      col += w;
      i = (int) c;
    }
    int next = 0; // width of the cluster at index
    for (int i = 0; i < size; ) {
      long c = cluster(i);
      int w = (int) (c >>> 32);
      if (i >= index) {
        next = w;
        break;
      }
      if (cols > 0 && w > 0 && col > 0 && col + w > cols) {
        row++;
        col = 0;
      }
      col += w;
      i = (int) c;
    }
    if (cols == 0) {
      return ((long) row << 32) | col;
    }
    boolean full = col >= cols;
    if (full || (next > 0 && col > 0 && col + next > cols)) {
      row++;
      col = 0;
    }
    return ((long) row << 32) | col | (full ? 0x80000000L : 0);
  }

  private void moveCursor(int from, int to) {
    if (!shown || from == to) {
      return;
    }
    long a = position(from);
    long b = position(to);
    int dr = row(b) - row(a);
    if (dr < 0) {
      writeAscii("\u001b[" + (-dr) + "A");
    } else if (dr > 0) {
      writeAscii("\u001b[" + dr + "B");
    }
    int ac = col(a);
    int bc = col(b);
    if (dr != 0) {
      out.write('\r');
      if (bc > 0) {
        writeAscii("\u001b[" + bc + "C");
      }
    } else if (bc < ac) {
      writeAscii("\u001b[" + (ac - bc) + "D");
    } else if (bc > ac) {
      writeAscii("\u001b[" + (bc - ac) + "C");
    }
    shownCursorRow = row(b);
  }

  // ------------------------------------------------------------------ input

  /** Processes one data byte (0..255) from the Telnet layer. */
  void data(int b) {
    if (afterCr) {
      afterCr = false;
      if (b == '\n' || b == 0) {
        return;
      }
    }
    if (b == '\r' || b == '\n') {
      afterCr = b == '\r';
      escape.reset();
      if (utf8.pending()) {
        utf8.reset();
        insert(Utf8Decoder.REPLACEMENT);
      }
      submit();
      return;
    }
    if (utf8.pending() || b >= 0x80) {
      int cp = utf8.feed(b);
      if (cp == Utf8Decoder.NONE) {
        return;
      }
      boolean interrupted = utf8.interrupted();
      character(cp);
      if (!interrupted) {
        return;
      }
      // the byte could not continue the character: process it on its own
      if (b >= 0x80) {
        cp = utf8.feed(b);
        if (cp != Utf8Decoder.NONE) {
          character(cp);
        }
        return;
      }
    }
    character(b);
  }

  /** One decoded character: part of an escape sequence (a key), text or a control key. */
  private void character(int cp) {
    int e = escape.feed(cp);
    if (e == EscapeParser.MORE) {
      return;
    }
    if (e == EscapeParser.DONE) {
      escapeKey();
    } else if (cp < 0x20 || cp == 0x7f) {
      control(cp);
    } else {
      insert(cp); // refuses C1 controls
    }
  }

  private void control(int b) {
    if (overflowBytes >= 0) {
      if (b == 0x03 || b == 0x15) {
        clearLine();
      }
      return;
    }
    switch (b) {
      case 0x01 -> home();
      case 0x02 -> left();
      case 0x03, 0x15 -> clearLine();
      case 0x04 -> {
        if (size == 0) {
          listener.quit();
        } else {
          deleteForward();
        }
      }
      case 0x05 -> end();
      case 0x06 -> right();
      case 0x08, 0x7f -> backspace();
      case 0x09 -> insert(' ');
      case 0x0b -> killToEnd();
      case 0x0c -> redrawScreen();
      case 0x17 -> deleteWord();
      default -> {} // other control bytes are ignored
    }
  }

  private void escapeKey() {
    if (overflowBytes >= 0) {
      return;
    }
    int kind = escape.kind();
    if (kind != EscapeParser.KIND_CSI && kind != EscapeParser.KIND_SS3 || escape.overlong()) {
      return; // Alt-<key>, strings, SS2 and garbage are swallowed
    }
    switch (escape.finalChar()) {
      case 'A' -> historyUp();
      case 'B' -> historyDown();
      case 'C' -> right();
      case 'D' -> left();
      case 'H' -> home();
      case 'F' -> end();
      case '~' -> {
        if (kind != EscapeParser.KIND_CSI || escape.privateOrIntermediate()) {
          return;
        }
        switch (escape.firstParameter()) {
          case 1, 7 -> home();
          case 4, 8 -> end();
          case 3 -> deleteForward();
          default -> {}
        }
      }
      default -> {}
    }
  }

  private void insert(int cp) {
    if (Character.isISOControl(cp)) {
      return; // C0/C1 controls never enter the line
    }
    int n = utf8Length(cp);
    if (overflowBytes >= 0) {
      overflowBytes += n;
      return;
    }
    if (bytes + n > maxLineBytes) {
      overflowBytes = bytes + n;
      clearBuffer();
      refresh();
      out.write(0x07); // BEL
      return;
    }
    if (size == cps.length) {
      int[] bigger = new int[cps.length * 2];
      System.arraycopy(cps, 0, bigger, 0, size);
      cps = bigger;
    }
    System.arraycopy(cps, cursor, cps, cursor + 1, size - cursor);
    cps[cursor++] = cp;
    size++;
    bytes += n;
    int start = previousBoundary(cursor);
    long c = cluster(start);
    // cp is a visible cluster of its own (not a mark, not the second half of a flag...)
    boolean alone = start == cursor - 1 && (int) c == cursor && c >>> 32 > 0;
    cursor = (int) c; // stays at a cluster boundary when cp joined the character after it
    if (!shown) {
      return;
    }
    if (alone && cursor == size) {
      // plain echo; a character joining a cluster is redrawn with it instead, since after an
      // exactly filled row the cursor has already moved on to the next row, and the cluster may
      // become wider (U+FE0F)
      writeCodePoint(cp);
      long end = position(size);
      if (pending(end)) {
        out.write(CRLF, 0, 2);
      }
      shownCursorRow = row(end);
    } else {
      refresh();
    }
  }

  private void submit() {
    if (overflowBytes >= 0) {
      int n = overflowBytes;
      overflowBytes = -1;
      listener.lineTooLong(n);
      return;
    }
    String text = text(); // controls never enter the line (insert and append refuse them)
    boolean wasShown = shown;
    if (shown) {
      if (keepSubmitted) {
        long end = position(size);
        int down = row(end) - shownCursorRow;
        if (down > 0) {
          writeAscii("\u001b[" + down + "B");
        }
        if (columns > 0 && row(end) > 0 && col(end) == 0) {
          out.write('\r'); // already on a fresh row after an exactly filled one
        } else {
          out.write(CRLF, 0, 2);
        }
        shown = false;
      } else {
        erase();
      }
    }
    if (!text.isEmpty() && (history.isEmpty() || !history.get(history.size() - 1).equals(text))) {
      history.add(text);
      if (history.size() > HISTORY) {
        history.remove(0);
      }
    }
    historyIndex = history.size();
    draft = null;
    clearBuffer();
    if (wasShown) {
      redraw();
    }
    listener.line(text);
  }

  // ------------------------------------------------------------------ editing operations

  void backspace() {
    if (overflowBytes >= 0 || cursor == 0) {
      return;
    }
    int start = previousBoundary(cursor);
    remove(start, cursor);
    cursor = start;
    refresh();
  }

  private void deleteForward() {
    if (cursor >= size) {
      return;
    }
    remove(cursor, nextBoundary(cursor));
    refresh();
  }

  /** Clears the input line (Ctrl-U, Ctrl-C, IAC IP, IAC EL); also abandons a refused line. */
  void clearLine() {
    overflowBytes = -1;
    historyIndex = history.size();
    draft = null;
    if (size == 0) {
      return;
    }
    clearBuffer();
    refresh();
  }

  private void deleteWord() {
    int i = cursor;
    while (i > 0 && cps[i - 1] == ' ') {
      i--;
    }
    while (i > 0 && cps[i - 1] != ' ') {
      i--;
    }
    if (i == cursor) {
      return;
    }
    remove(i, cursor);
    cursor = i;
    refresh();
  }

  private void killToEnd() {
    if (cursor == size) {
      return;
    }
    remove(cursor, size);
    refresh();
  }

  private void left() {
    if (cursor > 0) {
      int from = cursor;
      cursor = previousBoundary(cursor);
      moveCursor(from, cursor);
    }
  }

  private void right() {
    if (cursor < size) {
      int from = cursor;
      cursor = nextBoundary(cursor);
      moveCursor(from, cursor);
    }
  }

  private void home() {
    int from = cursor;
    cursor = 0;
    moveCursor(from, cursor);
  }

  private void end() {
    int from = cursor;
    cursor = size;
    moveCursor(from, cursor);
  }

  private void historyUp() {
    if (historyIndex == 0) {
      return;
    }
    if (historyIndex == history.size()) {
      draft = text();
    }
    historyIndex--;
    replaceWith(history.get(historyIndex));
  }

  private void historyDown() {
    if (historyIndex >= history.size()) {
      return;
    }
    historyIndex++;
    replaceWith(
        historyIndex == history.size() ? (draft == null ? "" : draft) : history.get(historyIndex));
  }

  private void replaceWith(String text) {
    clearBuffer();
    text.codePoints().forEach(this::append);
    cursor = size;
    refresh();
  }

  private void redrawScreen() {
    if (!shown) {
      return;
    }
    writeAscii("\u001b[H\u001b[2J");
    shown = false;
    redraw();
  }

  // ------------------------------------------------------------------ buffer helpers

  private void append(int cp) {
    int n = utf8Length(cp);
    if (bytes + n > maxLineBytes || Character.isISOControl(cp)) {
      return;
    }
    if (size == cps.length) {
      int[] bigger = new int[cps.length * 2];
      System.arraycopy(cps, 0, bigger, 0, size);
      cps = bigger;
    }
    cps[size++] = cp;
    bytes += n;
  }

  private void clearBuffer() {
    size = 0;
    cursor = 0;
    bytes = 0;
    if (cps.length > 1024) {
      cps = new int[64];
    }
  }

  private void remove(int from, int to) {
    for (int i = from; i < to; i++) {
      bytes -= utf8Length(cps[i]);
    }
    System.arraycopy(cps, to, cps, from, size - to);
    size -= to - from;
  }

  /** Start of the grapheme cluster that holds index {@code i - 1}. */
  private int previousBoundary(int i) {
    // an ASCII character always begins a cluster: scan from the last one, not from the line's start
    int start = i - 1;
    while (start > 0 && cps[start] >= 0x80) {
      start--;
    }
    while (true) {
      int end = (int) cluster(start);
      if (end >= i) {
        return start;
      }
      start = end;
    }
  }

  /** End of the grapheme cluster starting at {@code i}. */
  private int nextBoundary(int i) {
    return (int) cluster(i);
  }

  /** The grapheme cluster starting at {@code i < size}: end index (low 32 bits), width (high). */
  private long cluster(int i) {
    if (cps[i] < 0x80 && (i + 1 == size || cps[i + 1] < 0x300)) {
      return 1L << 32
          | (i + 1); // printable ASCII (the line holds no controls) not joined by a mark
    }
    int state = TerminalText.advance(TerminalText.CLUSTER_START, cps[i]);
    int j = i + 1;
    while (j < size) {
      int next = TerminalText.advance(state, cps[j]);
      if (TerminalText.startsCluster(next)) {
        break;
      }
      state = next;
      j++;
    }
    return (long) TerminalText.clusterWidth(state) << 32 | j;
  }

  private static int utf8Length(int cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  private void writeCodePoint(int cp) {
    if (cp < 0x80) {
      out.write(cp);
    } else if (cp < 0x800) {
      out.write(0xC0 | (cp >> 6));
      out.write(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out.write(0xE0 | (cp >> 12));
      out.write(0x80 | ((cp >> 6) & 0x3F));
      out.write(0x80 | (cp & 0x3F));
    } else {
      out.write(0xF0 | (cp >> 18));
      out.write(0x80 | ((cp >> 12) & 0x3F));
      out.write(0x80 | ((cp >> 6) & 0x3F));
      out.write(0x80 | (cp & 0x3F));
    }
  }

  private void writeUtf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
  }

  private void writeAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      out.write(s.charAt(i));
    }
  }
}

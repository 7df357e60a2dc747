package parley.telnet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny VT100-style screen for tests: an unbounded list of rows of a fixed width, with xterm's
 * deferred ("pending") autowrap, wide characters taking two cells and combining marks joining the
 * previous cell. Grapheme clusters are drawn as {@link TerminalText#advance} measures them, like a
 * terminal that draws ❤️ two cells wide: when a character widens the cluster before it, the cluster
 * is drawn again where it started (on the next row if it no longer fits). Understands CR, LF, BS,
 * BEL and CSI A/B/C/D/K/J/H/m; skips Telnet IAC sequences.
 */
final class MiniTerminal {
  final int cols;
  private final List<String[]> rows = new ArrayList<>();
  int row;
  int col;
  boolean pendingWrap;
  int bells;

  /** Scan state of the last cluster drawn, which the next character may join. */
  private int cluster = TerminalText.CLUSTER_START;

  private int clusterRow;
  private int clusterCol;

  MiniTerminal(int cols) {
    this.cols = cols;
    rows.add(new String[cols]);
  }

  void feed(byte[] data) {
    // strip telnet sequences first
    java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < data.length; i++) {
      int b = data[i] & 0xff;
      if (b != 255) {
        plain.write(b);
        continue;
      }
      int c = data[++i] & 0xff;
      if (c >= 251 && c <= 254) {
        i++;
      } else if (c == 250) {
        while (!((data[i] & 0xff) == 255 && (data[i + 1] & 0xff) == 240)) {
          i++;
        }
        i++;
      } else if (c == 255) {
        throw new AssertionError("IAC IAC in server output");
      }
    }
    String s = new String(plain.toByteArray(), StandardCharsets.UTF_8);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == 0x1b) {
        if (i < s.length() && s.charAt(i) == '[') {
          int j = i + 1;
          while (s.charAt(j) < 0x40 || s.charAt(j) > 0x7e) {
            j++;
          }
          csi(s.substring(i + 1, j), s.charAt(j));
          cluster = TerminalText.CLUSTER_START;
          i = j + 1;
        } else {
          throw new AssertionError("unexpected escape in output at " + i + ": " + s);
        }
      } else {
        put(cp);
      }
    }
  }

  private void csi(String param, char f) {
    String digits = param.replaceFirst("^([0-9]*).*$", "$1");
    int n = digits.isEmpty() ? 1 : Integer.parseInt(digits);
    switch (f) {
      case 'A' -> {
        row = Math.max(0, row - n);
        pendingWrap = false;
      }
      case 'B' -> {
        row = Math.min(rows.size() - 1, row + n);
        pendingWrap = false;
      }
      case 'C' -> {
        col = Math.min(cols - 1, col + n);
        pendingWrap = false;
      }
      case 'D' -> {
        col = Math.max(0, col - n);
        pendingWrap = false;
      }
      case 'K' -> {
        eraseRow(row, col);
      }
      case 'J' -> {
        if (param.equals("2")) {
          for (int r = 0; r < rows.size(); r++) {
            eraseRow(r, 0);
          }
        } else {
          eraseRow(row, col);
          while (rows.size() > row + 1) {
            rows.remove(rows.size() - 1);
          }
        }
      }
      case 'H' -> {
        row = 0;
        col = 0;
        pendingWrap = false;
      }
      case 'm' -> {}
      default -> throw new AssertionError("unsupported CSI " + param + f);
    }
  }

  private void eraseRow(int r, int from) {
    String[] cells = rows.get(r);
    for (int c = from; c < cols; c++) {
      cells[c] = null;
    }
  }

  private void newRow() {
    row++;
    while (rows.size() <= row) {
      rows.add(new String[cols]);
    }
  }

  private void put(int cp) {
    int previous = cluster;
    cluster = TerminalText.advance(previous, cp);
    switch (cp) {
      case '\r' -> {
        col = 0;
        pendingWrap = false;
        return;
      }
      case '\n' -> {
        newRow();
        pendingWrap = false;
        return;
      }
      case 0x08 -> {
        if (col > 0) col--;
        pendingWrap = false;
        return;
      }
      case 0x07 -> {
        bells++;
        return;
      }
      default -> {}
    }
    if (cp < 0x20) {
      throw new AssertionError("control byte in output: " + cp);
    }
    String ch = new String(Character.toChars(cp));
    int w = TerminalText.clusterWidth(cluster);
    if (!TerminalText.startsCluster(cluster)) {
      String[] cells = rows.get(clusterRow);
      String text = cells[clusterCol] == null ? ch : cells[clusterCol] + ch;
      int old = TerminalText.clusterWidth(previous);
      if (w == old) {
        cells[clusterCol] = text;
        return;
      }
      for (int c = clusterCol; c < Math.min(cols, clusterCol + old); c++) { // drawn again, wider
        cells[c] = null;
      }
      row = clusterRow;
      col = clusterCol;
      pendingWrap = false;
      draw(text, w);
      return;
    }
    if (w == 0) { // a mark with nothing to join: onto the previous cell
      int c = pendingWrap ? col : col - 1;
      String[] cells = rows.get(row);
      if (c >= 0 && cells[c] != null) {
        cells[c] = cells[c] + ch;
      }
      return;
    }
    draw(ch, w);
  }

  private void draw(String text, int w) {
    if (pendingWrap) {
      newRow();
      col = 0;
      pendingWrap = false;
    }
    if (col + w > cols) {
      newRow();
      col = 0;
    }
    String[] cells = rows.get(row);
    cells[col] = text;
    for (int c = col + 1; c < Math.min(cols, col + w); c++) {
      cells[c] = "";
    }
    clusterRow = row;
    clusterCol = col;
    col += w;
    if (col >= cols) {
      col = cols - 1;
      pendingWrap = true;
    }
  }

  String rowText(int r) {
    StringBuilder sb = new StringBuilder();
    for (String cell : rows.get(r)) {
      sb.append(cell == null ? " " : cell);
    }
    return sb.toString().replaceAll(" +$", "");
  }

  /** All rows as text, trailing blanks and trailing empty rows removed. */
  List<String> screen() {
    List<String> out = new ArrayList<>();
    for (int r = 0; r < rows.size(); r++) {
      out.add(rowText(r));
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** Cursor as "row,col", with pending wrap shown as the start of the next row. */
  String cursor() {
    return pendingWrap ? (row + 1) + ",0" : row + "," + col;
  }
}

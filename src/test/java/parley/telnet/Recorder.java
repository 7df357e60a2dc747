package parley.telnet;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Test listener that records every callback as a string, e.g. "line:hi", "size:80x24". */
final class Recorder implements TelnetInput.Listener {
  final List<String> events = new ArrayList<>();
  final List<String> lines = new ArrayList<>();

  @Override
  public void line(String text) {
    events.add("line:" + text);
    lines.add(text);
  }

  @Override
  public void lineTooLong(int bytes) {
    events.add("tooLong:" + bytes);
  }

  @Override
  public void quit() {
    events.add("quit");
  }

  @Override
  public void windowSize(int cols, int rows) {
    events.add("size:" + cols + "x" + rows);
  }

  @Override
  public void terminalType(String type) {
    events.add("ttype:" + type);
  }

  @Override
  public void modeChanged(boolean characterMode) {
    events.add("mode:" + (characterMode ? "char" : "line"));
  }

  /** Events and all output of one run, for comparing differently split runs. */
  record Run(List<String> events, byte[] output) {
    String outputHex() {
      StringBuilder sb = new StringBuilder();
      for (byte b : output) {
        sb.append(String.format("%02x ", b & 0xff));
      }
      return sb.toString();
    }
  }

  /** Feeds {@code stream} cut at the given (increasing) positions, collecting all output. */
  static Run run(int maxLineBytes, byte[] stream, int... cuts) {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(maxLineBytes, r);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int from = 0;
    for (int cut : cuts) {
      in.feed(stream, from, cut - from);
      out.writeBytes(in.takeOutput());
      from = cut;
    }
    in.feed(stream, from, stream.length - from);
    out.writeBytes(in.takeOutput());
    return new Run(r.events, out.toByteArray());
  }

  /** Builds a byte array from ints (0..255) and strings (UTF-8). */
  static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof Integer i) {
        out.write(i);
      } else if (p instanceof Character c) {
        out.write(c);
      } else if (p instanceof String s) {
        out.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } else if (p instanceof byte[] b) {
        out.writeBytes(b);
      } else {
        throw new IllegalArgumentException(String.valueOf(p));
      }
    }
    return out.toByteArray();
  }
}

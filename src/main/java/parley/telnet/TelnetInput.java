package parley.telnet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** TEMPORARY minimal line-mode reader; replaced by the full codec. */
public final class TelnetInput {
  public interface Listener {
    void line(String text);

    void lineTooLong(int bytes);

    void quit();

    void windowSize(int cols, int rows);

    void terminalType(String type);

    void modeChanged(boolean characterMode);
  }

  private final int max;
  private final Listener listener;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private int skip;
  private boolean cr;
  private boolean tooLong;
  private int dropped;

  public TelnetInput(int maxLineBytes, Listener listener) {
    this.max = maxLineBytes;
    this.listener = listener;
  }

  public byte[] greeting() {
    return new byte[0];
  }

  public void feed(byte[] data, int off, int len) {
    for (int i = off; i < off + len; i++) {
      int b = data[i] & 0xff;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (b == 255) {
        skip = 2;
        continue;
      }
      if (b == '\n' && cr) {
        cr = false;
        continue;
      }
      cr = b == '\r';
      if (b == '\r' || b == '\n') {
        if (tooLong) {
          listener.lineTooLong(dropped);
        } else {
          listener.line(line.toString(StandardCharsets.UTF_8));
        }
        line.reset();
        tooLong = false;
        dropped = 0;
        continue;
      }
      if (tooLong || line.size() >= max) {
        if (!tooLong) {
          dropped = line.size();
          line.reset();
        }
        tooLong = true;
        dropped++;
        continue;
      }
      line.write(b);
    }
  }

  public byte[] takeOutput() {
    return new byte[0];
  }

  public boolean characterMode() {
    return false;
  }

  public boolean colorCapable() {
    return false;
  }

  public int columns() {
    return 0;
  }

  public void prompt(String prompt) {
  }

  public byte[] beforeOutput() {
    return new byte[0];
  }

  public byte[] afterOutput() {
    return new byte[0];
  }
}

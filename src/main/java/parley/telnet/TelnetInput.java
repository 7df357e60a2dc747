package parley.telnet;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The input side of one Telnet connection, free of any I/O: feed it the bytes read from the socket,
 * write back what {@link #takeOutput()} returns, and receive complete lines and terminal facts
 * through a {@link Listener}.
 *
 * <p>It wires three parts together: {@link TelnetCodec} (IAC commands, RFC 1143 option negotiation,
 * subnegotiation), {@link LineAssembler} (line mode, for clients that do not negotiate) and {@link
 * LineEditor} (character mode with server-side echo and editing, entered when the client answers
 * our {@code WILL ECHO} with {@code DO ECHO}, left on {@code DONT ECHO}).
 *
 * <p>Not thread-safe: use it from one thread (the connection's event loop). Listener callbacks run
 * inside {@link #feed} after the internal state is consistent, so a listener may call {@link
 * #prompt}, {@link #beforeOutput()}, {@link #afterOutput()} and {@link #takeOutput()} from a
 * callback, but must not call {@link #feed} re-entrantly.
 */
public final class TelnetInput {

  /** Default limit for one input line, in UTF-8 bytes. */
  public static final int DEFAULT_MAX_LINE_BYTES = 2000;

  private static final byte[] EMPTY = new byte[0];
  private static final int TTYPE_IS = 0;
  private static final int TTYPE_SEND = 1;
  private static final int MAX_TERMINAL_TYPE = 40;

  /** Receives what the client sends. */
  public interface Listener {
    /**
     * One complete input line, decoded from UTF-8 (invalid bytes become U+FFFD), without its line
     * end and without control characters. May be empty.
     */
    void line(String text);

    /** A line longer than the limit was discarded; {@code bytes} is its length (at least). */
    void lineTooLong(int bytes);

    /** Ctrl-D on an empty line in character mode. */
    void quit();

    /** The client reported its window size (NAWS); either value may be 0 for "unknown". */
    void windowSize(int cols, int rows);

    /** The client reported its terminal type (TTYPE IS), lower-cased printable ASCII. */
    void terminalType(String type);

    /** Character mode (server echo and line editing) was switched on or off. */
    void modeChanged(boolean characterMode);
  }

  private final Listener listener;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
  private final TelnetCodec codec;
  private final LineAssembler assembler;
  private final LineEditor editor;

  private boolean characterMode;

  /** The secret line being typed (a password); null when the input is not secret. */
  private ByteArrayOutputStream secret;

  /** A secret line just ended with CR: a following LF or NUL belongs to it. */
  private boolean afterSecretCr;

  private final int maxLineBytes;
  private boolean ttypeRequested;
  private String terminalType;
  private int columns;
  private int rows;

  /** A connection with the default line limit of {@value #DEFAULT_MAX_LINE_BYTES} bytes. */
  public TelnetInput(Listener listener) {
    this(DEFAULT_MAX_LINE_BYTES, listener);
  }

  /**
   * @param maxLineBytes longest accepted input line in UTF-8 bytes (excluding the line end)
   */
  public TelnetInput(int maxLineBytes, Listener listener) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
    }
    if (listener == null) {
      throw new NullPointerException("listener");
    }
    this.listener = listener;
    this.maxLineBytes = maxLineBytes;
    this.codec = new TelnetCodec(new CodecHandler(), out);
    codec.supportLocal(TelnetCodec.OPT_ECHO);
    codec.supportLocal(TelnetCodec.OPT_SGA);
    codec.supportRemote(TelnetCodec.OPT_SGA);
    codec.supportRemote(TelnetCodec.OPT_NAWS);
    codec.supportRemote(TelnetCodec.OPT_TTYPE);
    this.assembler = new LineAssembler(maxLineBytes, listener);
    this.editor = new LineEditor(maxLineBytes, listener, out);
  }

  /**
   * The bytes to send when the connection opens: {@code IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS,
   * IAC DO TTYPE}. A second call returns only what is not already requested (normally nothing).
   */
  public byte[] greeting() {
    byte[] pending = out.toByteArray();
    out.reset();
    codec.requestLocal(TelnetCodec.OPT_ECHO);
    codec.requestLocal(TelnetCodec.OPT_SGA);
    codec.requestRemote(TelnetCodec.OPT_NAWS);
    codec.requestRemote(TelnetCodec.OPT_TTYPE);
    byte[] greeting = out.toByteArray();
    out.reset();
    out.write(pending, 0, pending.length);
    return greeting;
  }

  /** Processes bytes read from the socket; any split of the stream into calls works. */
  public void feed(byte[] data, int off, int len) {
    codec.feed(data, off, len);
  }

  /**
   * Whether the client speaks telnet: it has answered or sent an option negotiation. Only such a
   * client may be sent {@link #probe()}; a raw client (nc) would print the bytes.
   */
  public boolean speaksTelnet() {
    return codec.negotiated();
  }

  /**
   * Queues {@code IAC DO TIMING-MARK} for {@link #takeOutput()}: a telnet client answers it at
   * once, so the answer shows that it is still there.
   */
  public void probe() {
    codec.sendTimingMark();
  }

  /** Convenience for {@code feed(data, 0, data.length)}. */
  public void feed(byte[] data) {
    feed(data, 0, data.length);
  }

  /**
   * The bytes the server must send back now (negotiation replies, echo, editing feedback), and
   * clears them; an empty array if none. Call after every {@link #feed}.
   */
  public byte[] takeOutput() {
    if (out.size() == 0) {
      return EMPTY;
    }
    byte[] b = out.toByteArray();
    out.reset();
    return b;
  }

  public boolean characterMode() {
    return characterMode;
  }

  /** Whether the reported terminal type shows ANSI colours; false until one is reported. */
  public boolean colorCapable() {
    return TerminalText.colorCapable(terminalType);
  }

  /** The terminal type reported by the client (lower case), or null. */
  public String terminalType() {
    return terminalType;
  }

  /** The window width reported through NAWS, or 0 if unknown. */
  public int columns() {
    return columns;
  }

  /** The window height reported through NAWS, or 0 if unknown. */
  public int rows() {
    return rows;
  }

  /**
   * Sets the prompt shown before the input in character mode (for example "> " or "Nickname: "; may
   * contain ANSI colour sequences). If the input line is on screen, the redraw is queued for {@link
   * #takeOutput()}. In line mode the prompt is only remembered; print it yourself if wanted.
   */
  public void prompt(String prompt) {
    editor.setPrompt(prompt);
  }

  /**
   * Whether, in character mode, Enter leaves the submitted line on screen (CR LF, then a fresh
   * prompt; the default) or erases it so only the prompt remains (when the server echoes the user's
   * own message back anyway).
   */
  public void keepSubmittedLine(boolean keep) {
    editor.setKeepSubmitted(keep);
  }

  /**
   * The next line is secret (a password): it is never echoed, drawn or kept in the editing history,
   * in either mode (in character mode the client does not echo, having agreed to our {@code WILL
   * ECHO}; a line-mode client echoes by itself, which the server can't prevent). Backspace, DEL and
   * Ctrl-U edit it; CR or LF ends it and it goes to {@link Listener#line} like any line. Bytes past
   * the line limit are dropped.
   */
  public void readSecret() {
    secret = new ByteArrayOutputStream(32);
    // the line before ended with CR, and its LF may still be on its way: it is not the secret's end
    afterSecretCr = characterMode ? editor.afterCr() : assembler.afterCr();
  }

  /** Whether a secret line is being read. */
  public boolean readingSecret() {
    return secret != null;
  }

  private void secretData(int b) {
    switch (b) {
      case '\r', '\n' -> {
        String text = new String(secret.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
        secret = null;
        afterSecretCr = b == '\r';
        if (characterMode) {
          out.write('\r');
          out.write('\n'); // the Enter the server echoes in character mode; never the line
        }
        listener.line(text);
      }
      case 8, 127 -> {
        byte[] now = secret.toByteArray();
        int end = now.length;
        while (end > 0 && (now[end - 1] & 0xc0) == 0x80) {
          end--; // UTF-8 continuation bytes of the last character
        }
        secret.reset();
        secret.write(now, 0, Math.max(0, end - 1));
      }
      case 21 -> secret.reset(); // Ctrl-U
      default -> {
        if (b >= 0x20 && secret.size() < maxLineBytes) {
          secret.write(b);
        }
      }
    }
  }

  /** The input line being edited in character mode (for tests and diagnostics). */
  public String partialInput() {
    return characterMode ? editor.text() : assembler.partial();
  }

  /** Cursor position in the character-mode input, in code points (for tests). */
  int cursorForTest() {
    return editor.cursor();
  }

  /**
   * Call before writing chat output. Returns any pending {@link #takeOutput()} bytes (so they go
   * out first) followed, in character mode with the input on screen, by the bytes that move the
   * cursor to column 0 of the prompt's row and erase prompt and input ({@code CR [ESC[nA] ESC[J}).
   * In line mode that is only the pending bytes, normally none.
   */
  public byte[] beforeOutput() {
    if (characterMode) {
      editor.erase();
    }
    return takeOutput();
  }

  /**
   * Call after writing chat output (which must end with CR LF). Returns any pending bytes followed,
   * in character mode, by the prompt and the partial input, with the cursor moved back to where it
   * was in the input. Does nothing more if the input is already on screen (no matching {@link
   * #beforeOutput()}). In line mode only pending bytes, normally none.
   */
  public byte[] afterOutput() {
    if (characterMode) {
      editor.redraw();
    }
    return takeOutput();
  }

  private void setCharacterMode(boolean on) {
    if (on == characterMode) {
      return;
    }
    if (on) {
      String partial = assembler.partial();
      boolean afterCr = assembler.afterCr();
      assembler.discardLine();
      characterMode = true;
      editor.start(partial, afterCr);
    } else {
      boolean afterCr = editor.afterCr();
      String partial = editor.stop();
      characterMode = false;
      assembler.restore(partial, afterCr);
    }
    listener.modeChanged(on);
  }

  private final class CodecHandler implements TelnetCodec.Handler {
    @Override
    public void data(int b) {
      if (afterSecretCr) {
        afterSecretCr = false;
        if (b == '\n' || b == 0) {
          return;
        }
      }
      if (secret != null) {
        secretData(b);
        return;
      }
      if (characterMode) {
        editor.data(b);
      } else {
        assembler.data(b);
      }
    }

    @Override
    public void command(int command) {
      switch (command) {
        case TelnetCodec.IP, TelnetCodec.EL -> {
          if (characterMode) {
            editor.clearLine();
          } else {
            assembler.discardLine();
          }
        }
        case TelnetCodec.EC -> {
          if (characterMode) {
            editor.backspace();
          } else {
            assembler.eraseChar();
          }
        }
        default -> {} // BRK, AO, AYT: nothing to do for a chat
      }
    }

    @Override
    public void optionChanged(boolean local, int option, boolean enabled) {
      if (local && option == TelnetCodec.OPT_ECHO) {
        setCharacterMode(enabled);
      } else if (!local && option == TelnetCodec.OPT_TTYPE && enabled && !ttypeRequested) {
        ttypeRequested = true;
        codec.sendSubnegotiation(TelnetCodec.OPT_TTYPE, (byte) TTYPE_SEND);
      }
    }

    @Override
    public void subnegotiation(int option, byte[] data, int length) {
      if (option == TelnetCodec.OPT_NAWS && length == 4) {
        columns = ((data[0] & 0xff) << 8) | (data[1] & 0xff);
        rows = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        editor.setColumns(columns);
        listener.windowSize(columns, rows);
      } else if (option == TelnetCodec.OPT_TTYPE && length >= 1 && data[0] == TTYPE_IS) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < length && sb.length() < MAX_TERMINAL_TYPE; i++) {
          int c = data[i] & 0xff;
          if (c > 0x20 && c < 0x7f) {
            sb.append((char) c);
          }
        }
        if (sb.length() > 0) {
          terminalType = sb.toString().toLowerCase(Locale.ROOT);
          listener.terminalType(terminalType);
        }
      }
    }
  }
}

package parley.telnet;

import java.io.ByteArrayOutputStream;
import java.util.BitSet;

/**
 * Telnet protocol layer (RFC 854/855): separates the plain data bytes of a Telnet stream from IAC
 * commands, option negotiation and subnegotiation.
 *
 * <p>The parser is a byte-at-a-time state machine, so a sequence split across reads at any position
 * is handled exactly like the unsplit sequence. {@code IAC IAC} yields a literal 255 data byte;
 * every other IAC sequence is consumed here and never reaches {@link Handler#data}. Subnegotiation
 * payloads are bounded by {@link #MAX_SUBNEGOTIATION}: a longer one is consumed up to its {@code
 * IAC SE} and discarded.
 *
 * <p>Option negotiation follows the Q method of RFC 1143, which guarantees that the codec never
 * answers a reply and so never enters a negotiation loop. Options not declared with {@link
 * #supportLocal}/{@link #supportRemote} are refused ({@code DO x} gets {@code WONT x}, {@code WILL
 * x} gets {@code DONT x}). Replies are written to the output stream given to the constructor.
 */
final class TelnetCodec {

  static final int IAC = 255;
  static final int DONT = 254;
  static final int DO = 253;
  static final int WONT = 252;
  static final int WILL = 251;
  static final int SB = 250;
  static final int GA = 249;
  static final int EL = 248;
  static final int EC = 247;
  static final int AYT = 246;
  static final int AO = 245;
  static final int IP = 244;
  static final int BRK = 243;
  static final int DM = 242;
  static final int NOP = 241;
  static final int SE = 240;

  static final int OPT_ECHO = 1;
  static final int OPT_SGA = 3;
  static final int OPT_TM = 6;
  static final int OPT_TTYPE = 24;
  static final int OPT_NAWS = 31;
  static final int OPT_LINEMODE = 34;

  /** Largest subnegotiation payload kept (after IAC IAC unescaping); longer ones are discarded. */
  static final int MAX_SUBNEGOTIATION = 256;

  /** Receives what the codec decodes. Called synchronously from {@link #feed}. */
  interface Handler {
    /** One data byte (0..255) that is not part of a Telnet command. */
    void data(int b);

    /** A two-byte command such as {@link #IP}, {@link #EC}, {@link #EL}, {@link #AYT}. */
    void command(int command);

    /**
     * An option's state changed (Q method state became YES, or left YES / a pending request).
     *
     * @param local true for our side (WILL/WONT), false for the peer's side (DO/DONT)
     */
    void optionChanged(boolean local, int option, boolean enabled);

    /** A complete, well-formed subnegotiation {@code IAC SB option data IAC SE}. */
    void subnegotiation(int option, byte[] data, int length);
  }

  // RFC 1143 states
  private static final byte[] NO_BYTES = {};
  private static final byte NO = 0;
  private static final byte YES = 1;
  private static final byte WANTNO = 2;
  private static final byte WANTYES = 3;

  // parser states
  private static final int S_DATA = 0;
  private static final int S_IAC = 1;
  private static final int S_OPTION = 2;
  private static final int S_SB_OPTION = 3;
  private static final int S_SB_DATA = 4;
  private static final int S_SB_IAC = 5;

  private final Handler handler;
  private final ByteArrayOutputStream out;

  private final byte[] us = new byte[256];
  private final BitSet usOpposite = new BitSet(256);
  private final byte[] him = new byte[256];
  private final BitSet himOpposite = new BitSet(256);
  private final BitSet supportLocal = new BitSet(256);
  private final BitSet supportRemote = new BitSet(256);

  private int state = S_DATA;
  private int verb;
  private int sbOption;

  /** Whether the peer ever sent an option negotiation: it speaks telnet. */
  private boolean negotiated;

  /** {@code DO TIMING-MARK}s sent and not yet answered. */
  private int timingMarks;

  /**
   * Allocated at the first subnegotiation: most connections never send one, and there may be 20,000
   * of them.
   */
  private byte[] sbData;

  private int sbLength;
  private boolean sbOverflow;

  TelnetCodec(Handler handler, ByteArrayOutputStream out) {
    this.handler = handler;
    this.out = out;
  }

  /** Declares that we are willing to enable {@code option} on our side (answer DO with WILL). */
  void supportLocal(int option) {
    supportLocal.set(option);
  }

  /** Declares that we accept the peer enabling {@code option} (answer WILL with DO). */
  void supportRemote(int option) {
    supportRemote.set(option);
  }

  boolean localEnabled(int option) {
    return us[option] == YES;
  }

  boolean remoteEnabled(int option) {
    return him[option] == YES;
  }

  /** Whether the peer has sent any option negotiation (a raw client such as nc never does). */
  boolean negotiated() {
    return negotiated;
  }

  /**
   * Sends {@code IAC DO TIMING-MARK} (RFC 860), which the peer answers with {@code WILL} or {@code
   * WONT TIMING-MARK}. The answer is consumed here without a reply and the option stays off: it is
   * a probe, not a negotiation.
   */
  void sendTimingMark() {
    timingMarks++;
    send(DO, OPT_TM);
  }

  /** Parses {@code len} bytes; any split of a stream into calls gives the same result. */
  void feed(byte[] buf, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      step(buf[i] & 0xff);
    }
  }

  private void step(int b) {
    switch (state) {
      case S_DATA:
        if (b == IAC) {
          state = S_IAC;
        } else {
          handler.data(b);
        }
        break;
      case S_IAC:
        iacCommand(b);
        break;
      case S_OPTION:
        state = S_DATA;
        negotiate(verb, b);
        break;
      case S_SB_OPTION:
        if (b == IAC) { // IAC SB IAC ...: no option byte, malformed
          state = S_IAC;
          break;
        }
        sbOption = b;
        sbLength = 0;
        sbOverflow = false;
        state = S_SB_DATA;
        break;
      case S_SB_DATA:
        if (b == IAC) {
          state = S_SB_IAC;
        } else {
          sbAppend(b);
        }
        break;
      case S_SB_IAC:
        if (b == SE) {
          state = S_DATA;
          if (!sbOverflow) {
            handler.subnegotiation(sbOption, sbData == null ? NO_BYTES : sbData, sbLength);
          }
        } else if (b == IAC) {
          state = S_SB_DATA;
          sbAppend(IAC);
        } else {
          // IAC <cmd> inside SB: the subnegotiation was never terminated. Drop it and treat the
          // bytes as an ordinary command.
          iacCommand(b);
        }
        break;
      default:
        throw new IllegalStateException();
    }
  }

  private void sbAppend(int b) {
    if (sbData == null) {
      sbData = new byte[MAX_SUBNEGOTIATION];
    }
    if (sbLength < sbData.length) {
      sbData[sbLength++] = (byte) b;
    } else {
      sbOverflow = true;
    }
  }

  private void iacCommand(int b) {
    state = S_DATA;
    switch (b) {
      case IAC -> handler.data(IAC);
      case WILL, WONT, DO, DONT -> {
        verb = b;
        state = S_OPTION;
      }
      case SB -> state = S_SB_OPTION;
      case SE -> {} // SE without SB: ignore
      case NOP, DM, GA -> {}
      case BRK, IP, AO, AYT, EC, EL -> handler.command(b);
      default -> {} // IAC followed by a non-command byte: malformed, both bytes dropped
    }
  }

  // ---------------------------------------------------------------- RFC 1143 Q method

  private void negotiate(int verb, int opt) {
    negotiated = true;
    if (opt == OPT_TM && (verb == WILL || verb == WONT) && timingMarks > 0) {
      timingMarks--;
      return;
    }
    switch (verb) {
      case WILL -> receivedWill(opt);
      case WONT -> receivedWont(opt);
      case DO -> receivedDo(opt);
      case DONT -> receivedDont(opt);
      default -> throw new IllegalStateException();
    }
  }

  private void receivedWill(int opt) {
    switch (him[opt]) {
      case NO -> {
        if (supportRemote.get(opt)) {
          him[opt] = YES;
          send(DO, opt);
          handler.optionChanged(false, opt, true);
        } else {
          send(DONT, opt);
        }
      }
      case YES -> {}
      case WANTNO -> {
        if (himOpposite.get(opt)) {
          him[opt] = YES;
          himOpposite.clear(opt);
          handler.optionChanged(false, opt, true);
        } else {
          him[opt] = NO; // DONT answered by WILL: protocol error, settle on NO
        }
      }
      case WANTYES -> {
        if (himOpposite.get(opt)) {
          him[opt] = WANTNO;
          himOpposite.clear(opt);
          send(DONT, opt);
        } else {
          him[opt] = YES;
          handler.optionChanged(false, opt, true);
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private void receivedWont(int opt) {
    switch (him[opt]) {
      case NO -> {}
      case YES -> {
        him[opt] = NO;
        send(DONT, opt);
        handler.optionChanged(false, opt, false);
      }
      case WANTNO -> {
        if (himOpposite.get(opt)) {
          him[opt] = WANTYES;
          himOpposite.clear(opt);
          send(DO, opt);
        } else {
          him[opt] = NO;
        }
      }
      case WANTYES -> {
        him[opt] = NO;
        himOpposite.clear(opt);
      }
      default -> throw new IllegalStateException();
    }
  }

  private void receivedDo(int opt) {
    switch (us[opt]) {
      case NO -> {
        if (supportLocal.get(opt)) {
          us[opt] = YES;
          send(WILL, opt);
          handler.optionChanged(true, opt, true);
        } else {
          send(WONT, opt);
        }
      }
      case YES -> {}
      case WANTNO -> {
        if (usOpposite.get(opt)) {
          us[opt] = YES;
          usOpposite.clear(opt);
          handler.optionChanged(true, opt, true);
        } else {
          us[opt] = NO;
        }
      }
      case WANTYES -> {
        if (usOpposite.get(opt)) {
          us[opt] = WANTNO;
          usOpposite.clear(opt);
          send(WONT, opt);
        } else {
          us[opt] = YES;
          handler.optionChanged(true, opt, true);
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private void receivedDont(int opt) {
    switch (us[opt]) {
      case NO -> {}
      case YES -> {
        us[opt] = NO;
        send(WONT, opt);
        handler.optionChanged(true, opt, false);
      }
      case WANTNO -> {
        if (usOpposite.get(opt)) {
          us[opt] = WANTYES;
          usOpposite.clear(opt);
          send(WILL, opt);
        } else {
          us[opt] = NO;
        }
      }
      case WANTYES -> {
        us[opt] = NO;
        usOpposite.clear(opt);
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Asks to enable {@code opt} on our side (sends WILL unless already enabled or pending). */
  void requestLocal(int opt) {
    supportLocal.set(opt);
    switch (us[opt]) {
      case NO -> {
        us[opt] = WANTYES;
        send(WILL, opt);
      }
      case WANTNO -> usOpposite.set(opt);
      case WANTYES -> usOpposite.clear(opt);
      default -> {}
    }
  }

  /** Asks the peer to enable {@code opt} (sends DO unless already enabled or pending). */
  void requestRemote(int opt) {
    supportRemote.set(opt);
    switch (him[opt]) {
      case NO -> {
        him[opt] = WANTYES;
        send(DO, opt);
      }
      case WANTNO -> himOpposite.set(opt);
      case WANTYES -> himOpposite.clear(opt);
      default -> {}
    }
  }

  /** Sends {@code IAC SB option data IAC SE}, doubling any 255 in {@code data}. */
  void sendSubnegotiation(int option, byte... data) {
    out.write(IAC);
    out.write(SB);
    out.write(option);
    for (byte d : data) {
      out.write(d);
      if ((d & 0xff) == IAC) {
        out.write(IAC);
      }
    }
    out.write(IAC);
    out.write(SE);
  }

  private void send(int verb, int opt) {
    out.write(IAC);
    out.write(verb);
    out.write(opt);
  }
}

package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.telnet.Recorder.bytes;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IAC parsing, option negotiation (RFC 1143) and subnegotiation, through {@link TelnetInput}. */
class TelnetCodecTest {

  static final int IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
  static final int NOP = 241, IP = 244, AYT = 246, EC = 247, EL = 248, GA = 249, DM = 242;
  static final int ECHO = 1, SGA = 3, TM = 6, TTYPE = 24, NAWS = 31, LINEMODE = 34;

  private static List<String> events(byte[] stream) {
    return Recorder.run(2000, stream).events();
  }

  private static byte[] output(byte[] stream) {
    return Recorder.run(2000, stream).output();
  }

  // ------------------------------------------------------------------ negotiation replies

  @Test
  void greetingOffersEchoSgaAndAsksNawsTtype() {
    TelnetInput in = new TelnetInput(new Recorder());
    assertArrayEquals(
        bytes(IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS, IAC, DO, TTYPE), in.greeting());
    assertArrayEquals(new byte[0], in.greeting(), "requests are not repeated");
    assertArrayEquals(new byte[0], in.takeOutput(), "greeting is not also queued");
  }

  @Test
  void unknownOptionsAreRefused() {
    assertArrayEquals(bytes(IAC, WONT, 99), output(bytes(IAC, DO, 99)));
    assertArrayEquals(bytes(IAC, DONT, 99), output(bytes(IAC, WILL, 99)));
    assertArrayEquals(bytes(IAC, DONT, LINEMODE), output(bytes(IAC, WILL, LINEMODE)));
    assertArrayEquals(
        bytes(IAC, WONT, NAWS), output(bytes(IAC, DO, NAWS)), "we never do NAWS ourselves");
    assertArrayEquals(
        bytes(IAC, DONT, ECHO), output(bytes(IAC, WILL, ECHO)), "client must not echo for us");
  }

  @Test
  void negativeRepliesToDisabledOptionsGetNoAnswer() {
    assertArrayEquals(
        new byte[0], output(bytes(IAC, WONT, 99, IAC, DONT, 99, IAC, WONT, ECHO, IAC, DONT, ECHO)));
  }

  @Test
  void answersToOurRequestsAreNotAnswered() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.greeting();
    // what Debian's telnet answers
    in.feed(bytes(IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS, IAC, WILL, TTYPE));
    assertArrayEquals(
        bytes('\r', 0x1b, '[', 'K', IAC, SB, TTYPE, 1, IAC, SE),
        in.takeOutput(),
        "only the (empty) prompt and TTYPE SEND; no reply to replies");
    assertTrue(in.characterMode());
    assertEquals(List.of("mode:char"), r.events);
    // repeated agreement changes nothing
    in.feed(bytes(IAC, DO, ECHO, IAC, WILL, TTYPE, IAC, WILL, NAWS));
    assertArrayEquals(new byte[0], in.takeOutput());
  }

  @Test
  void timingMarkProbesAreAnsweredEitherWayAndNeverNegotiated() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.greeting();
    assertFalse(in.speaksTelnet(), "nothing heard yet");
    in.feed(bytes("alice\r\n"));
    assertFalse(in.speaksTelnet(), "a raw client (nc) sends only text");
    in.feed(bytes(IAC, WONT, NAWS));
    assertTrue(in.speaksTelnet(), "it answered the greeting");
    in.takeOutput();
    in.probe();
    assertArrayEquals(bytes(IAC, DO, TM), in.takeOutput());
    // Debian's telnet answers WILL, commons-net's TelnetClient WONT: neither gets a reply
    in.feed(bytes(IAC, WILL, TM));
    assertArrayEquals(new byte[0], in.takeOutput());
    in.probe();
    in.probe();
    assertArrayEquals(bytes(IAC, DO, TM, IAC, DO, TM), in.takeOutput(), "each probe is sent");
    in.feed(bytes(IAC, WONT, TM, IAC, WILL, TM));
    assertArrayEquals(new byte[0], in.takeOutput());
    // an unsolicited WILL TIMING-MARK is refused like any unsupported option
    in.feed(bytes(IAC, WILL, TM));
    assertArrayEquals(bytes(IAC, DONT, TM), in.takeOutput());
    assertEquals(List.of("line:alice"), r.events);
  }

  @Test
  void refusalsOfOurRequestsAreNotAnswered() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.greeting();
    in.feed(bytes(IAC, DONT, ECHO, IAC, DONT, SGA, IAC, WONT, NAWS, IAC, WONT, TTYPE));
    assertArrayEquals(new byte[0], in.takeOutput());
    assertFalse(in.characterMode());
    assertEquals(List.of(), r.events);
  }

  @Test
  void unsolicitedDoEchoIsAcceptedOnce() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.feed(bytes(IAC, DO, ECHO));
    byte[] out = in.takeOutput();
    assertArrayEquals(bytes(IAC, WILL, ECHO), java.util.Arrays.copyOf(out, 3));
    assertTrue(in.characterMode());
    in.feed(bytes(IAC, DO, ECHO));
    assertArrayEquals(new byte[0], in.takeOutput());
  }

  @Test
  void dontEchoReturnsToLineModeKeepingTheTypedText() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.greeting();
    in.feed(bytes(IAC, DO, ECHO, "héllo"));
    in.takeOutput();
    in.feed(bytes(IAC, DONT, ECHO));
    assertArrayEquals(bytes(IAC, WONT, ECHO), in.takeOutput());
    assertFalse(in.characterMode());
    in.feed(bytes(IAC, DONT, ECHO));
    assertArrayEquals(new byte[0], in.takeOutput(), "DONT for a disabled option is not answered");
    in.feed(bytes(" world\r\n"));
    assertEquals(List.of("mode:char", "mode:line", "line:héllo world"), r.events);
  }

  @Test
  void unsolicitedWillTtypeIsAcceptedAndTypeRequestedOnlyOnce() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.feed(bytes(IAC, WILL, TTYPE));
    assertArrayEquals(bytes(IAC, DO, TTYPE, IAC, SB, TTYPE, 1, IAC, SE), in.takeOutput());
    in.feed(bytes(IAC, WONT, TTYPE));
    assertArrayEquals(bytes(IAC, DONT, TTYPE), in.takeOutput());
    in.feed(bytes(IAC, WILL, TTYPE));
    assertArrayEquals(bytes(IAC, DO, TTYPE), in.takeOutput(), "SEND is asked once per connection");
  }

  /** Server and a simulated client negotiate until quiet: must settle, never ping-pong. */
  @Test
  void negotiationWithAnotherQMethodPeerTerminates() {
    for (int variant = 0; variant < 4; variant++) {
      Recorder r = new Recorder();
      TelnetInput server = new TelnetInput(r);
      ByteArrayOutputStream clientOut = new ByteArrayOutputStream();
      List<String> clientChanges = new ArrayList<>();
      TelnetCodec client =
          new TelnetCodec(
              new TelnetCodec.Handler() {
                @Override
                public void data(int b) {}

                @Override
                public void command(int c) {}

                @Override
                public void optionChanged(boolean local, int option, boolean enabled) {
                  clientChanges.add((local ? "us" : "him") + option + "=" + enabled);
                }

                @Override
                public void subnegotiation(int option, byte[] data, int length) {}
              },
              clientOut);
      if ((variant & 1) == 1) { // an agreeable client; otherwise it refuses everything
        client.supportRemote(ECHO);
        client.supportRemote(SGA);
        client.supportLocal(NAWS);
        client.supportLocal(TTYPE);
      }
      if ((variant & 2) == 2) { // the client also asks for things itself
        client.requestLocal(99);
        client.requestRemote(SGA);
        client.requestLocal(LINEMODE);
        client.requestRemote(ECHO);
      }
      byte[] toClient = server.greeting();
      int rounds = 0;
      while (toClient.length > 0 || clientOut.size() > 0) {
        assertTrue(++rounds < 10, "negotiation did not settle");
        client.feed(toClient, 0, toClient.length);
        byte[] toServer = clientOut.toByteArray();
        clientOut.reset();
        server.feed(toServer);
        toClient = server.takeOutput();
        // strip the non-negotiation bytes (prompt drawing) the client need not see
        toClient = onlyNegotiation(toClient);
      }
      // a client that asks for ECHO itself (variant 2) also gets character mode
      assertEquals(variant != 0, server.characterMode(), "variant " + variant);
      assertEquals(variant != 0, client.remoteEnabled(ECHO));
    }
  }

  private static byte[] onlyNegotiation(byte[] b) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (int i = 0; i < b.length; i++) {
      if ((b[i] & 0xff) == IAC && i + 2 < b.length && (b[i + 1] & 0xff) >= WILL) {
        o.write(b, i, 3);
        i += 2;
      }
    }
    return o.toByteArray();
  }

  // ------------------------------------------------------------------ subnegotiation

  @Test
  void nawsAndTtypeAreReported() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    assertEquals(0, in.columns());
    assertFalse(in.colorCapable());
    in.feed(
        bytes(IAC, SB, NAWS, 0, 132, 0, 50, IAC, SE, IAC, SB, TTYPE, 0, "XTERM-256COLOR", IAC, SE));
    assertEquals(List.of("size:132x50", "ttype:xterm-256color"), r.events);
    assertEquals(132, in.columns());
    assertEquals(50, in.rows());
    assertEquals("xterm-256color", in.terminalType());
    assertTrue(in.colorCapable());
  }

  @Test
  void nawsWithDoubledIac() {
    assertEquals(
        List.of("size:255x65535"),
        events(bytes(IAC, SB, NAWS, 0, IAC, IAC, IAC, IAC, IAC, IAC, IAC, SE)));
  }

  @Test
  void malformedSubnegotiationsAreIgnored() {
    // wrong NAWS length, TTYPE SEND from the client, empty TTYPE, control bytes in the type
    assertEquals(
        List.of("line:ok"),
        events(
            bytes(
                IAC, SB, NAWS, 0, 80, 0, IAC, SE, IAC, SB, NAWS, 0, 80, 0, 24, 0, IAC, SE, IAC, SB,
                TTYPE, 1, IAC, SE, IAC, SB, TTYPE, 0, IAC, SE, IAC, SB, IAC, SE, "ok\r\n")));
    assertEquals(
        List.of("ttype:vt100"), events(bytes(IAC, SB, TTYPE, 0, "V\r\nT\u001b100", IAC, SE)));
  }

  @Test
  void oversizedSubnegotiationIsDiscarded() {
    byte[] big = "A".repeat(100_000).getBytes();
    assertEquals(
        List.of("line:after"), events(bytes(IAC, SB, TTYPE, 0, big, IAC, SE, "after\r\n")));
    assertEquals(List.of("line:after"), events(bytes(IAC, SB, NAWS, big, IAC, SE, "after\r\n")));
    // the longest kept payload is still delivered
    String type = "x".repeat(TelnetCodec.MAX_SUBNEGOTIATION - 1);
    assertEquals(
        List.of("ttype:" + "x".repeat(40)), events(bytes(IAC, SB, TTYPE, 0, type, IAC, SE)));
  }

  @Test
  void commandInsideSubnegotiationEndsIt() {
    // IAC WILL inside SB: the SB is dropped, the WILL is negotiated, text continues
    Recorder.Run run = Recorder.run(2000, bytes(IAC, SB, NAWS, 0, 80, IAC, WILL, 99, "hi\r\n"));
    assertEquals(List.of("line:hi"), run.events());
    assertArrayEquals(bytes(IAC, DONT, 99), run.output());
  }

  @Test
  void truncatedSequencesProduceNothing() {
    for (byte[] t :
        List.of(
            bytes(IAC),
            bytes(IAC, WILL),
            bytes(IAC, SB),
            bytes(IAC, SB, NAWS, 0, 80),
            bytes(IAC, SB, NAWS, 0, 80, 0, 24, IAC),
            bytes("abc", IAC))) {
      Recorder.Run run = Recorder.run(2000, t);
      assertEquals(List.of(), run.events());
      assertArrayEquals(new byte[0], run.output());
    }
  }

  // ------------------------------------------------------------------ commands and data

  @Test
  void iacIacIsALiteral255NeverChatText() {
    // 255 alone is not UTF-8: it becomes U+FFFD
    assertEquals(List.of("line:a\uFFFDb"), events(bytes("a", IAC, IAC, "b\r\n")));
  }

  @Test
  void stray2ByteCommandsAreDropped() {
    assertEquals(
        List.of("line:abcdefg"),
        events(
            bytes(
                "a", IAC, SE, "b", IAC, NOP, "c", IAC, 'x', "d", IAC, GA, "e", IAC, DM, "f", IAC,
                AYT, "g\r\n")));
  }

  @Test
  void lineModeEditingCommands() {
    assertEquals(
        List.of("line:new", "line:ac"),
        events(bytes("old", IAC, IP, "new\r\n", "abX", IAC, EC, IAC, EC, "c", IAC, EL, "ac\r\n")));
  }

  @Test
  void interruptInCharacterModeClearsTheLine() {
    assertEquals(
        List.of("mode:char", "line:new", "line:ab"),
        events(bytes(IAC, DO, ECHO, "old", IAC, IP, "new\r", "abc", IAC, EC, "\r")));
  }

  // ------------------------------------------------------------------ split invariance

  static final List<byte[]> SEQUENCES =
      List.of(
          bytes(IAC, WILL, NAWS),
          bytes(IAC, WONT, TTYPE),
          bytes(IAC, DO, ECHO),
          bytes(IAC, DONT, SGA),
          bytes(IAC, DO, 99),
          bytes(IAC, WILL, 99),
          bytes(IAC, WILL, TTYPE),
          bytes(IAC, WONT, 99),
          bytes(IAC, DONT, 99),
          bytes(IAC, WILL, ECHO),
          bytes(IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE),
          bytes(IAC, SB, NAWS, 0, IAC, IAC, 1, 0, IAC, SE),
          bytes(IAC, SB, TTYPE, 0, "XTERM", IAC, SE),
          bytes(IAC, IAC),
          bytes(IAC, NOP),
          bytes(IAC, IP),
          bytes(IAC, EC),
          bytes(IAC, EL),
          bytes(IAC, AYT),
          bytes(IAC, SE),
          bytes(IAC, SB, IAC, SE),
          bytes(IAC, SB, TTYPE, 0, "ab", IAC, WILL, 99),
          // a whole Debian telnet handshake, then typing and CR NUL
          bytes(
              IAC,
              DO,
              ECHO,
              IAC,
              DO,
              SGA,
              IAC,
              WILL,
              NAWS,
              IAC,
              WILL,
              TTYPE,
              IAC,
              SB,
              NAWS,
              0,
              80,
              0,
              24,
              IAC,
              SE,
              IAC,
              SB,
              TTYPE,
              0,
              "XTERM",
              IAC,
              SE,
              "hé\u00e9字",
              0x7f,
              0x1b,
              '[',
              'D',
              0x1b,
              'O',
              'H',
              "x\r",
              0,
              0x1b,
              '[',
              'A',
              "\r\n"));

  @Test
  void everySequenceSplitAtEveryPositionGivesTheSameResult() {
    for (byte[] seq : SEQUENCES) {
      for (boolean charMode : new boolean[] {false, true}) {
        byte[] stream =
            charMode
                ? bytes(IAC, DO, ECHO, IAC, SB, NAWS, 0, 20, 0, 5, IAC, SE, "ab", seq, "cd\r\n")
                : bytes("ab", seq, "cd\r\n");
        Recorder.Run whole = Recorder.run(2000, stream);
        for (int cut = 1; cut < stream.length; cut++) {
          Recorder.Run split = Recorder.run(2000, stream, cut);
          assertEquals(whole.events(), split.events(), "cut at " + cut);
          assertEquals(whole.outputHex(), split.outputHex(), "cut at " + cut);
        }
        int[] all = new int[stream.length - 1];
        for (int i = 0; i < all.length; i++) {
          all[i] = i + 1;
        }
        Recorder.Run bytewise = Recorder.run(2000, stream, all);
        assertEquals(whole.events(), bytewise.events());
        assertEquals(whole.outputHex(), bytewise.outputHex());
        assertTrue(
            whole.events().stream().anyMatch(e -> e.startsWith("line:") && e.endsWith("cd")),
            "data after the sequence survives: " + whole.events());
      }
    }
  }
}

package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static parley.telnet.Recorder.bytes;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Line mode: clients that do not negotiate (nc, scripts). */
class LineAssemblerTest {

  private static List<String> events(int max, byte[] stream, int... cuts) {
    Recorder.Run run = Recorder.run(max, stream, cuts);
    assertArrayEquals(new byte[0], run.output(), "line mode never echoes");
    return run.events();
  }

  @Test
  void everyLineEndEndsExactlyOneLine() {
    byte[] s =
        bytes("crlf\r\n", "crnul\r", 0, "lf\n", "cr\r", "last\r\n", "\r\n", "\n", "\r", "x\n\r");
    List<String> expected =
        List.of(
            "line:crlf",
            "line:crnul",
            "line:lf",
            "line:cr",
            "line:last",
            "line:",
            "line:",
            "line:",
            "line:x",
            "line:");
    assertEquals(expected, events(2000, s));
    for (int cut = 1; cut < s.length; cut++) {
      assertEquals(expected, events(2000, s, cut), "cut at " + cut);
    }
  }

  @Test
  void crAtEndOfOneReadAndLfAtStartOfNextIsOneLineEnd() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(r);
    in.feed(bytes("hello\r"));
    assertEquals(List.of("line:hello"), r.events, "CR ends the line at once");
    in.feed(bytes("\nworld\r"));
    in.feed(bytes(0));
    in.feed(bytes("again\n"));
    assertEquals(List.of("line:hello", "line:world", "line:again"), r.events);
  }

  @Test
  void lfAfterCrAcrossAnIacSequenceIsStillOneLineEnd() {
    assertEquals(List.of("line:a", "line:b"), events(2000, bytes("a\r", 255, 241, "\nb\n")));
  }

  @Test
  void utf8IsDecodedAndInvalidBytesBecomeReplacementCharacters() {
    assertEquals(
        List.of("line:héllo 字 😀", "line:a\uFFFDb\uFFFD", "line:\uFFFD\uFFFD"),
        events(
            2000, bytes("héllo 字 😀\r\n", "a", 0xC3, "b", 0xE4, 0xB8, "\r\n", 0xC0, 0xAF, "\r\n")));
  }

  @Test
  void controlBytesAndEscapeSequencesAreRemoved() {
    assertEquals(
        List.of("line:ab c", "line:up", "line:x"),
        events(
            2000,
            bytes(
                "a", 0x01, "b", 0x09, "c", 0x00, 0x07, 0x1b, "\r\n", "u", 0x1b, '[', 'A', 0x1b, 'O',
                'B', "p", 0x1b, '[', '1', ';', '5', 'C', "\r\n", "x", 0xC2, 0x9B,
                "\r\n"))); // U+009B (C1 CSI) removed
  }

  /** The old key parser passed B of ESC ( B and the x after ESC O into the line. */
  @Test
  void escapeSequencesAreReadAsEcma48Says() {
    assertEquals(
        List.of("line:ab", "line:ab", "line:aéb", "line:b"),
        events(
            2000,
            bytes(
                "a",
                0x1b,
                "(Bb\r\n",
                "a",
                0x1b,
                "Oxb\r\n",
                "a",
                0x1b,
                "éb\r\n",
                0x1b,
                "]0;title é",
                0x07,
                "b\n")));
  }

  @Test
  void backspaceErasesWholeCharacters() {
    assertEquals(
        List.of("line:hé", "line:"),
        events(2000, bytes("hé字", 0x7f, "\r\n", "字", 0x08, 0x08, "\r\n")));
  }

  @Test
  void overlongLineIsRefusedOnceAndTheNextLineWorks() {
    assertEquals(
        List.of("line:1234567890", "tooLong:11", "line:ok", "tooLong:25", "line:ok2"),
        events(
            10,
            bytes("1234567890\r\n", "12345678901\r\n", "ok\r\n", "x".repeat(25), "\n", "ok2\n")));
  }

  @Test
  void overlongLineIsNeverBuffered() {
    Recorder r = new Recorder();
    TelnetInput in = new TelnetInput(100, r);
    byte[] chunk = "y".repeat(64 * 1024).getBytes();
    for (int i = 0; i < 160; i++) { // 10 MiB without a line end
      in.feed(chunk);
    }
    assertEquals("", in.partialInput());
    in.feed(bytes("\r\nnext\r\n"));
    assertEquals(List.of("tooLong:" + (160 * 64 * 1024), "line:next"), r.events);
  }

  @Test
  void interruptAbandonsARefusedLineWithoutReport() {
    assertEquals(List.of("line:ok"), events(4, bytes("toolong", 255, 244, "ok\r\n")));
  }

  @Test
  void multiByteCharactersCountInBytes() {
    // "é" is 2 bytes: 5 of them are 10 bytes, 6 are 12
    assertEquals(List.of("line:ééééé", "tooLong:12"), events(10, bytes("ééééé\n", "éééééé\n")));
  }
}

package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static parley.telnet.Recorder.bytes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Character mode: server-side echo and line editing, checked on an emulated screen. */
class LineEditorTest {

  static final int IAC = 255;
  static final String LEFT = "\u001b[D", RIGHT = "\u001b[C", UP = "\u001b[A", DOWN = "\u001b[B";

  /** A character-mode client with a terminal of {@code cols} columns that reported NAWS. */
  static final class Session {
    final Recorder rec = new Recorder();
    final TelnetInput in;
    final MiniTerminal term;

    Session(int cols, int maxLineBytes, String prompt) {
      in = new TelnetInput(maxLineBytes, rec);
      term = new MiniTerminal(cols);
      term.feed(in.greeting());
      in.feed(
          bytes(IAC, 253, 1, IAC, 253, 3, IAC, 251, 31, IAC, 250, 31, 0, cols, 0, 24, IAC, 240));
      term.feed(in.takeOutput());
      in.prompt(prompt);
      term.feed(in.takeOutput());
      assertTrue(in.characterMode());
    }

    Session(int cols) {
      this(cols, 2000, "> ");
    }

    /** Feeds keystrokes; returns what the server sent back. */
    byte[] type(Object... keys) {
      in.feed(bytes(keys));
      byte[] out = in.takeOutput();
      term.feed(out);
      return out;
    }

    void chat(String... lines) {
      term.feed(in.beforeOutput());
      for (String l : lines) {
        term.feed((l + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
      term.feed(in.afterOutput());
    }

    List<String> screen() {
      return term.screen();
    }
  }

  @Test
  void typingIsEchoedAsIs() {
    Session s = new Session(80);
    assertEquals(List.of("> "), List.of(s.term.rowText(0) + " "));
    assertArrayEquals(bytes("a"), s.type("a"));
    assertArrayEquals(bytes("bé字😀"), s.type("bé字😀"));
    assertEquals(List.of("> abé字😀"), s.screen());
    assertEquals("0,9", s.term.cursor()); // 2 + 1 + 1 + 1 + 2 + 2
    s.type("\r\n");
    assertEquals(List.of("line:abé字😀"), lines(s));
    assertEquals(List.of("> abé字😀", ">"), s.screen());
    assertEquals("1,2", s.term.cursor());
  }

  @Test
  void multiByteCharactersSplitAcrossReadsAreOneCharacter() {
    Session s = new Session(80);
    byte[] b = "字😀".getBytes(StandardCharsets.UTF_8);
    for (byte x : b) {
      s.type(x & 0xff);
    }
    assertEquals("字😀", s.in.partialInput());
    assertEquals(List.of("> 字😀"), s.screen());
  }

  @Test
  void invalidUtf8BecomesReplacementCharacter() {
    Session s = new Session(80);
    s.type("a", 0xC3, "b", 0xFE, 0xFF, 0xFF, 0xE4, 0xB8); // FF FF is IAC IAC: one 0xFF byte
    s.type("\r");
    assertEquals(List.of("line:a\uFFFDb\uFFFD\uFFFD\uFFFD"), lines(s));
  }

  @Test
  void backspaceRemovesWholeMultiByteCharacters() {
    Session s = new Session(80);
    s.type("hé字😀e\u0301");
    s.type(0x7f);
    assertEquals("hé字😀", s.in.partialInput(), "e + combining acute is one unit");
    s.type(0x7f);
    assertEquals("hé字", s.in.partialInput());
    s.type(0x08);
    assertEquals("hé", s.in.partialInput());
    s.type(0x08);
    assertEquals(List.of("> h"), s.screen());
    assertEquals("0,3", s.term.cursor());
    s.type(0x08, 0x08, 0x08);
    assertEquals("", s.in.partialInput());
    assertEquals("0,2", s.term.cursor());
  }

  @Test
  void ctrlWDeletesTheWordBeforeTheCursor() {
    Session s = new Session(80);
    s.type("hello big  world");
    s.type(0x17);
    assertEquals("hello big  ", s.in.partialInput());
    s.type(0x17);
    assertEquals("hello ", s.in.partialInput());
    s.type(0x15, "one two three", 0x01, RIGHT.repeat(8), 0x17);
    assertEquals("one three", s.in.partialInput());
    assertEquals(List.of("> one three"), s.screen());
    assertEquals("0,6", s.term.cursor());
  }

  @Test
  void ctrlUAndCtrlCAndInterruptClearTheLine() {
    Session s = new Session(80);
    s.type("abc", 0x15);
    assertEquals(List.of(">"), s.screen());
    s.type("abc", 0x03);
    assertEquals("", s.in.partialInput());
    s.type("abc", IAC, 244);
    assertEquals("", s.in.partialInput());
    s.type("x\r");
    assertEquals(List.of("line:x"), lines(s));
  }

  @Test
  void ctrlDQuitsOnlyOnAnEmptyLine() {
    Session s = new Session(80);
    s.type("ab", 0x01, 0x04);
    assertEquals("b", s.in.partialInput(), "Ctrl-D deletes under the cursor");
    s.type(0x04);
    assertEquals("", s.in.partialInput());
    assertFalse(s.rec.events.contains("quit"));
    s.type(0x04);
    assertTrue(s.rec.events.contains("quit"));
  }

  @Test
  void cursorMovesAndInsertsInTheMiddle() {
    Session s = new Session(80);
    s.type("abc", LEFT, LEFT, "X");
    assertEquals("aXbc", s.in.partialInput());
    assertEquals(List.of("> aXbc"), s.screen());
    assertEquals("0,4", s.term.cursor());
    s.type(0x01, "<");
    assertEquals("0,3", s.term.cursor());
    s.type(0x05, ">");
    assertEquals("<aXbc>", s.in.partialInput());
    s.type(
        "\u001b[H",
        "1",
        "\u001b[F",
        "2",
        "\u001b[1~",
        "3",
        "\u001b[4~",
        "4",
        "\u001bOH",
        "5",
        "\u001bOF",
        "6");
    assertEquals("531<aXbc>246", s.in.partialInput());
    s.type("\u001bOD", "\u001bOD", "\u001bOC", 0x02, 0x06, "!");
    assertEquals("531<aXbc>24!6", s.in.partialInput());
    s.type("\u001b[3~", 0x0b);
    assertEquals("531<aXbc>24!", s.in.partialInput());
    assertEquals(List.of("> 531<aXbc>24!"), s.screen());
  }

  @Test
  void cursorMovesOverWideCharactersByTheirWidth() {
    Session s = new Session(80);
    s.type("a字😀b", LEFT, LEFT);
    assertEquals("0,5", s.term.cursor());
    s.type(LEFT);
    assertEquals("0,3", s.term.cursor());
    s.type(0x7f);
    assertEquals("字😀b", s.in.partialInput());
    assertEquals(List.of("> 字😀b"), s.screen());
    assertEquals("0,2", s.term.cursor());
  }

  @Test
  void cursorAndDeletionStepOverWholeEmojiClusters() {
    Session s = new Session(80);
    s.type("a❤️b👩‍💻🇩🇪1️⃣");
    assertEquals(List.of("> a❤️b👩‍💻🇩🇪1️⃣"), s.screen());
    assertEquals("0,12", s.term.cursor()); // 2 + 1 + 2 + 1 + 2 + 2 + 2
    s.type(LEFT);
    assertEquals("0,10", s.term.cursor());
    s.type(LEFT);
    assertEquals("0,8", s.term.cursor());
    s.type(LEFT, LEFT);
    assertEquals("0,5", s.term.cursor());
    s.type(LEFT);
    assertEquals("0,3", s.term.cursor());
    s.type(RIGHT);
    assertEquals("0,5", s.term.cursor());
    s.type(0x7f);
    assertEquals("ab👩‍💻🇩🇪1️⃣", s.in.partialInput(), "Backspace removes ❤ with its U+FE0F");
    assertEquals("0,3", s.term.cursor());
    s.type("\u001b[3~");
    assertEquals("a👩‍💻🇩🇪1️⃣", s.in.partialInput(), "Delete removes b");
    s.type("\u001b[3~");
    assertEquals("a🇩🇪1️⃣", s.in.partialInput(), "Delete removes the ZWJ sequence");
    s.type(0x05, 0x7f);
    assertEquals("a🇩🇪", s.in.partialInput(), "Backspace removes the keycap");
    s.type(0x7f);
    assertEquals("a", s.in.partialInput(), "Backspace removes the flag");
    assertEquals(List.of("> a"), s.screen());
    assertEquals("0,3", s.term.cursor());
  }

  @Test
  void variationSelectorWidensTheSymbolBeforeIt() {
    Session s = new Session(80);
    s.type("x❤");
    assertEquals("0,4", s.term.cursor());
    s.type("\uFE0F");
    assertEquals(List.of("> x❤️"), s.screen());
    assertEquals("0,5", s.term.cursor());
    s.type(LEFT);
    assertEquals("0,3", s.term.cursor());
    s.type("y");
    assertEquals("xy❤️", s.in.partialInput());
    assertEquals(List.of("> xy❤️"), s.screen());
    assertEquals("0,4", s.term.cursor());
  }

  @Test
  void aCharacterThatJoinsTheNextClusterLeavesTheCursorAfterIt() {
    Session s = new Session(80);
    s.type("👩💻", LEFT, "\u200D");
    assertEquals("👩‍💻", s.in.partialInput());
    assertEquals(List.of("> 👩‍💻"), s.screen());
    assertEquals("0,4", s.term.cursor());
    s.type(0x15, "🇩🇪", 0x01, "🇫"); // pairs up with 🇩 now: 🇫🇩 🇪
    assertEquals("🇫🇩🇪", s.in.partialInput());
    assertEquals("0,4", s.term.cursor());
    s.type(0x7f);
    assertEquals("🇪", s.in.partialInput());
    assertEquals("0,2", s.term.cursor());
  }

  @Test
  void anEmojiThatNoLongerFitsMovesToTheNextRow() {
    Session s = new Session(6);
    s.type("abc❤"); // "> abc" + ❤ fills the row exactly
    assertEquals(List.of("> abc❤"), s.screen());
    assertEquals("1,0", s.term.cursor());
    s.type("\uFE0F");
    assertEquals(List.of("> abc", "❤️"), s.screen());
    assertEquals("1,2", s.term.cursor());
    s.type(LEFT);
    assertEquals("1,0", s.term.cursor(), "on the cluster's first cell");
    s.type(LEFT);
    assertEquals("0,4", s.term.cursor());
  }

  @Test
  void historyWalksSubmittedLines() {
    Session s = new Session(80);
    s.type("first\r\n", "second\r\n", "draft");
    s.type(UP);
    assertEquals("second", s.in.partialInput());
    s.type("\u001bOA");
    assertEquals("first", s.in.partialInput());
    s.type(UP);
    assertEquals("first", s.in.partialInput());
    s.type(DOWN);
    assertEquals("second", s.in.partialInput());
    s.type("\u001bOB");
    assertEquals("draft", s.in.partialInput());
    s.type(DOWN);
    assertEquals("draft", s.in.partialInput());
    s.type(UP, 0x7f, "c\r");
    assertEquals(List.of("line:first", "line:second", "line:seconc"), lines(s));
    s.type(UP);
    assertEquals("seconc", s.in.partialInput());
    assertEquals("> seconc", s.screen().get(s.screen().size() - 1));
  }

  @Test
  void everyEnterFormEndsOneLineAlsoSplit() {
    Session s = new Session(80);
    s.type("a\r\n", "b\r", 0, "c\r", "d\n", "e\r");
    s.type("\n");
    s.type("f\r");
    s.type(0);
    s.type("\n");
    assertEquals(
        List.of("line:a", "line:b", "line:c", "line:d", "line:e", "line:f", "line:"), lines(s));
  }

  @Test
  void chatOutputNeverLandsInsideTheInput() {
    Session s = new Session(80);
    s.type("hello wor", LEFT, LEFT, LEFT);
    byte[] before = s.in.beforeOutput();
    assertArrayEquals(bytes("\r\u001b[J"), before);
    s.term.feed(before);
    s.term.feed(bytes("bob: hi\r\ncarol: yo\r\n"));
    s.term.feed(s.in.afterOutput());
    assertEquals(List.of("bob: hi", "carol: yo", "> hello wor"), s.screen());
    assertEquals("2,8", s.term.cursor());
    s.type("l");
    assertEquals(List.of("bob: hi", "carol: yo", "> hello lwor"), s.screen());
    assertEquals("2,9", s.term.cursor());
  }

  @Test
  void wrappedInputIsErasedAndRedrawnCompletely() {
    Session s = new Session(10);
    s.type("abcdefghijklmnopqrstuvw"); // "> " + 23 chars = 25 columns = 3 rows
    assertEquals(List.of("> abcdefgh", "ijklmnopqr", "stuvw"), s.screen());
    s.type(0x01, RIGHT.repeat(9)); // cursor before 'j'
    assertEquals("1,1", s.term.cursor());
    s.chat("news");
    assertEquals(List.of("news", "> abcdefgh", "ijklmnopqr", "stuvw"), s.screen());
    assertEquals("2,1", s.term.cursor());
    s.type("X");
    assertEquals(List.of("news", "> abcdefgh", "iXjklmnopq", "rstuvw"), s.screen());
    assertEquals("2,2", s.term.cursor());
  }

  @Test
  void inputExactlyFillingARowLeavesTheCursorOnTheNextRow() {
    Session s = new Session(10);
    s.type("12345678");
    assertEquals("1,0", s.term.cursor());
    assertFalse(s.term.pendingWrap);
    s.chat("x");
    assertEquals(List.of("x", "> 12345678"), s.screen());
    assertEquals("2,0", s.term.cursor());
    s.type("\r");
    assertEquals(List.of("x", "> 12345678", ">"), s.screen());
  }

  @Test
  void ctrlLRedrawsOnAClearedScreen() {
    Session s = new Session(80);
    s.chat("one", "two");
    s.type("abc", LEFT, 0x0c);
    assertEquals(List.of("> abc"), s.screen());
    assertEquals("0,4", s.term.cursor());
  }

  @Test
  void promptChangeRedraws() {
    Session s = new Session(80, 2000, "Nickname: ");
    assertEquals(List.of("Nickname:"), s.screen());
    s.type("alice\r");
    s.in.prompt("\u001b[1m>\u001b[0m ");
    s.term.feed(s.in.takeOutput());
    assertEquals(List.of("Nickname: alice", ">"), s.screen());
    s.type("hi");
    assertEquals("1,4", s.term.cursor());
  }

  @Test
  void submittedLineCanBeErased() {
    Session s = new Session(10);
    s.in.keepSubmittedLine(false);
    s.type("a long line here\r");
    assertEquals(List.of(">"), s.screen());
    s.chat("me: a long line here");
    assertEquals(List.of("me: a long", " line here", ">"), s.screen());
  }

  @Test
  void overlongInputIsRefusedThenTheNextLineWorks() {
    Session s = new Session(80, 10, "> ");
    s.type("1234567890");
    assertEquals(0, s.term.bells);
    s.type("1");
    assertEquals(1, s.term.bells);
    assertEquals(List.of(">"), s.screen(), "the refused input is cleared");
    s.type("234", LEFT, 0x7f, "\r\n");
    assertEquals(
        List.of("tooLong:14"), s.rec.events.subList(s.rec.events.size() - 1, s.rec.events.size()));
    s.type("ok\r");
    assertEquals("line:ok", s.rec.events.get(s.rec.events.size() - 1));
    s.type("12345678901", 0x03, "ok2\r");
    assertEquals(
        "line:ok2", s.rec.events.get(s.rec.events.size() - 1), "Ctrl-C abandons a refused line");
  }

  @Test
  void beforeAndAfterOutputAreEmptyInLineModeAndIdempotentInCharacterMode() {
    TelnetInput line = new TelnetInput(new Recorder());
    assertArrayEquals(new byte[0], line.beforeOutput());
    assertArrayEquals(new byte[0], line.afterOutput());
    Session s = new Session(80);
    s.type("abc");
    assertArrayEquals(new byte[0], s.in.afterOutput(), "input already shown");
    assertArrayEquals(bytes("\r\u001b[J"), s.in.beforeOutput());
    assertArrayEquals(new byte[0], s.in.beforeOutput(), "already erased");
    assertArrayEquals(bytes("> abc"), s.in.afterOutput());
  }

  @Test
  void pendingEchoIsFlushedByBeforeOutputSoOrderIsKept() {
    Session s = new Session(80);
    List<byte[]> written = new ArrayList<>();
    // a server that answers a line synchronously from the listener callback
    s.in.feed(bytes("hi\r"));
    // (the echo of "hi\r" is pending; beforeOutput must return it first)
    byte[] before = s.in.beforeOutput();
    written.add(before);
    assertTrue(new String(before, StandardCharsets.UTF_8).startsWith("hi\r\n> "));
    for (byte[] b : written) {
      s.term.feed(b);
    }
    s.term.feed(bytes("alice: hi\r\n"));
    s.term.feed(s.in.afterOutput());
    assertEquals(List.of("> hi", "alice: hi", ">"), s.screen());
  }

  private static List<String> lines(Session s) {
    return s.rec.events.stream().filter(e -> e.startsWith("line:")).toList();
  }

  // ------------------------------------------------------------------ randomized screen model

  private static final String[] CHARS = {
    "a", "b", " ", "é", "字", "😀", "e\u0301", "z", "x", "Ω", "❤️", "👩‍💻", "🇩🇪", "1️⃣", "👍🏽",
    "❤︎"
  };
  private static final String[] KEYS = {
    LEFT,
    RIGHT,
    UP,
    DOWN,
    "\u001bOD",
    "\u001bOC",
    "\u001b[H",
    "\u001b[F",
    "\u001b[1~",
    "\u001b[4~",
    "\u001b[3~",
    "\u0001",
    "\u0005",
    "\u0002",
    "\u0006",
    "\u0008",
    "\u007f",
    "\u0017",
    "\u0015",
    "\u0003",
    "\u000b"
  };
  private static final String[] ENTERS = {"\r\n", "\r\u0000", "\r", "\n"};

  /**
   * Random keystrokes, chat output and Enter on terminals of random width: after every step the
   * screen must show exactly the chat lines and submitted lines, then the prompt and the input,
   * with the cursor on the cell where the next character would be inserted.
   */
  @Test
  void randomEditingKeepsTheScreenExact() {
    Random rnd = new Random(20240611);
    for (int round = 0; round < Integer.getInteger("fuzzRounds", 300); round++) {
      int cols = 6 + rnd.nextInt(30);
      String prompt = List.of("> ", "", "Nickname: ", "\u001b[32m>\u001b[0m ").get(rnd.nextInt(4));
      boolean keep = rnd.nextBoolean();
      Session s = new Session(cols, 20 + rnd.nextInt(60), prompt);
      s.in.keepSubmittedLine(keep);
      StringBuilder transcript = new StringBuilder();
      boolean crPending = false;
      for (int step = 0; step < 60; step++) {
        int kind = rnd.nextInt(10);
        String before = s.in.partialInput();
        int eventsBefore = s.rec.events.size();
        if (kind < 5) {
          s.type(CHARS[rnd.nextInt(CHARS.length)].repeat(1 + rnd.nextInt(4)));
          crPending = false;
        } else if (kind < 8) {
          s.type(KEYS[rnd.nextInt(KEYS.length)]);
          crPending = false;
        } else if (kind == 8) {
          String line = "chat " + step + " " + "w".repeat(rnd.nextInt(2 * cols));
          s.chat(line);
          transcript.append(line).append("\r\n");
        } else {
          String enter = ENTERS[rnd.nextInt(ENTERS.length)];
          s.type(enter);
          List<String> ev = s.rec.events.subList(eventsBefore, s.rec.events.size());
          boolean swallowed = crPending && enter.equals("\n");
          crPending = enter.equals("\r");
          if (swallowed) {
            assertEquals(List.of(), ev, "LF after CR is part of the same line end");
          } else if (ev.size() == 1 && ev.get(0).startsWith("line:")) {
            assertEquals("line:" + before, ev.get(0));
            if (keep) {
              transcript.append(prompt).append(before).append("\r\n");
            }
          } else {
            assertEquals(1, ev.size(), ev.toString());
            assertTrue(ev.get(0).startsWith("tooLong:"), ev.toString());
          }
        }
        checkScreen(s, cols, transcript.toString(), prompt, "round " + round + " step " + step);
      }
    }
  }

  private static void checkScreen(
      Session s, int cols, String transcript, String prompt, String where) {
    String input = s.in.partialInput();
    int cursor = s.in.cursorForTest();
    MiniTerminal expected = new MiniTerminal(cols);
    expected.feed((transcript + prompt + input).getBytes(StandardCharsets.UTF_8));
    assertEquals(expected.screen(), s.screen(), where + " input=" + input);
    MiniTerminal upToCursor = new MiniTerminal(cols);
    String head = input.substring(0, input.offsetByCodePoints(0, cursor));
    upToCursor.feed((transcript + prompt + head).getBytes(StandardCharsets.UTF_8));
    String want = upToCursor.cursor();
    if (!upToCursor.pendingWrap && cursor < input.codePointCount(0, input.length())) {
      long next = TerminalText.clusterAt(input, head.length());
      if (next >>> 32 == 2 && upToCursor.col + 2 > cols) {
        want = (upToCursor.row + 1) + ",0";
      }
    }
    assertFalse(s.term.pendingWrap, where);
    assertEquals(want, s.term.cursor(), where + " input=" + input + " cursor=" + cursor);
  }

  @Test
  void aSecretLineIsNeverEchoedAndEditsByItself() {
    Session s = new Session(80, 2000, "Password for ann: ");
    s.type("x\r"); // a line just ended with CR; its LF comes after the secret begins
    s.in.readSecret();
    byte[] echoed = s.type("\n", "s3cr", 0xc3, 0xa9, "tX", 0x7f, "!", "\r", "\n");
    assertEquals(
        List.of("x", "s3cr\u00e9t!"), s.rec.lines, "the LF of the earlier line is skipped");
    assertEquals("\r\n", new String(echoed, StandardCharsets.UTF_8), "only the Enter is echoed");
    assertFalse(s.in.readingSecret());
    s.type("up");
    assertEquals("up", s.in.partialInput(), "after it, typing is echoed and edited as before");
    s.type(27, "[A"); // the editing history has "x" only, not the secret
    assertEquals("x", s.in.partialInput());

    Recorder lr = new Recorder();
    TelnetInput line = new TelnetInput(lr);
    line.readSecret();
    line.feed(bytes("pass", 21, "word", 8, "d\r\n"));
    assertArrayEquals(new byte[0], line.takeOutput(), "a line-mode client gets nothing back");
    assertEquals(List.of("word"), lr.lines, "Ctrl-U and Backspace edited it");
  }
}

package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Display widths, wrapping and colour capability. */
class TerminalTextTest {

  @Test
  void widths() {
    assertEquals(1, TerminalText.width('a'));
    assertEquals(1, TerminalText.width('é'));
    assertEquals(0, TerminalText.width(0x301));
    assertEquals(2, TerminalText.width('字'));
    assertEquals(2, TerminalText.width(0x1F600));
    assertEquals(2, TerminalText.width(0xFF21)); // fullwidth A
    assertEquals(0, TerminalText.width(0x1b));
    assertEquals(7, TerminalText.width("a字é😀e\u0301"));
    assertEquals(5, TerminalText.width("\u001b[1;31mhello\u001b[0m"));
  }

  @Test
  void wrapBreaksAtSpacesAndCountsColumns() {
    assertEquals(List.of("short"), TerminalText.wrap("short", 10));
    assertEquals(List.of("anything"), TerminalText.wrap("anything", 0));
    assertEquals(List.of("alice: the", "quick", "brown fox"), TerminalText.wrap("alice: the quick brown fox", 10));
    assertEquals(List.of("abcdefghij", "klm"), TerminalText.wrap("abcdefghijklm", 10));
    assertEquals(List.of("字字字字", "字"), TerminalText.wrap("字字字字字", 9));
    assertEquals(List.of("\u001b[1mbob\u001b[0m: hello", "world"),
        TerminalText.wrap("\u001b[1mbob\u001b[0m: hello world", 10));
    assertEquals(List.of("ab", "cd"), TerminalText.wrap("ab cd", 2));
    assertEquals(List.of("字", "字"), TerminalText.wrap("字字", 1), "a too-wide character still advances");
  }

  @Test
  void wrappedRowsFitAndKeepAllText() {
    Random rnd = new Random(7);
    String[] parts = {"a", "bb ", " ", "字", "😀", "e\u0301", "\u001b[32m", "\u001b[0m", "word ", "x"};
    for (int n = 0; n < 5000; n++) {
      StringBuilder sb = new StringBuilder();
      for (int i = rnd.nextInt(40); i > 0; i--) {
        sb.append(parts[rnd.nextInt(parts.length)]);
      }
      String line = sb.toString();
      int cols = 2 + rnd.nextInt(20);
      List<String> rows = TerminalText.wrap(line, cols);
      for (String r : rows) {
        assertTrue(TerminalText.width(r) <= cols, () -> "row too wide: " + r);
      }
      // only spaces at breaks are dropped
      assertEquals(line.replace(" ", ""), String.join("", rows).replace(" ", ""));
    }
  }

  @Test
  void colourFromTerminalType() {
    for (String t : List.of("xterm", "XTERM-256COLOR", "screen.xterm-256color", "tmux-256color", "linux",
        "rxvt-unicode", "ansi", "vt100-color", "putty", "konsole")) {
      assertTrue(TerminalText.colorCapable(t), t);
    }
    for (String t : new String[] {"vt100", "vt102", "vt220", "dumb", "unknown", "", null}) {
      assertFalse(TerminalText.colorCapable(t), String.valueOf(t));
    }
  }
}

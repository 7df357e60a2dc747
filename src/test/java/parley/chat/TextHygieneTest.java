package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TextHygieneTest {

  @Test
  void cleanTextIsUntouched() {
    String s = "hello wörld ☃ 😄 <b>markup</b> & stuff";
    assertSame(s, TextHygiene.clean(s));
  }

  @Test
  void escapeSequencesAreRemoved() {
    assertEquals("red", TextHygiene.clean("\u001b[31mred\u001b[0m"));
    assertEquals("ab", TextHygiene.clean("a\u001b[2J\u001b[Hb"));
    assertEquals("ab", TextHygiene.clean("a\u001b]0;evil title\u0007b"));
    assertEquals("ab", TextHygiene.clean("a\u001b]8;;http://x\u001b\\b"));
    assertEquals("ab", TextHygiene.clean("a\u009b31mb"));
    assertEquals("ab", TextHygiene.clean("a\u001bPdevice control\u001b\\b"));
    assertEquals("ab", TextHygiene.clean("a\u001b(Bb"));
    assertEquals("ab", TextHygiene.clean("a\u001bcb"));
    assertEquals("a", TextHygiene.clean("a\u001b["));
  }

  /**
   * Where TextHygiene, telnet's EscapeParser and TerminalText used to read sequences differently.
   */
  @Test
  void sequencesAreReadAsTheTerminalReadsThem() {
    assertEquals(
        "ab", TextHygiene.clean("a\u001bOPb"), "SS3 applies to the next character (P was kept)");
    assertEquals(
        "ab", TextHygiene.clean("a\u001b\u001b[Ab"), "ESC restarts a sequence ([A was kept)");
    assertEquals("aéb", TextHygiene.clean("a\u001b[éb"), "text cuts a CSI short (é was dropped)");
    assertEquals("aéb", TextHygiene.clean("a\u001béb"), "text after ESC stays (é was dropped)");
    assertEquals(
        "ab", TextHygiene.clean("a\u001b]0;title\nb"), "a line end ends a string (b was dropped)");
    assertEquals("ab", TextHygiene.clean("a\u009d0;t\u009cb"));
    assertEquals("ab", TextHygiene.clean("a\u001b]0;t\u001b[31mb"));
  }

  @Test
  void controlCharactersAreRemovedAndTabsBecomeSpaces() {
    assertEquals("ab c", TextHygiene.clean("a\u0000\u0007\bb\tc\u007f\u0085"));
    assertEquals("line", TextHygiene.clean("line\r\n"));
  }

  @Test
  void randomTextNeverKeepsAControlCharacter() {
    Random r = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(40);
      for (int j = 0; j < n; j++) {
        b.append(
            r.nextInt(4) == 0
                ? (char) r.nextInt(0x30)
                : r.nextInt(5) == 0 ? (char) (0x80 + r.nextInt(0x20)) : (char) r.nextInt(0x3000));
      }
      String out = TextHygiene.clean(b.toString());
      assertFalse(
          out.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)),
          () -> "kept a control in " + out);
    }
  }
}

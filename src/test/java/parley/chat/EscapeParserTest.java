package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one ECMA-48 parser, fed one character at a time and scanning strings. */
class EscapeParserTest {

  /** Feeds all of {@code s}; returns the results as a string of T(ext), M(ore), D(one). */
  private static String feed(EscapeParser p, String s) {
    StringBuilder out = new StringBuilder();
    s.chars().forEach(c -> out.append("TMD".charAt(p.feed(c))));
    return out.toString();
  }

  @Test
  void csiWithParametersAndFinal() {
    EscapeParser p = new EscapeParser();
    assertEquals("MMMMMD", feed(p, "\u001b[1;5C"));
    assertEquals(EscapeParser.KIND_CSI, p.kind());
    assertEquals('C', p.finalChar());
    assertEquals(1, p.firstParameter());
    assertFalse(p.privateOrIntermediate());
    assertEquals("MMD", feed(p, "\u009b3~"), "C1 CSI");
    assertEquals(3, p.firstParameter());
    assertEquals("MMD", feed(p, "\u001b[A"));
    assertEquals(-1, p.firstParameter());
    assertEquals("MMMMD", feed(p, "\u001b[?1h"));
    assertTrue(p.privateOrIntermediate());
    assertFalse(p.overlong());
    feed(p, "\u001b[" + "1;".repeat(9) + "~");
    assertTrue(p.overlong());
  }

  @Test
  void singleShiftsOtherEscapesAndStrings() {
    EscapeParser p = new EscapeParser();
    assertEquals("MMD", feed(p, "\u001bOA"));
    assertEquals(EscapeParser.KIND_SS3, p.kind());
    assertEquals('A', p.finalChar());
    assertEquals("MD", feed(p, "\u008fB"), "C1 SS3");
    assertEquals(EscapeParser.KIND_SS3, p.kind());
    assertEquals("MMD", feed(p, "\u001bNx"));
    assertEquals(EscapeParser.KIND_SS2, p.kind());
    assertEquals("MMD", feed(p, "\u001b(B"));
    assertEquals(EscapeParser.KIND_ESC, p.kind());
    assertEquals('B', p.finalChar());
    assertEquals("MD", feed(p, "\u001bx"), "Alt-x");
    assertEquals(EscapeParser.KIND_ESC, p.kind());
    assertEquals("MMMMMD", feed(p, "\u001b]0;t\u0007"));
    assertEquals(EscapeParser.KIND_STRING, p.kind());
    assertEquals("MMMMD", feed(p, "\u001bPq\u001b\\"), "DCS ended by ST");
    assertEquals(EscapeParser.KIND_STRING, p.kind());
    assertEquals("MMMD", feed(p, "\u009dé字\u009c"), "C1 OSC and ST hold any text");
    assertEquals(
        "MMMMD", feed(p, "\u001b_a\u001bc"), "ESC other than ST ends the string and starts anew");
    assertEquals(EscapeParser.KIND_ESC, p.kind());
    assertEquals('c', p.finalChar());
  }

  @Test
  void whatCannotContinueASequenceIsText() {
    EscapeParser p = new EscapeParser();
    assertEquals("MT", feed(p, "\u001b\r"));
    assertEquals("MMMT", feed(p, "\u001b[1\r"));
    assertEquals("MMMMTT", feed(p, "\u001b]0;\ra"), "a line end is never swallowed by a string");
    assertEquals("MMT", feed(p, "\u001b[é"));
    assertEquals("MT", feed(p, "\u001bé"));
    assertEquals("MT", feed(p, "\u001b\u007f"));
    assertEquals("MMMD", feed(p, "\u001b\u001b[A"), "ESC restarts");
    assertEquals("MMMMMD", feed(p, "\u001b[1\u001b[A"));
    assertEquals("TT", feed(p, "\u009ca"), "a lone ST is a control character, the caller's");
  }

  @Test
  void utf8BytesAreNeverC1() {
    EscapeParser p = new EscapeParser();
    assertEquals(EscapeParser.TEXT, p.feedUtf8Byte(0xC2));
    assertEquals(EscapeParser.TEXT, p.feedUtf8Byte(0x9B));
    assertEquals(EscapeParser.MORE, p.feedUtf8Byte(0x1b));
    assertEquals(EscapeParser.MORE, p.feedUtf8Byte(']'));
    assertEquals(EscapeParser.MORE, p.feedUtf8Byte(0xC3), "text of a string");
    assertEquals(EscapeParser.MORE, p.feedUtf8Byte(0x9C), "not ST: part of a UTF-8 character");
    assertEquals(EscapeParser.DONE, p.feedUtf8Byte(0x07));
  }

  @Test
  void lengthInAString() {
    assertEquals(0, EscapeParser.length("abc", 0));
    assertEquals(5, EscapeParser.length("\u001b[31mred", 0));
    assertEquals(1, EscapeParser.length("\u001b", 0), "a lone ESC at the end");
    assertEquals(4, EscapeParser.length("a\u001b[12", 1), "unfinished: to the end");
    assertEquals(2, EscapeParser.length("\u001b[字m", 0), "cut short before the character");
    assertEquals(6, EscapeParser.length("\u001b]0;t\u0007x", 0));
    assertEquals(5, EscapeParser.length("\u001b]0;t\nx", 0), "to the line end");
    assertEquals(3, EscapeParser.length("\u001bOPx", 0));
  }
}

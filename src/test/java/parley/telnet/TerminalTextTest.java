package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import parley.chat.Emoji;

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
  void graphemeClusterWidths() {
    assertEquals(1, TerminalText.width("❤"));
    assertEquals(2, TerminalText.width("❤️"), "U+FE0F: emoji presentation");
    assertEquals(2, TerminalText.width("☀️"));
    assertEquals(2, TerminalText.width("⚠️"));
    assertEquals(2, TerminalText.width("©️"));
    assertEquals(1, TerminalText.width("❤︎"), "U+FE0E: text presentation");
    assertEquals(2, TerminalText.width("👩‍💻"), "ZWJ sequence");
    assertEquals(2, TerminalText.width("🏳️‍🌈"));
    assertEquals(2, TerminalText.width("👍🏽"), "skin tone");
    assertEquals(2, TerminalText.width("🇩🇪"), "flag");
    assertEquals(4, TerminalText.width("🇩🇪🇫🇷"));
    assertEquals(3, TerminalText.width("🇩🇪🇫"), "a lone regional indicator");
    assertEquals(2, TerminalText.width("1️⃣"), "keycap");
    assertEquals(2, TerminalText.width("#️⃣"));
    assertEquals(1, TerminalText.width("#️"), "an ASCII character is not widened by U+FE0F alone");
    assertEquals(1, TerminalText.width("e\u0301\u0302"), "combining marks");
    assertEquals(2, TerminalText.width("\u1100\u1161\u11a8"), "Hangul jamo");
    assertEquals(1, TerminalText.width("a\u200d"), "ZWJ after a letter adds nothing");
    assertEquals(25, TerminalText.width("I ❤️ it ☀️ ⚠️ 👩‍💻 🇩🇪 1️⃣ 👍🏽"));
    assertEquals(6, TerminalText.width("\u001b[1m❤️\u001b[0m👩‍💻🇩🇪"));
  }

  @Test
  void everyShortcodeEmojiIsTwoColumns() {
    for (String code :
        List.of(
            "heart",
            "sun",
            "warning",
            "point_up",
            "keyboard",
            "smile",
            "thumbsup",
            "fire",
            "star",
            "zap",
            "coffee",
            "check",
            "x",
            "question",
            "sparkles",
            "tada",
            "shrug",
            "100")) {
      String emoji = Emoji.expand(":" + code + ":");
      assertEquals(2, TerminalText.width(emoji), code + " " + emoji);
    }
  }

  /** Where the old TerminalText read escape sequences unlike TextHygiene and the key parser. */
  @Test
  void escapeSequencesCountZeroAsTheParserReadsThem() {
    assertEquals(2, TerminalText.width("a\u001b]0;title\u0007b"), "OSC string (its text counted)");
    assertEquals(2, TerminalText.width("a\u001b(Bb"), "ESC ( B (B counted)");
    assertEquals(1, TerminalText.width("\u001bOPx"), "SS3 (P counted)");
    assertEquals(1, TerminalText.width("\u009b31mx"), "C1 CSI (31m counted)");
    assertEquals(3, TerminalText.width("\u001b[字m"), "text cuts a CSI short (all of it was zero)");
  }

  /** Cluster boundaries match java.util.regex's extended grapheme clusters on emoji-rich text. */
  @Test
  void clustersMatchTheJdkGraphemeRegex() {
    String[] pool = {
      "a",
      "1",
      "#",
      " ",
      "é",
      "\u0301",
      "字",
      "😀",
      "👩",
      "💻",
      "❤",
      "☀",
      "\uFE0F",
      "\uFE0E",
      "\u200D",
      "\u200D",
      "\uD83C\uDFFD",
      "🇩",
      "🇪",
      "\u20E3",
      "가",
      "©",
      "👍"
    };
    Pattern grapheme = Pattern.compile("\\X");
    Random rnd = new Random(11);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder sb = new StringBuilder();
      for (int i = rnd.nextInt(10); i > 0; i--) {
        sb.append(pool[rnd.nextInt(pool.length)]);
      }
      String s = sb.toString();
      List<Integer> want = new ArrayList<>();
      Matcher m = grapheme.matcher(s);
      while (m.find()) {
        want.add(m.end());
      }
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < s.length(); ) {
        i = (int) TerminalText.clusterAt(s, i);
        got.add(i);
      }
      assertEquals(want, got, s);
    }
  }

  @Test
  void wrapBreaksAtSpacesAndCountsColumns() {
    assertEquals(List.of("short"), TerminalText.wrap("short", 10));
    assertEquals(List.of("anything"), TerminalText.wrap("anything", 0));
    assertEquals(
        List.of("alice: the", "quick", "brown fox"),
        TerminalText.wrap("alice: the quick brown fox", 10));
    assertEquals(List.of("abcdefghij", "klm"), TerminalText.wrap("abcdefghijklm", 10));
    assertEquals(List.of("字字字字", "字"), TerminalText.wrap("字字字字字", 9));
    assertEquals(
        List.of("\u001b[1mbob\u001b[0m: hello", "world"),
        TerminalText.wrap("\u001b[1mbob\u001b[0m: hello world", 10));
    assertEquals(List.of("ab", "cd"), TerminalText.wrap("ab cd", 2));
    assertEquals(
        List.of("字", "字"), TerminalText.wrap("字字", 1), "a too-wide character still advances");
    assertEquals(
        List.of("❤️", "❤️", "❤️"), TerminalText.wrap("❤️❤️❤️", 3), "clusters are never split");
    assertEquals(List.of("ab👩‍💻", "🇩🇪e\u0301"), TerminalText.wrap("ab👩‍💻🇩🇪e\u0301", 4));
    assertEquals(List.of("a", "👩‍💻", "🇩🇪"), TerminalText.wrap("a👩‍💻🇩🇪", 2));
  }

  @Test
  void wrappedRowsFitAndKeepAllText() {
    Random rnd = new Random(7);
    String[] parts = {
      "a",
      "bb ",
      " ",
      "字",
      "😀",
      "e\u0301",
      "\u001b[32m",
      "\u001b[0m",
      "word ",
      "x",
      "❤️",
      "👩‍💻",
      "🇩🇪",
      "1️⃣"
    };
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
    for (String t :
        List.of(
            "xterm",
            "XTERM-256COLOR",
            "screen.xterm-256color",
            "tmux-256color",
            "linux",
            "rxvt-unicode",
            "ansi",
            "vt100-color",
            "putty",
            "konsole")) {
      assertTrue(TerminalText.colorCapable(t), t);
    }
    for (String t : new String[] {"vt100", "vt102", "vt220", "dumb", "unknown", "", null}) {
      assertFalse(TerminalText.colorCapable(t), String.valueOf(t));
    }
  }
}

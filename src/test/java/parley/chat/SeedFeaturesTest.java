package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeedFeaturesTest {

  @Test
  void emojiShortcodesExpandAndFoldBack() {
    assertTrue(Emoji.count() >= 50, "at least 50 shortcodes");
    assertEquals("I ❤️ it 🔥 👍 😄", Emoji.expand("I :heart: it :fire: :thumbsup: :smile:"));
    assertEquals(":notacode: stays", Emoji.expand(":notacode: stays"));
    assertEquals("time 10:30:00", Emoji.expand("time 10:30:00"));
    assertEquals("I :heart: it :fire: :thumbsup: :smile:", Emoji.toShortcodes("I ❤️ it 🔥 👍 😄"));
  }

  @Test
  void cowsayDrawsTheCow() {
    String cow = Cowsay.render("moo");
    String[] lines = cow.split("\n");
    assertEquals(" _____", lines[0]);
    assertEquals("< moo >", lines[1]);
    assertEquals(" -----", lines[2]);
    assertTrue(cow.contains("(oo)"));
    String multi =
        Cowsay.render("a fairly long sentence that certainly needs more than one line to fit");
    assertTrue(multi.contains("/ ") && multi.contains("\\ "), multi);
  }
}

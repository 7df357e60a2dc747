package parley.chat;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Emoji shortcodes such as {@code :smile:} or {@code :fire:}, expanded to UTF-8 emoji for everyone;
 * a terminal user who chose {@code /ascii} sees the shortcodes again ({@link #toShortcodes}).
 */
public final class Emoji {
  private static final Map<String, String> BY_CODE =
      Map.ofEntries(
          Map.entry("smile", "😄"),
          Map.entry("grin", "😁"),
          Map.entry("joy", "😂"),
          Map.entry("rofl", "🤣"),
          Map.entry("smiley", "😃"),
          Map.entry("wink", "😉"),
          Map.entry("blush", "😊"),
          Map.entry("heart_eyes", "😍"),
          Map.entry("kissing_heart", "😘"),
          Map.entry("thinking", "🤔"),
          Map.entry("neutral_face", "😐"),
          Map.entry("expressionless", "😑"),
          Map.entry("unamused", "😒"),
          Map.entry("roll_eyes", "🙄"),
          Map.entry("grimacing", "😬"),
          Map.entry("relieved", "😌"),
          Map.entry("pensive", "😔"),
          Map.entry("sleepy", "😪"),
          Map.entry("sleeping", "😴"),
          Map.entry("sunglasses", "😎"),
          Map.entry("nerd", "🤓"),
          Map.entry("confused", "😕"),
          Map.entry("worried", "😟"),
          Map.entry("cry", "😢"),
          Map.entry("sob", "😭"),
          Map.entry("angry", "😠"),
          Map.entry("rage", "😡"),
          Map.entry("scream", "😱"),
          Map.entry("sweat_smile", "😅"),
          Map.entry("innocent", "😇"),
          Map.entry("upside_down", "🙃"),
          Map.entry("slightly_smiling_face", "🙂"),
          Map.entry("partying_face", "🥳"),
          Map.entry("heart", "❤️"),
          Map.entry("broken_heart", "💔"),
          Map.entry("thumbsup", "👍"),
          Map.entry("+1", "👍"),
          Map.entry("thumbsdown", "👎"),
          Map.entry("-1", "👎"),
          Map.entry("ok_hand", "👌"),
          Map.entry("clap", "👏"),
          Map.entry("wave", "👋"),
          Map.entry("pray", "🙏"),
          Map.entry("muscle", "💪"),
          Map.entry("raised_hands", "🙌"),
          Map.entry("point_up", "☝️"),
          Map.entry("eyes", "👀"),
          Map.entry("fire", "🔥"),
          Map.entry("100", "💯"),
          Map.entry("star", "⭐"),
          Map.entry("sparkles", "✨"),
          Map.entry("tada", "🎉"),
          Map.entry("rocket", "🚀"),
          Map.entry("zap", "⚡"),
          Map.entry("boom", "💥"),
          Map.entry("coffee", "☕"),
          Map.entry("beer", "🍺"),
          Map.entry("pizza", "🍕"),
          Map.entry("cake", "🍰"),
          Map.entry("sun", "☀️"),
          Map.entry("rainbow", "🌈"),
          Map.entry("cat", "🐱"),
          Map.entry("dog", "🐶"),
          Map.entry("poop", "💩"),
          Map.entry("skull", "💀"),
          Map.entry("ghost", "👻"),
          Map.entry("robot", "🤖"),
          Map.entry("check", "✅"),
          Map.entry("x", "❌"),
          Map.entry("warning", "⚠️"),
          Map.entry("question", "❓"),
          Map.entry("bulb", "💡"),
          Map.entry("lock", "🔒"),
          Map.entry("key", "🔑"),
          Map.entry("bug", "🐛"),
          Map.entry("computer", "💻"),
          Map.entry("keyboard", "⌨️"),
          Map.entry("moon", "🌙"),
          Map.entry("cow", "🐮"),
          Map.entry("train", "🚆"),
          Map.entry("shrug", "🤷"),
          Map.entry("facepalm", "🤦"),
          Map.entry("hug", "🤗"),
          Map.entry("laughing", "😆"),
          Map.entry("stuck_out_tongue", "😛"),
          Map.entry("money", "💰"),
          Map.entry("gift", "🎁"),
          Map.entry("music", "🎵"));
  private static final Map<String, String> BY_EMOJI = new HashMap<>();
  private static final Pattern CODE = Pattern.compile(":([a-z0-9_+-]{1,32}):");
  private static final Pattern ANY_EMOJI;

  static {
    // an emoji with several codes folds back to the wordy one (:thumbsup:, not :+1:), whatever the
    // map order
    Comparator<String> preferred =
        Comparator.<String, Boolean>comparing(c -> !Character.isLetter(c.charAt(0)))
            .thenComparing(Comparator.naturalOrder());
    BY_CODE.forEach(
        (code, emoji) ->
            BY_EMOJI.merge(emoji, code, (a, b) -> preferred.compare(a, b) <= 0 ? a : b));
    StringBuilder alt = new StringBuilder();
    BY_EMOJI.keySet().stream()
        .sorted((a, b) -> b.length() - a.length())
        .forEach(e -> alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(e)));
    ANY_EMOJI = Pattern.compile(alt.toString());
  }

  private Emoji() {}

  public static int count() {
    return BY_CODE.size();
  }

  /** Replaces every known {@code :shortcode:} with its emoji; unknown ones stay as typed. */
  public static String expand(String text) {
    if (text.indexOf(':') < 0) {
      return text;
    }
    Matcher m = CODE.matcher(text);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String emoji = BY_CODE.get(m.group(1));
      if (emoji == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(text, last, m.start()).append(emoji);
      last = m.end();
    }
    return out == null ? text : out.append(text, last, text.length()).toString();
  }

  /** Turns every known emoji back into its shortcode, for terminals that can't show them. */
  public static String toShortcodes(String text) {
    if (text.chars().allMatch(c -> c < 0x2000)) {
      return text;
    }
    return ANY_EMOJI
        .matcher(text)
        .replaceAll(r -> Matcher.quoteReplacement(":" + BY_EMOJI.get(r.group()) + ":"));
  }
}

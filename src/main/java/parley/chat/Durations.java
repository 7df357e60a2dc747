package parley.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as people type them: {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}; a bare
 * number is minutes.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,9})([smhd]?)");

  private Durations() {}

  /**
   * @return seconds, or -1 when the text is not a duration
   */
  public static long parseSeconds(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> n;
      case "h" -> n * 3600;
      case "d" -> n * 86400;
      default -> n * 60;
    };
  }

  /** Compact human form: {@code 45s}, {@code 3m}, {@code 2h05m}, {@code 3d}. */
  public static String format(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return (seconds / 60) + "m";
    }
    if (seconds < 86400) {
      long m = (seconds % 3600) / 60;
      return (seconds / 3600) + "h" + (m == 0 ? "" : String.format("%02dm", m));
    }
    return (seconds / 86400) + "d";
  }
}

package parley.chat;

import java.util.Locale;
import java.util.regex.Pattern;

/** Nickname rules: 1 to 24 letters, digits, '_' or '-', unique case-insensitively. */
public final class Nick {
  public static final int MAX_LENGTH = 24;
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]+");

  private Nick() {}

  /**
   * @return why {@code nick} is not acceptable, or {@code null} when it is.
   */
  public static String problem(String nick, int maxLength) {
    if (nick == null || nick.isEmpty()) {
      return "a nickname needs at least one character";
    }
    if (nick.length() > maxLength) {
      return "a nickname has at most " + maxLength + " characters";
    }
    if (!VALID.matcher(nick).matches()) {
      return "a nickname may contain only letters, digits, '_' and '-'";
    }
    return null;
  }

  /** The key under which a nickname is claimed: nicknames differing only in case collide. */
  public static String key(String nick) {
    return nick.toLowerCase(Locale.ROOT);
  }
}

package parley.chat;

import java.util.Locale;
import java.util.regex.Pattern;

/** Room names: written {@code #dev} or {@code dev}, stored lower-case without the '#'. */
public final class RoomName {
  public static final int MAX_LENGTH = 32;
  private static final Pattern VALID = Pattern.compile("[a-z0-9_-]+");

  private RoomName() {}

  /** Lower-cases and strips one leading '#'. Does not validate. */
  public static String normalize(String name) {
    String n = name.startsWith("#") ? name.substring(1) : name;
    return n.toLowerCase(Locale.ROOT);
  }

  /**
   * @return why the normalized name is not acceptable, or {@code null} when it is.
   */
  public static String problem(String normalized, int maxLength) {
    if (normalized.isEmpty()) {
      return "a room name needs at least one character";
    }
    if (normalized.length() > maxLength) {
      return "a room name has at most " + maxLength + " characters";
    }
    if (!VALID.matcher(normalized).matches()) {
      return "a room name may contain only letters, digits, '_' and '-'";
    }
    return null;
  }

  public static String display(String room) {
    return "#" + room;
  }
}

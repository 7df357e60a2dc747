package parley.chat;

import java.util.Locale;

/** What an account may do beyond chatting. Granted with /grant, removed with /revoke. */
public enum Role {
  /** Everything a moderator may, and granting and revoking roles. */
  ADMIN,
  /** Kick, mute and ban. */
  MODERATOR;

  /** The role named (case-insensitively), or null. */
  public static Role parse(String name) {
    for (Role r : values()) {
      if (r.name().equalsIgnoreCase(name)) {
        return r;
      }
    }
    return null;
  }

  /** As users type it: {@code admin}, {@code moderator}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}

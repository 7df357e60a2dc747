package parley.chat;

import java.util.Base64;

/**
 * A stored password: the derived key and everything needed to derive it again from a password
 * (algorithm, iterations, salt). Never the password itself. Salt and key are Base64 (standard, with
 * padding), so the record is immutable and compares by value.
 *
 * <p>Written as {@code pbkdf2-sha256$<iterations>$<salt>$<key>}.
 */
public record PasswordHash(String algorithm, int iterations, String salt, String key) {
  /** PBKDF2 with HMAC-SHA256, the only algorithm so far. */
  public static final String PBKDF2_SHA256 = "pbkdf2-sha256";

  public PasswordHash {
    if (!PBKDF2_SHA256.equals(algorithm)) {
      throw new IllegalArgumentException("unknown password hash algorithm " + algorithm);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be positive");
    }
    Base64.getDecoder().decode(salt); // rejects what is not Base64
    Base64.getDecoder().decode(key);
  }

  /** The stored form, {@code algorithm$iterations$salt$key}. */
  public String encode() {
    return algorithm + '$' + iterations + '$' + salt + '$' + key;
  }

  /**
   * @throws IllegalArgumentException for a string {@link #encode} did not write
   */
  public static PasswordHash parse(String s) {
    String[] parts = s.split("\\$", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not a password hash");
    }
    int iterations;
    try {
      iterations = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a password hash", e);
    }
    return new PasswordHash(parts[0], iterations, parts[2], parts[3]);
  }

  /** No key material in logs or exceptions. */
  @Override
  public String toString() {
    return "PasswordHash[" + algorithm + ", " + iterations + " iterations]";
  }
}

package parley.chat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Passwords and session tokens, with the JDK's own primitives: PBKDF2WithHmacSHA256 for passwords
 * (salted, slow; OWASP's 600,000 iterations by default), {@link MessageDigest#isEqual} for
 * constant-time comparison, SHA-256 of random tokens so that only hashes are stored.
 *
 * <p>Hashing a password takes tenths of a second on purpose: call {@link #hash} and {@link #verify}
 * off the event loop.
 */
public final class Credentials {
  /** OWASP Password Storage Cheat Sheet (2023) for PBKDF2-HMAC-SHA256. */
  public static final int DEFAULT_ITERATIONS = 600_000;

  /** The fewest iterations accepted from the configuration. */
  public static final int MIN_ITERATIONS = 100_000;

  public static final int MIN_PASSWORD_LENGTH = 8;
  public static final int MAX_PASSWORD_LENGTH = 200;

  private static final int SALT_BYTES = 16;
  private static final int KEY_BITS = 256;
  private static final int TOKEN_BYTES = 32;

  private Credentials() {}

  /**
   * @return why {@code password} can't be used, or null when it can
   */
  public static String problem(char[] password) {
    if (password.length < MIN_PASSWORD_LENGTH) {
      return "a password needs at least " + MIN_PASSWORD_LENGTH + " characters";
    }
    if (password.length > MAX_PASSWORD_LENGTH) {
      return "a password has at most " + MAX_PASSWORD_LENGTH + " characters";
    }
    for (char c : password) {
      if (Character.isISOControl(c)) {
        return "a password may not contain control characters";
      }
    }
    return null;
  }

  /** A new salted hash of {@code password}. Slow: not on an event loop. */
  public static PasswordHash hash(char[] password, int iterations, SecureRandom random) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return new PasswordHash(
        PasswordHash.PBKDF2_SHA256,
        iterations,
        b64.encodeToString(salt),
        b64.encodeToString(derive(password, salt, iterations)));
  }

  /**
   * Whether {@code password} is the one {@code stored} was made from; the keys are compared in
   * constant time. Slow: not on an event loop.
   */
  public static boolean verify(char[] password, PasswordHash stored) {
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] expected = b64.decode(stored.key());
    byte[] actual = derive(password, b64.decode(stored.salt()), stored.iterations());
    return MessageDigest.isEqual(expected, actual);
  }

  /** Whether {@code stored} was made with fewer iterations than wanted now (rehash at login). */
  public static boolean outdated(PasswordHash stored, int iterations) {
    return stored.iterations() < iterations;
  }

  private static byte[] derive(char[] password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEY_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
    } finally {
      spec.clearPassword();
    }
  }

  /** A new session token: 32 random bytes, Base64url without padding (43 characters). */
  public static String newToken(SecureRandom random) {
    byte[] b = new byte[TOKEN_BYTES];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** What is stored of a token: its SHA-256, in hex. A token is random, so no salt is needed. */
  public static String tokenHash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Overwrites a password once it is no longer needed. */
  public static void clear(char[] password) {
    Arrays.fill(password, '\0');
  }
}

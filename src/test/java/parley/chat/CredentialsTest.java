package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int FAST = Credentials.MIN_ITERATIONS;

  @Test
  void theRightPasswordVerifiesAndAWrongOneDoesNot() {
    PasswordHash h = Credentials.hash("correct horse".toCharArray(), FAST, RANDOM);
    assertTrue(Credentials.verify("correct horse".toCharArray(), h));
    assertFalse(Credentials.verify("correct horsf".toCharArray(), h));
    assertFalse(Credentials.verify("Correct horse".toCharArray(), h));
    assertFalse(Credentials.verify("".toCharArray(), h));
  }

  @Test
  void theHashIsSaltedAndHoldsNoPassword() {
    char[] pw = "hunter2hunter2".toCharArray();
    PasswordHash a = Credentials.hash(pw, FAST, RANDOM);
    PasswordHash b = Credentials.hash(pw, FAST, RANDOM);
    assertNotEquals(a.salt(), b.salt(), "a new salt each time");
    assertNotEquals(a.key(), b.key(), "so the same password hashes differently");
    assertEquals(16, Base64.getDecoder().decode(a.salt()).length);
    assertEquals(32, Base64.getDecoder().decode(a.key()).length);
    assertFalse(a.encode().contains("hunter2"), a.encode());
    assertFalse(a.toString().contains(a.key()), "no key material in toString");
    assertTrue(Credentials.verify(pw, b));
  }

  @Test
  void theStoredFormRoundTripsWithItsParameters() {
    PasswordHash h = Credentials.hash("a long password".toCharArray(), FAST + 1, RANDOM);
    String stored = h.encode();
    assertTrue(stored.startsWith("pbkdf2-sha256$" + (FAST + 1) + "$"), stored);
    PasswordHash back = PasswordHash.parse(stored);
    assertEquals(h, back);
    assertTrue(Credentials.verify("a long password".toCharArray(), back));
    assertTrue(Credentials.outdated(back, Credentials.DEFAULT_ITERATIONS));
    assertFalse(Credentials.outdated(back, FAST));
  }

  @Test
  void damagedStoredFormsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("plain"));
    assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse("md5$1$AAAA$AAAA"));
    assertThrows(
        IllegalArgumentException.class, () -> PasswordHash.parse("pbkdf2-sha256$x$AAAA$AAAA"));
    assertThrows(
        IllegalArgumentException.class, () -> PasswordHash.parse("pbkdf2-sha256$0$AAAA$AAAA"));
    assertThrows(
        IllegalArgumentException.class, () -> PasswordHash.parse("pbkdf2-sha256$5$!!$AAAA"));
  }

  @Test
  void passwordRules() {
    assertNull(Credentials.problem("eight ch".toCharArray()));
    assertNotNull(Credentials.problem("seven c".toCharArray()));
    assertNotNull(Credentials.problem("x".repeat(201).toCharArray()));
    assertNull(Credentials.problem("x".repeat(200).toCharArray()));
    assertNotNull(Credentials.problem("bad\u001b[31mpassword".toCharArray()));
    assertNull(Credentials.problem("pässwörd ünïcode".toCharArray()));
  }

  @Test
  void tokensAreRandomAndOnlyTheirHashIsKept() {
    String t1 = Credentials.newToken(RANDOM);
    String t2 = Credentials.newToken(RANDOM);
    assertNotEquals(t1, t2);
    assertEquals(43, t1.length());
    assertTrue(t1.matches("[A-Za-z0-9_-]+"), "URL-safe: " + t1);
    String h = Credentials.tokenHash(t1);
    assertEquals(64, h.length());
    assertEquals(h, Credentials.tokenHash(t1), "the same token, the same hash");
    assertNotEquals(h, Credentials.tokenHash(t2));
    assertFalse(h.contains(t1));
  }

  @Test
  void clearOverwritesThePassword() {
    char[] pw = "secret password".toCharArray();
    Credentials.clear(pw);
    assertEquals("\0".repeat(15), new String(pw));
  }
}

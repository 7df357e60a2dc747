package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WrongPasswordsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void anAccountIsLockedAfterItsLimitUntilTheOldestFailureAgesOut() {
    WrongPasswords w = new WrongPasswords(3, 100, Duration.ofMinutes(5));
    for (int i = 0; i < 3; i++) {
      assertEquals(Duration.ZERO, w.locked("alice", "10.0.0." + i, T0.plusSeconds(i)));
      w.failed("alice", "10.0.0." + i, T0.plusSeconds(i));
    }
    assertEquals(Duration.ofSeconds(300), w.locked("alice", "10.0.0.9", T0));
    assertEquals(Duration.ofSeconds(1), w.locked("alice", "10.0.0.9", T0.plusSeconds(299)));
    assertEquals(Duration.ZERO, w.locked("alice", "10.0.0.9", T0.plusSeconds(300)));
    assertEquals(Duration.ZERO, w.locked("bob", "10.0.0.9", T0), "other accounts are not locked");
  }

  @Test
  void anAddressIsLockedAcrossAccounts() {
    WrongPasswords w = new WrongPasswords(100, 4, Duration.ofMinutes(5));
    for (int i = 0; i < 4; i++) {
      w.failed("user" + i, "10.0.0.1", T0);
    }
    assertEquals(Duration.ofMinutes(5), w.locked("someone", "10.0.0.1", T0));
    assertEquals(Duration.ZERO, w.locked("someone", "10.0.0.2", T0));
  }

  @Test
  void theRightPasswordResetsTheAccountButNotTheAddress() {
    WrongPasswords w = new WrongPasswords(2, 3, Duration.ofMinutes(5));
    w.failed("alice", "10.0.0.1", T0);
    w.failed("alice", "10.0.0.1", T0);
    assertEquals(Duration.ofMinutes(5), w.locked("alice", "10.0.0.2", T0));
    w.succeeded("alice");
    assertEquals(Duration.ZERO, w.locked("alice", "10.0.0.2", T0));
    w.failed("bob", "10.0.0.1", T0);
    assertEquals(Duration.ofMinutes(5), w.locked("mallory", "10.0.0.1", T0), "3 from the address");
  }

  @Test
  void expiredFailuresAreForgotten() {
    WrongPasswords w = WrongPasswords.standard();
    w.failed("alice", "10.0.0.1", T0);
    assertEquals(2, w.tracked(T0));
    assertEquals(0, w.tracked(T0.plus(Duration.ofMinutes(5))));
  }
}

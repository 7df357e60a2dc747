package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccountTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final PasswordHash H1 =
      new PasswordHash(PasswordHash.PBKDF2_SHA256, 100_000, "AAAA", "AAAA");
  private static final PasswordHash H2 =
      new PasswordHash(PasswordHash.PBKDF2_SHA256, 100_000, "BBBB", "BBBB");

  private static Account.Token token(int i) {
    return new Account.Token("hash" + i, Account.Token.WEB, T0.plusSeconds(i));
  }

  @Test
  void aNewAccountHasNothingButItsNameAndPassword() {
    Account a = Account.create("Alice", H1, T0);
    assertEquals("alice", a.key());
    assertEquals(Set.of(), a.roles());
    assertEquals(Map.of(), a.rooms());
    assertEquals(List.of(), a.tokens());
    assertFalse(a.may(Role.MODERATOR));
  }

  @Test
  void rolesAreASetAndAnAdminMayModerate() {
    Account a = Account.create("Alice", H1, T0).withRole(Role.MODERATOR);
    assertTrue(a.may(Role.MODERATOR));
    assertFalse(a.may(Role.ADMIN));
    Account admin = a.withRole(Role.ADMIN).withRole(Role.ADMIN);
    assertEquals(Set.of(Role.ADMIN, Role.MODERATOR), admin.roles());
    Account onlyAdmin = admin.withoutRole(Role.MODERATOR);
    assertTrue(onlyAdmin.may(Role.MODERATOR), "an admin may do what a moderator may");
    assertEquals(Set.of(), onlyAdmin.withoutRole(Role.ADMIN).roles());
    assertEquals(Role.ADMIN, Role.parse("Admin"));
    assertNull(Role.parse("root"));
    assertEquals("moderator", Role.MODERATOR.label());
  }

  @Test
  void tokensAreBoundedOldestFirstAndGoWithThePassword() {
    Account a = Account.create("Alice", H1, T0);
    for (int i = 0; i < Account.MAX_TOKENS + 3; i++) {
      a = a.withToken(token(i));
    }
    assertEquals(Account.MAX_TOKENS, a.tokens().size());
    assertNull(a.token("hash0"), "the oldest went");
    assertEquals(token(3), a.tokens().get(0));
    assertEquals(token(5), a.token("hash5"));
    Account without = a.withoutToken("hash5");
    assertNull(without.token("hash5"));
    assertEquals(Account.MAX_TOKENS - 1, without.tokens().size());
    Account changed = a.withPassword(H2);
    assertEquals(H2, changed.password());
    assertEquals(List.of(), changed.tokens(), "a new password drops every token");
    assertFalse(token(1).toString().contains("hash1"), "no token hash in logs");
  }

  @Test
  void roomsRememberTheHighestSeqAndAreBounded() {
    Account a = Account.create("Alice", H1, T0).seen("lobby", 5).seen("dev", 0);
    assertEquals(Map.of("lobby", 5L, "dev", 0L), a.rooms());
    assertSame(a, a.seen("lobby", 3), "the seq never goes back");
    assertEquals(9L, a.seen("lobby", 9).rooms().get("lobby"));
    assertEquals(Map.of("dev", 0L), a.forget("lobby").rooms());
    assertSame(a, a.forget("nowhere"));
    for (int i = 0; i < Account.MAX_ROOMS + 5; i++) {
      a = a.seen("r" + i, i);
    }
    assertEquals(Account.MAX_ROOMS, a.rooms().size());
    assertEquals(5L, a.rooms().get("lobby"), "the earlier rooms stay");
  }

  @Test
  void accountsCompareByValue() {
    Account a = Account.create("Alice", H1, T0).withRole(Role.ADMIN).seen("lobby", 1);
    Account b = Account.create("Alice", H1, T0).seen("lobby", 1).withRole(Role.ADMIN);
    assertEquals(a, b);
  }
}

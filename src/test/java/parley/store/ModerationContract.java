package parley.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import parley.chat.Account;
import parley.chat.Nick;
import parley.support.Eventually;

/**
 * The moderation part of the {@link ChatStore} contract: bans, mutes and the reports of them. A
 * test interface, so that a store's test class can implement it beside {@link ChatStoreContract};
 * for now only the local store does (the Hazelcast store has no moderation state; the Raft store
 * that replaces it will implement this).
 */
public interface ModerationContract {
  /**
   * The time the tests ask about. Ahead of the clock: a replicated store stamps changes with its
   * leader's clock and takes a ban or mute whose end has passed by then as over before it began.
   */
  Instant AT = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(3600);

  /** A fresh, empty store. */
  ChatStore store() throws Exception;

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  private static BanList.Ban ban(String address, String nick, Instant until) {
    return new BanList.Ban(address, nick, until, "op");
  }

  @Test
  default void aBanIsInForceUntilLifted() throws Exception {
    ChatStore s = store();
    assertNull(s.banned("10.0.0.1", AT));
    BanList.Ban b = ban("10.0.0.1", "Mallory", null);
    await(s.ban(b));
    assertEquals(b, s.banned("10.0.0.1", AT));
    assertEquals(b, s.banned("10.0.0.1", AT.plus(Duration.ofDays(3650))), "no end");
    assertNull(s.banned("10.0.0.2", AT), "only that address");
  }

  @Test
  default void aBanEndsAtItsTime() throws Exception {
    ChatStore s = store();
    BanList.Ban b = ban("10.0.0.1", null, AT.plusSeconds(60));
    await(s.ban(b));
    assertEquals(b, s.banned("10.0.0.1", AT));
    assertEquals(b, s.banned("10.0.0.1", AT.plusSeconds(59)));
    assertNull(s.banned("10.0.0.1", AT.plusSeconds(61)), "ended");
  }

  @Test
  default void aNewBanOfTheAddressReplacesTheOldOne() throws Exception {
    ChatStore s = store();
    await(s.ban(ban("10.0.0.1", null, AT.plusSeconds(60))));
    BanList.Ban longer = ban("10.0.0.1", "mallory", null);
    await(s.ban(longer));
    assertEquals(longer, s.banned("10.0.0.1", AT.plusSeconds(120)));
  }

  @Test
  default void unbanLiftsByAddressOrByNicknameCaseInsensitively() throws Exception {
    ChatStore s = store();
    BanList.Ban m1 = ban("10.0.0.1", "Mallory", null);
    BanList.Ban trudy = ban("10.0.0.2", "trudy", null);
    BanList.Ban m2 = ban("10.0.0.3", "mallory", AT.plusSeconds(600));
    await(s.ban(m1));
    await(s.ban(trudy));
    await(s.ban(m2));

    List<BanList.Ban> lifted = await(s.unban("MALLORY"));
    assertEquals(2, lifted.size(), "both bans made for the nickname: " + lifted);
    assertTrue(lifted.contains(m1) && lifted.contains(m2), lifted.toString());
    assertNull(s.banned("10.0.0.1", AT));
    assertNull(s.banned("10.0.0.3", AT));
    assertEquals(trudy, s.banned("10.0.0.2", AT), "other bans stay");

    assertEquals(List.of(trudy), await(s.unban("10.0.0.2")));
    assertNull(s.banned("10.0.0.2", AT));
    assertEquals(List.of(), await(s.unban("10.0.0.2")), "nothing left to lift");
    assertEquals(List.of(), await(s.unban("nobody")));
  }

  @Test
  default void muteIsPerNicknameCaseInsensitivelyAndEndsAtItsTime() throws Exception {
    ChatStore s = store();
    assertNull(s.muted("troll", AT));
    ChatStore.Mute m = new ChatStore.Mute("Troll", AT.plusSeconds(60), "op");
    await(s.mute(m));
    assertEquals(m, s.muted("troll", AT));
    assertEquals(m, s.muted("TROLL", AT.plusSeconds(59)));
    assertNull(s.muted("troll2", AT), "only that nickname");
    assertNull(s.muted("troll", AT.plusSeconds(61)), "ended");
  }

  @Test
  default void aMuteWithoutEndHoldsUntilLifted() throws Exception {
    ChatStore s = store();
    ChatStore.Mute m = new ChatStore.Mute("Troll", null, "op");
    await(s.mute(m));
    assertEquals(m, s.muted("troll", AT.plus(Duration.ofDays(3650))));
    assertTrue(await(s.unmute("TROLL")), "a mute was lifted");
    assertNull(s.muted("troll", AT));
    assertFalse(await(s.unmute("troll")), "none left");
    assertFalse(await(s.unmute("someone")));
  }

  @Test
  default void aNewMuteReplacesTheOldOne() throws Exception {
    ChatStore s = store();
    await(s.mute(new ChatStore.Mute("troll", AT.plusSeconds(60), "op")));
    ChatStore.Mute longer = new ChatStore.Mute("Troll", AT.plusSeconds(3600), "op2");
    await(s.mute(longer));
    assertEquals(longer, s.muted("troll", AT.plusSeconds(120)));
  }

  @Test
  default void everyChangeIsReportedOnce() throws Exception {
    ChatStore s = store();
    List<Object> reported = Collections.synchronizedList(new ArrayList<>());
    s.onModeration(reported::add, reported::add, nick -> reported.add("unmuted " + Nick.key(nick)));

    BanList.Ban b = ban("10.0.0.1", "mallory", null);
    await(s.ban(b));
    ChatStore.Mute m = new ChatStore.Mute("troll", AT.plusSeconds(60), "op");
    await(s.mute(m));
    assertTrue(await(s.unmute("Troll")));
    assertFalse(await(s.unmute("troll")), "lifting nothing changes nothing");
    await(s.unban("mallory"));
    assertTrue(await(s.unban("mallory")).isEmpty());

    Eventually.within(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertEquals(3, reported.size(), reported.toString()));
    Thread.sleep(100); // and no more
    assertEquals(List.of(b, m, "unmuted " + Nick.key("troll")), List.copyOf(reported));
    s.flush().get(10, TimeUnit.SECONDS); // completes, never fails
  }

  @Test
  default void anAccountBanIsKeptUnderTheAccountsMaskAndLiftedByIt() throws Exception {
    ChatStore s = store();
    String mask = Account.mask("Mallory");
    BanList.Ban b = ban(mask, "Mallory", null);
    await(s.ban(b));
    assertEquals(b, s.banned(Account.mask("MALLORY"), AT), "any case of the account's name");
    assertNull(s.banned("mallory", AT), "no nickname or address is banned by it");
    assertNull(s.banned("10.0.0.1", AT));
    assertNull(s.banned(Account.mask("trudy"), AT), "only that account");
    assertEquals(List.of(b), await(s.unban(mask)));
    assertNull(s.banned(mask, AT));
    BanList.Ban timed = ban(mask, "Mallory", AT.plusSeconds(60));
    await(s.ban(timed));
    assertEquals(timed, s.banned(mask, AT));
    assertNull(s.banned(mask, AT.plusSeconds(61)), "ended");
  }

  @Test
  default void anAccountMuteIsApartFromTheMuteOfItsNickname() throws Exception {
    ChatStore s = store();
    ChatStore.Mute m = new ChatStore.Mute(Account.mask("Troll"), AT.plusSeconds(60), "op");
    await(s.mute(m));
    assertEquals(m, s.muted(Account.mask("TROLL"), AT));
    assertNull(s.muted("troll", AT), "the nickname troll is not muted");
    assertTrue(await(s.unmute(Account.mask("troll"))));
    assertNull(s.muted(Account.mask("troll"), AT));
  }
}

package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /who}'s transports: an account used from several clients is one line with all of them. */
class WhoTest {
  private static final Instant T = Instant.parse("2026-12-03T20:00:00Z");

  private static UserRecord user(String nick, String via) {
    return new UserRecord(nick, via, "node-1", "s-" + nick, T, T);
  }

  @Test
  void severalClientsAreCountedPerTransport() {
    UserRecord alice = user("alice", "web");
    UserRecord bob = user("bob", "telnet");
    Reply.Who who =
        new Reply.Who(
            null,
            List.of(alice, bob),
            T,
            Map.of(),
            Map.of("alice", List.of("telnet", "web", "web"), "bob", List.of("telnet")),
            Map.of());
    assertEquals("telnet, web x2", who.transportSummary(alice));
    assertEquals(List.of("telnet", "web", "web"), who.transportsOf(alice));
    assertEquals("telnet", who.transportSummary(bob));
  }

  @Test
  void aUserWithoutKnownTransportsShowsItsOwn() {
    UserRecord carol = user("carol", "web");
    Reply.Who who = new Reply.Who("lobby", List.of(carol), T, Map.of(), Map.of(), Map.of());
    assertEquals(List.of("web"), who.transportsOf(carol));
    assertEquals("web", who.transportSummary(carol));
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Picking up where an account left off, and offline private messages (docs/ACCOUNTS.md), with real
 * telnet and WebSocket clients on one server: the rooms of a registered user are rejoined at its
 * next login, on either transport, with exactly what was said meanwhile (or a "missed" line when
 * the history no longer reaches back); a private message to it while it is away is kept and
 * delivered once at its next login.
 */
class ContinuityTest {
  /** Five messages kept per room, so that eight said while away show three missed. */
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put("accounts", new JsonObject().put("hashIterations", 100_000))
              .put("history", new JsonObject().put("retain", 5).put("replay", 5)));

  private static final Duration SLOW = Duration.ofSeconds(60); // hashing on a busy machine

  private static JsonObject say(String room, String text) {
    return new JsonObject().put("type", "say").put("room", room).put("text", text);
  }

  /** Says each line in the room and waits until it came back stored (with its seq). */
  private static void sayAll(WsClient c, String room, String... texts) throws Exception {
    for (String t : texts) {
      c.send(say(room, t));
      c.expect(
          f -> "message".equals(f.getString("type")) && t.equals(f.getString("text")),
          "the echo of " + t);
    }
  }

  /** Waits until only {@code n} users are left on the server (a closed session let go). */
  private static void awaitUsers(int n) {
    Eventually.within(SLOW)
        .untilAsserted(() -> assertEquals(n, server.parley().service().localUsers()));
  }

  private static WsClient webLogin(String nick, String password) throws Exception {
    WsClient c = WsClient.connect(server.clientVertx(), server.httpPort());
    c.send(new JsonObject().put("type", "hello").put("nick", nick).put("password", password));
    JsonObject welcome = c.expect("welcome");
    assertEquals(nick, welcome.getString("nick"));
    return c;
  }

  private static LineClient telnetLogin(String nick, String password) throws Exception {
    LineClient c = new LineClient(server.telnetPort());
    c.expectPrompt("Nickname:");
    c.send(nick);
    c.expectPrompt("Password for " + nick + ":");
    c.send(password);
    return c;
  }

  private static List<String> texts(JsonObject history) {
    List<String> out = new ArrayList<>();
    JsonArray messages = history.getJsonArray("messages");
    for (int i = 0; i < messages.size(); i++) {
      out.add(messages.getJsonObject(i).getString("text"));
    }
    return out;
  }

  /** Sends {@code /rooms} and waits for its answer: everything sent before has arrived. */
  /** The private frames the client got, read or not. */
  private static List<JsonObject> privates(WsClient c) {
    List<JsonObject> all = new ArrayList<>(c.seen());
    all.addAll(c.unread());
    return all.stream().filter(f -> "private".equals(f.getString("type"))).toList();
  }

  private static void sync(WsClient c) throws Exception {
    c.say("/rooms");
    c.expect("rooms");
  }

  @Test
  void aTelnetUserWhoQuitRejoinsBothRoomsOnTheWebWithExactlyWhatWasSaidMeanwhile()
      throws Exception {
    try (WsClient wally = WsClient.login(server.clientVertx(), server.httpPort(), "wally")) {
      wally.say("/join dev");
      wally.expect("joined");
      try (LineClient tina = LineClient.login(server.telnetPort(), "tina")) {
        tina.send("/register tinas-password");
        tina.expectContaining("is registered to you");
        tina.send("/join dev");
        tina.expectContaining("You are in #dev");
        sayAll(wally, "lobby", "lobby before");
        sayAll(wally, "dev", "dev before");
        tina.expectContaining("wally: lobby before");
        tina.expectContaining("wally: dev before");
        tina.send("/quit");
        tina.expectClosed();
      }
      awaitUsers(1);
      sayAll(wally, "lobby", "lobby 1", "lobby 2");
      sayAll(wally, "dev", "dev 1");

      try (WsClient tina = webLogin("tina", "tinas-password")) {
        JsonObject devHistory =
            tina.expect(
                f -> "history".equals(f.getString("type")) && "dev".equals(f.getString("room")),
                "the history of #dev");
        JsonObject lobbyHistory =
            tina.expect(
                f -> "history".equals(f.getString("type")) && "lobby".equals(f.getString("room")),
                "the history of #lobby");
        assertEquals(List.of("dev 1"), texts(devHistory));
        assertEquals(List.of("lobby 1", "lobby 2"), texts(lobbyHistory));
        sync(tina);
        List<String> joined = new ArrayList<>();
        for (JsonObject f : tina.seen()) {
          if ("joined".equals(f.getString("type"))) {
            joined.add(f.getString("room"));
          }
          assertFalse("missed".equals(f.getString("type")), "nothing missed: " + f.encode());
        }
        assertEquals(List.of("dev", "lobby"), joined, "each remembered room joined once");
      }
    }
  }

  @Test
  void messagesNoLongerKeptShowAsMissedOnTelnet() throws Exception {
    try (WsClient wally = WsClient.login(server.clientVertx(), server.httpPort(), "wally")) {
      try (WsClient tina = WsClient.login(server.clientVertx(), server.httpPort(), "tina")) {
        tina.say("/register tinas-password");
        tina.expect(
            f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
            "registered");
        sayAll(wally, "lobby", "m0");
        tina.expectMessage("m0");
      }
      awaitUsers(1);
      sayAll(wally, "lobby", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8");
    }
    try (LineClient tina = telnetLogin("tina", "tinas-password")) {
      tina.expectContaining("You are in #lobby");
      tina.expectContaining("-- missed 3 messages in #lobby (no longer kept) --");
      tina.expectContaining("-- 5 new in #lobby since you were last here --");
      for (int i = 4; i <= 8; i++) {
        String line = tina.expectContaining(": m");
        assertTrue(line.endsWith("wally: m" + i), line);
      }
    }
  }

  @Test
  void aPartedRoomIsForgottenAndIdentifyRemembersTheRoomsOfTheSession() throws Exception {
    try (WsClient wally = WsClient.login(server.clientVertx(), server.httpPort(), "wally")) {
      wally.say("/join dev");
      wally.expect("joined");
      try (WsClient ivan = WsClient.login(server.clientVertx(), server.httpPort(), "ivan")) {
        ivan.say("/register ivans-password");
        ivan.expect(
            f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
            "registered");
        ivan.say("/join dev");
        ivan.expect("joined");
        ivan.say("/leave lobby");
        ivan.expect("left");
      }
      awaitUsers(1);
      sayAll(wally, "dev", "dev while away");
      sayAll(wally, "lobby", "lobby while away");
    }
    try (LineClient ivan = telnetLogin("ivan", "ivans-password")) {
      ivan.expectContaining("You are in #dev");
      ivan.expectContaining("-- 1 new in #dev since you were last here --");
      ivan.expectContaining("wally: dev while away");
      // a guest again, in #lobby: /identify makes #lobby one of the account's rooms
      ivan.send("/logout");
      ivan.expectContaining("You are logged out of ivan");
      ivan.send("/join lobby");
      ivan.expectContaining("You are in #lobby");
      ivan.send("/identify ivans-password");
      ivan.expectContaining("You are logged in as ivan");
      ivan.send("/rooms");
      ivan.expectContaining("Rooms (");
      assertEquals(
          1, ivan.seen().stream().filter(l -> l.contains("You are in #dev")).count(), "#dev once");
      ivan.send("/quit");
      ivan.expectClosed();
    }
    awaitUsers(0);
    try (WsClient ivan = webLogin("ivan", "ivans-password")) {
      ivan.expect(
          f -> "joined".equals(f.getString("type")) && "dev".equals(f.getString("room")), "#dev");
      ivan.expect(
          f -> "joined".equals(f.getString("type")) && "lobby".equals(f.getString("room")),
          "#lobby");
    }
  }

  @Test
  void aPrivateMessageToAnOfflineAccountIsDeliveredOnceAtItsNextLogin() throws Exception {
    try (LineClient olga = LineClient.login(server.telnetPort(), "olga")) {
      olga.send("/register olgas-password");
      olga.expectContaining("is registered to you");
    }
    awaitUsers(0);
    Instant sent;
    try (WsClient pete = WsClient.login(server.clientVertx(), server.httpPort(), "pete")) {
      pete.say("/msg olga are you there?");
      JsonObject echo =
          pete.expect(f -> "private".equals(f.getString("type")), "the echo of the message");
      assertEquals(Boolean.TRUE, echo.getBoolean("queued"), echo.encode());
      assertEquals(null, echo.getBoolean("delayed"), echo.encode());
      assertEquals("olga", echo.getString("to"));
      sent = Instant.parse(echo.getString("ts"));
      JsonObject notice = pete.expect("notice");
      assertEquals(
          "olga is offline: your message will be delivered when they log in.",
          notice.getString("text"));
      pete.say("/msg nobody hello?");
      JsonObject error = pete.expect("error");
      assertEquals("no_such_nick", error.getString("code"), error.encode());
    }
    try (WsClient olga = webLogin("olga", "olgas-password")) {
      JsonObject pm = olga.expect("private");
      assertEquals(Boolean.TRUE, pm.getBoolean("delayed"), pm.encode());
      assertEquals("pete", pm.getString("nick"));
      assertEquals("web", pm.getString("via"));
      assertEquals("olga", pm.getString("to"));
      assertEquals("are you there?", pm.getString("text"));
      assertEquals(sent, Instant.parse(pm.getString("ts")), "its original time");
      sync(olga);
      assertEquals(
          1, olga.seen().stream().filter(f -> "private".equals(f.getString("type"))).count());
    }
    awaitUsers(0);
    // the next login, on the other transport, gets nothing again
    try (LineClient olga = telnetLogin("olga", "olgas-password")) {
      olga.expectContaining("You are in #lobby");
      olga.send("/rooms");
      olga.expectContaining("Rooms (");
      assertTrue(
          olga.seen().stream().noneMatch(l -> l.contains("are you there?")),
          "delivered once: " + olga.seen());
    }
  }

  @Test
  void telnetShowsAKeptMessageAsFromWhileYouWereAway() throws Exception {
    try (WsClient olga = WsClient.login(server.clientVertx(), server.httpPort(), "olga")) {
      olga.say("/register olgas-password");
      olga.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");
    }
    awaitUsers(0);
    try (LineClient pete = LineClient.login(server.telnetPort(), "pete")) {
      pete.send("/msg olga see you tomorrow");
      pete.expectContaining("-> *olga* see you tomorrow (kept until olga logs in)");
      pete.expectContaining("olga is offline: your message will be delivered when they log in.");
    }
    try (LineClient olga = telnetLogin("olga", "olgas-password")) {
      String line = olga.expectContaining("see you tomorrow");
      assertTrue(line.startsWith("(while you were away) ["), line);
      assertTrue(line.endsWith("*pete* see you tomorrow"), line);
    }
  }

  @Test
  void ofTwoLoginsAtOnceOnlyOneGetsTheKeptMessage() throws Exception {
    try (WsClient olga = WsClient.login(server.clientVertx(), server.httpPort(), "olga")) {
      olga.say("/register olgas-password");
      olga.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");
    }
    awaitUsers(0);
    try (WsClient pete = WsClient.login(server.clientVertx(), server.httpPort(), "pete")) {
      pete.say("/msg olga only once");
      pete.expect(f -> "private".equals(f.getString("type")), "the queued echo");
    }
    awaitUsers(0);
    JsonObject hello =
        new JsonObject().put("type", "hello").put("nick", "olga").put("password", "olgas-password");
    try (WsClient a = WsClient.connect(server.clientVertx(), server.httpPort());
        WsClient b = WsClient.connect(server.clientVertx(), server.httpPort())) {
      a.send(hello);
      b.send(hello);
      // both are welcomed (the second attaches as another client of the account: multiclient),
      // and the kept message is taken by one of the two logins only
      int delivered = 0;
      for (WsClient c : List.of(a, b)) {
        JsonObject outcome = c.expect("welcome");
        assertEquals("olga", outcome.getString("account"), outcome.encode());
      }
      Eventually.within(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> privates(a).size() + privates(b).size() >= 1);
      for (WsClient c : List.of(a, b)) {
        sync(c); // both logins are complete: a second delivery would be here by now
        privates(c).forEach(pm -> assertEquals("only once", pm.getString("text"), pm.encode()));
        delivered += privates(c).size();
      }
      assertEquals(1, delivered, "the message reached one login only");
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/** Rooms, private messages and resuming from a sequence number. */
class RoomsTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("history", new JsonObject().put("retain", 20).put("replay", 5)));

  @Test
  void roomsAreIsolatedAndSharedAcrossTransports() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob");
        LineClient carol = LineClient.login(server.telnetPort(), "carol")) {
      alice.send("/join #dev");
      alice.expectContaining("You are in #dev");
      bob.say("/join #dev");
      assertEquals("dev", bob.expect("joined").getString("room"));
      alice.expectContaining("bob (web) has joined #dev");

      alice.send("only for dev");
      JsonObject m = bob.expectMessage("only for dev");
      assertEquals("dev", m.getString("room"));
      assertEquals(1, m.getLong("seq"), "dev has its own sequence");

      bob.send(
          new JsonObject().put("type", "say").put("room", "lobby").put("text", "for the lobby"));
      carol.expectContaining("bob: for the lobby");
      // alice is in both rooms, with #dev current: the lobby line is prefixed with its room
      alice.expectContaining("[#lobby] ");

      carol.send("/rooms");
      carol.expectContaining("#dev  2 users");
      carol.send("marker");
      carol.expectContaining("carol: marker");
      assertFalse(
          carol.seen().stream().anyMatch(l -> l.contains("only for dev")),
          "nothing leaks out of #dev");

      alice.send("/topic Parley internals");
      JsonObject topic = bob.expect("topic");
      assertEquals("Parley internals", topic.getString("text"));
      alice.send("/leave #dev");
      alice.expectContaining("You left #dev");
      JsonObject leave = bob.expect("leave");
      assertEquals("dev", leave.getString("room"));
    }
  }

  @Test
  void privateMessagesReachOnlyTheTargetOnBothTransports() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob");
        LineClient carol = LineClient.login(server.telnetPort(), "carol")) {
      alice.send("/msg bob psst, telnet to web");
      JsonObject pm = bob.expect("private");
      assertEquals("alice", pm.getString("nick"));
      assertEquals("bob", pm.getString("to"));
      assertEquals("psst, telnet to web", pm.getString("text"));
      alice.expectContaining("-> *bob* psst, telnet to web");

      bob.say("/msg alice and back");
      alice.expectContaining("*alice*".replace("alice", "bob") + " and back");
      bob.say("/msg carol web to telnet");
      carol.expectContaining("*bob* web to telnet");

      alice.send("/msg nobody hello?");
      alice.expectContaining("no one is called \"nobody\"");

      carol.send("/history 50");
      carol.send("done");
      carol.expectContaining("carol: done");
      assertFalse(
          carol.seen().stream().anyMatch(l -> l.contains("psst") || l.contains("and back")),
          "carol saw no one else's private messages, and history has none: " + carol.seen());
      bob.say("/history 50");
      JsonArray hist = bob.expect("history").getJsonArray("messages");
      assertTrue(hist.stream().noneMatch(o -> o.toString().contains("psst")));
    }
  }

  @Test
  void resumeSinceASeqAndTheMissedCase() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      for (int i = 1; i <= 30; i++) {
        alice.send("m" + i);
        alice.expectContaining("alice: m" + i);
      }
      try (WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
        web.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "bob")
                .put("since", new JsonObject().put("lobby", 25)));
        JsonArray msgs = web.expect("history").getJsonArray("messages");
        assertEquals(
            List.of(26L, 27L, 28L, 29L, 30L),
            msgs.stream().map(o -> ((JsonObject) o).getLong("seq")).toList());
        alice.send("live");
        assertEquals(31L, web.expectMessage("live").getLong("seq"));
        assertTrue(web.seen().stream().noneMatch(f -> "missed".equals(f.getString("type"))));
      }
      // only the last 20 are retained: asking from seq 2 misses 3..11
      try (WsClient late = WsClient.connect(server.clientVertx(), server.httpPort())) {
        late.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "carol")
                .put("since", new JsonObject().put("lobby", 2)));
        JsonObject missed = late.expect("missed");
        assertEquals(9, missed.getLong("count"));
        JsonArray msgs = late.expect("history").getJsonArray("messages");
        assertEquals(20, msgs.size());
        assertEquals(12L, msgs.getJsonObject(0).getLong("seq"));
        assertEquals(31L, msgs.getJsonObject(19).getLong("seq"));
      }
    }
  }

  @Test
  void emojiAndCowsayAndAscii() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      bob.say("nice :fire: :thumbsup:");
      assertEquals("nice \uD83D\uDD25 \uD83D\uDC4D", bob.expect("message").getString("text"));
      alice.expectContaining("bob: nice \uD83D\uDD25 \uD83D\uDC4D");
      alice.send("/ascii on");
      alice.expectContaining("ascii is on");
      bob.say("again :heart:");
      alice.expectContaining("bob: again :heart:");

      alice.send("/cowsay moo");
      JsonObject cow =
          bob.expect(
              f -> "message".equals(f.getString("type")) && f.getString("text").contains("(oo)"),
              "cow");
      assertTrue(cow.getString("text").contains("< moo >"));
      alice.expectContaining("< moo >");
      alice.expectContaining("(oo)");
    }
  }
}

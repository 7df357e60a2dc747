package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import parley.support.ClientTest;
import parley.support.LineClient;
import parley.support.TestServer;
import parley.support.WsClient;

/**
 * Labeled responses: every reply to a WebSocket frame that carried an {@code id} carries the same
 * id.
 */
class RequestIdTest extends ClientTest {

  private static JsonObject say(String text, String id) {
    return new JsonObject().put("type", "say").put("text", text).put("id", id);
  }

  private static JsonObject expect(WsClient c, String type, String id) throws InterruptedException {
    return c.expect(
        f -> type.equals(f.getString("type")) && id.equals(f.getString("id")),
        "of type " + type + " with id " + id);
  }

  @Test
  void repliesCarryTheIdOfTheirRequestAndBroadcastsNone() throws Exception {
    server = TestServer.start();
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.connect(clientVertx, server.httpPort())) {
      bob.send(new JsonObject().put("type", "hello").put("nick", "bob").put("id", "h1"));
      assertEquals("bob", expect(bob, "welcome", "h1").getString("nick"));
      assertEquals("lobby", expect(bob, "joined", "h1").getString("room"));

      // /who answers after the store has listed the users (and, for a room, its members)
      bob.send(say("/who", "w1"));
      assertEquals(2, expect(bob, "who", "w1").getJsonArray("users").size());
      bob.send(say("/who #lobby", "w2"));
      assertEquals("lobby", expect(bob, "who", "w2").getString("room"));
      // an error found after a store call (no such user) ...
      bob.send(say("/msg nobody psst", "m1"));
      assertEquals("no_such_nick", expect(bob, "error", "m1").getString("code"));
      // ... and one found at once
      bob.send(say("/frobnicate", "b1"));
      assertEquals("unknown_command", expect(bob, "error", "b1").getString("code"));
      bob.send(new JsonObject().put("type", "dance").put("id", "t1"));
      assertEquals("bad_type", expect(bob, "error", "t1").getString("code"));

      bob.send(say("/join #dev", "j1"));
      assertEquals("dev", expect(bob, "joined", "j1").getString("room"));
      bob.send(say("hello dev", "s1"));
      bob.send(say("/history", "y1"));
      assertEquals(
          "hello dev",
          expect(bob, "history", "y1").getJsonArray("messages").getJsonObject(0).getString("text"));
      bob.send(say("/leave", "l1"));
      assertEquals("dev", expect(bob, "left", "l1").getString("room"));

      // events go to everyone alike: neither your own message nor others' carry an id
      alice.send("hi bob");
      assertFalse(bob.expectMessage("hi bob").containsKey("id"));
      bob.send(say("hi alice", "s2"));
      alice.expectContaining("bob: hi alice");
      assertFalse(bob.expectMessage("hi alice").containsKey("id"));
      bob.say("/help");
      assertFalse(
          bob.expect("notice").containsKey("id"), "a frame without an id gets replies without one");
    }
  }

  @Test
  void badIdsAreRefused() throws Exception {
    server = TestServer.start();
    try (WsClient web = WsClient.login(clientVertx, server.httpPort(), "carol")) {
      web.send(say("/who", null).put("id", 42));
      JsonObject err = web.expect("error");
      assertEquals("bad_id", err.getString("code"));
      assertFalse(err.containsKey("id"));
      web.send(say("/who", "x".repeat(65)));
      assertEquals("bad_id", web.expect("error").getString("code"));
      web.send(say("/who", "x".repeat(64)));
      assertEquals(
          "carol",
          expect(web, "who", "x".repeat(64))
              .getJsonArray("users")
              .getJsonObject(0)
              .getString("nick"));
    }
  }

  /** A line delayed by flood control keeps its id until it is handled. */
  @Test
  void delayedLinesKeepTheirIds() throws Exception {
    server =
        TestServer.start(
            new JsonObject()
                .put("flood", new JsonObject().put("burst", 1).put("ratePerSecond", 5)));
    try (WsClient web = WsClient.login(clientVertx, server.httpPort(), "dave")) {
      web.send(say("/who", "f1"));
      web.send(say("/who", "f2"));
      web.send(say("/who", "f3"));
      expect(web, "who", "f1");
      expect(web, "notice", "f2"); // "You are sending too fast", a reply to the first line held
      expect(web, "who", "f2");
      expect(web, "who", "f3");
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Several clients on one account (docs/ACCOUNTS.md, "Multiclient"), with real clients: two
 * WebSocket clients and a telnet client logged in to one account share its nickname, its rooms, its
 * messages and its private messages; {@code /who} lists it once; one client leaving ends only that
 * one.
 */
class MulticlientTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("accounts", new JsonObject().put("hashIterations", 100_000)));

  private static final String PASSWORD = "alices-shared-secret";

  private static JsonObject hello(String nick, String password) {
    JsonObject h = new JsonObject().put("type", "hello").put("nick", nick);
    return password == null ? h : h.put("password", password);
  }

  private static Predicate<JsonObject> message(String text) {
    return f -> "message".equals(f.getString("type")) && text.equals(f.getString("text"));
  }

  private static Predicate<JsonObject> privately(String text) {
    return f -> "private".equals(f.getString("type")) && text.equals(f.getString("text"));
  }

  private static long count(WsClient c, Predicate<JsonObject> match) {
    return c.seen().stream().filter(match).count();
  }

  private static long count(LineClient c, String text) {
    return c.seen().stream().filter(l -> l.contains(text)).count();
  }

  /** A web client logging in to the account: it attaches and joins the account's rooms. */
  private WsClient attachWeb(String nick) throws Exception {
    WsClient c = WsClient.connect(server.clientVertx(), server.httpPort());
    c.send(hello(nick, PASSWORD));
    JsonObject welcome = c.expect(f -> !"notice".equals(f.getString("type")), "welcome");
    assertEquals("welcome", welcome.getString("type"), welcome.encode());
    c.expect("joined");
    return c;
  }

  @Test
  void threeClientsShareOneAccount() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob");
        WsClient web1 = WsClient.login(server.clientVertx(), server.httpPort(), "alice")) {
      bob.expectContaining("alice (web) has joined");
      web1.say("/register " + PASSWORD);
      web1.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");

      WsClient web2 = attachWeb("alice");
      LineClient tel = new LineClient(server.telnetPort());
      tel.expectPrompt("Nickname:");
      tel.send("alice");
      tel.expectPrompt("Password for alice:");
      tel.send(PASSWORD);
      tel.expectContaining("You are in #lobby");

      // a guest still can't take a nickname held by a guest
      try (WsClient carl = WsClient.login(server.clientVertx(), server.httpPort(), "carl");
          WsClient other = WsClient.connect(server.clientVertx(), server.httpPort())) {
        other.send(hello("carl", null));
        JsonObject refused = other.expect("error");
        assertEquals("nick_taken", refused.getString("code"), refused.encode());
      }

      // a message from a fourth user reaches every client once
      bob.send("hello from bob");
      bob.send("marker one");
      for (WsClient w : List.of(web1, web2)) {
        w.expect(message("marker one"), "marker one");
        assertEquals(1, count(w, message("hello from bob")), w.seen().toString());
      }
      tel.expectContaining("bob: marker one");
      assertEquals(1, count(tel, "bob: hello from bob"), tel.seen().toString());

      // a message from one client reaches the others (and comes back to it)
      web2.say("said on web2");
      web1.expect(message("said on web2"), "web2's message on web1");
      web2.expect(message("said on web2"), "web2's own message back");
      tel.expectContaining("alice: said on web2");
      bob.expectContaining("alice: said on web2");

      // a private message to the account reaches all three clients, once each
      bob.send("/msg alice psst one");
      bob.send("/msg alice psst two");
      for (WsClient w : List.of(web1, web2)) {
        w.expect(privately("psst two"), "the second private message");
        assertEquals(1, count(w, privately("psst one")), w.seen().toString());
      }
      tel.expectContaining("*bob* psst two");
      assertEquals(1, count(tel, "*bob* psst one"), tel.seen().toString());

      // a private message sent by one client is echoed to the others
      tel.send("/msg bob from the terminal");
      bob.expectContaining("*alice* from the terminal");
      tel.expectContaining("-> *bob* from the terminal");
      web1.expect(privately("from the terminal"), "the echo on web1");
      web2.expect(privately("from the terminal"), "the echo on web2");

      // /who lists the account once, with its transports
      bob.send("/who");
      bob.expectContaining("Users on the server");
      String line = bob.expect(l -> l.contains("alice") && l.contains("idle"), "alice in /who");
      assertTrue(line.contains("telnet, web x2"), line);
      web2.say("/who");
      JsonArray users = web2.expect("who").getJsonArray("users");
      List<JsonObject> alices =
          users.stream()
              .map(JsonObject.class::cast)
              .filter(u -> "alice".equals(u.getString("nick")))
              .toList();
      assertEquals(1, alices.size(), users.encode());
      assertEquals(
          List.of("telnet", "web", "web"), alices.get(0).getJsonArray("transports").getList());

      // one client can't rename the account's nickname or log out of it alone
      web2.say("/nick alicia");
      assertEquals("several_clients", web2.expect("error").getString("code"));
      web2.say("/logout");
      assertEquals("several_clients", web2.expect("error").getString("code"));
      tel.send("/drop " + PASSWORD);
      tel.expectContaining("several clients share");

      // the first client (the claim's holder) quits: the others stay, the nickname with them
      web1.say("/quit");
      web1.expectClosed();
      bob.send("/msg alice still there?");
      web2.expect(privately("still there?"), "a private message after the quit");
      tel.expectContaining("*bob* still there?");
      bob.send("after the quit");
      web2.expect(message("after the quit"), "a room message after the quit");
      tel.expectContaining("bob: after the quit");
      bob.send("/who");
      String after = bob.expect(l -> l.contains("alice") && l.contains("idle"), "alice in /who");
      assertTrue(after.contains("telnet, web "), after);
      try (WsClient guest = WsClient.connect(server.clientVertx(), server.httpPort())) {
        guest.send(hello("alice", null));
        JsonObject refused = guest.expect("error");
        assertEquals("nick_registered", refused.getString("code"), refused.encode());
      }
      assertEquals(0, count(bob, "alice has left"), bob.seen().toString());

      // the last clients leave: the room is told once, and the nickname is free of presence
      web2.close();
      tel.send("/quit");
      tel.expectClosed();
      tel.close();
      bob.expectContaining("alice has left #lobby");
      // the nickname is released right after the leave is said: a private message is then kept
      // for the account's next login
      Eventually.within(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                bob.send("/msg alice anyone?");
                return bob.expect(
                        l -> l.contains("will be delivered") || l.contains("*alice* anyone?"),
                        "an answer to the private message")
                    .contains("will be delivered");
              });
      assertEquals(1, count(bob, "alice has left"), bob.seen().toString());
      assertEquals(1, count(bob, "alice (web) has joined"), bob.seen().toString());
      assertEquals(0, count(bob, "alice (telnet) has joined"), bob.seen().toString());
    }
  }

  @Test
  void aClientThatLoggedOutKeepsTheNicknameFromOtherClients() throws Exception {
    try (WsClient dana = WsClient.login(server.clientVertx(), server.httpPort(), "dana");
        WsClient other = WsClient.connect(server.clientVertx(), server.httpPort())) {
      dana.say("/register " + PASSWORD);
      dana.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");
      dana.say("/logout");
      dana.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("logged out"),
          "logged out");
      // dana is a guest now, alone under the nickname: the password does not attach to a guest
      other.send(hello("dana", PASSWORD));
      JsonObject refused = other.expect("error");
      assertEquals("nick_taken", refused.getString("code"), refused.encode());
    }
  }
}

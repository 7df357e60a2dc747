package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Roles end to end (docs/ACCOUNTS.md), with real telnet and WebSocket clients: the operator
 * password only makes the first admin, admins grant and revoke roles, a moderator's powers come and
 * go at once, bans and mutes of an account follow it whatever its nickname or address, and /who
 * marks registered users.
 */
class RolesTest {
  private static final String OPERATOR_PASSWORD = "s3cret";

  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put("operatorPassword", OPERATOR_PASSWORD)
              .put("accounts", new JsonObject().put("hashIterations", 100_000)));

  private static final Duration SLOW = Duration.ofSeconds(60); // hashing on a busy machine

  private WsClient web(String nick) throws Exception {
    return WsClient.login(server.clientVertx(), server.httpPort(), nick);
  }

  private static JsonObject expectError(WsClient c, String code) throws InterruptedException {
    return c.expect(
        f -> "error".equals(f.getString("type")) && code.equals(f.getString("code")),
        "error " + code);
  }

  private static JsonObject expectNotice(WsClient c, String text) throws InterruptedException {
    return c.expect(
        f -> "notice".equals(f.getString("type")) && f.getString("text").contains(text),
        "notice with " + text);
  }

  /** A web session that registered its nickname. */
  private WsClient registered(String nick) throws Exception {
    WsClient c = web(nick);
    c.say("/register " + nick + "-password");
    expectNotice(c, "is registered to you");
    return c;
  }

  /** A registered web session made the first admin with the operator password. */
  private WsClient firstAdmin(String nick) throws Exception {
    WsClient c = registered(nick);
    c.say("/op " + OPERATOR_PASSWORD);
    JsonObject made = expectNotice(c, "is the first admin");
    assertTrue(made.getString("text").contains("You are now an admin: /grant"), made.encode());
    return c;
  }

  /** A telnet session logged in to a registered nickname with its password. */
  private LineClient telnetLogin(String nick, String localAddress) throws Exception {
    LineClient c = new LineClient("127.0.0.1", server.telnetPort(), localAddress);
    c.expectPrompt("Nickname:");
    c.send(nick);
    c.expectPrompt("Password for " + nick + ":");
    c.send(nick + "-password");
    return c;
  }

  @Test
  void theOperatorPasswordMakesOnlyTheFirstAdminAndOnlyForAnAccount() throws Exception {
    try (WsClient guest = web("guest")) {
      guest.say("/op " + OPERATOR_PASSWORD);
      JsonObject refused = expectError(guest, "no_account");
      assertTrue(refused.getString("message").contains("register"), refused.encode());
      guest.say("/kick nobody");
      expectError(guest, "not_operator");
    }
    try (WsClient root = registered("root")) {
      root.say("/op not-the-password");
      expectError(root, "wrong_password");
      root.say("/op " + OPERATOR_PASSWORD);
      JsonObject made = expectNotice(root, "The account root is the first admin");
      assertTrue(made.getString("text").contains("You are now an admin: /grant"), made.encode());
      root.say("/op " + OPERATOR_PASSWORD);
      expectError(root, "not_available");
      try (WsClient second = registered("second")) {
        second.say("/op " + OPERATOR_PASSWORD);
        JsonObject after = expectError(second, "not_available");
        assertTrue(
            after.getString("message").contains("operators are accounts now"), after.encode());
        second.say("/kick guest");
        expectError(second, "not_operator");
      }
    }
    // the role is the account's: a later login has it at once, told in one line
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              try (WsClient root = WsClient.connect(server.clientVertx(), server.httpPort())) {
                root.send(
                    new JsonObject()
                        .put("type", "hello")
                        .put("nick", "root")
                        .put("password", "root-password"));
                JsonObject welcome = root.expect("welcome");
                assertEquals(new JsonArray().add("admin"), welcome.getJsonArray("roles"));
                expectNotice(root, "You are an admin: /grant");
              }
            });
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              try (LineClient root = telnetLogin("root", null)) {
                root.expectContaining("You are an admin: /grant, /revoke, /kick");
                root.expectContaining("You are in #lobby");
                root.send("/help");
                root.expectContaining("/grant NICK admin|moderator");
                root.send("/logout");
                root.expectContaining("logged out of root");
                root.send("/kick nobody");
                root.expectContaining("is for operators");
              }
            });
  }

  @Test
  void anAdminGrantsAndRevokesAndTheModeratorsPowersFollowAtOnce() throws Exception {
    try (WsClient boss = firstAdmin("boss");
        LineClient mod = LineClient.login(server.telnetPort(), "mod");
        WsClient troll = web("troll")) {
      mod.send("/register mod-password");
      mod.expectContaining("is registered to you");
      mod.send("/kick troll");
      mod.expectContaining("is for operators");

      boss.say("/grant troll moderator");
      JsonObject noAccount = expectError(boss, "no_account");
      assertTrue(noAccount.getString("message").contains("troll"), noAccount.encode());
      boss.say("/grant mod moderator");
      expectNotice(boss, "Done: mod is now a moderator");
      mod.expectContaining("You are now a moderator: /kick, /mute, /ban and /unban");
      boss.say("/grant mod moderator");
      expectNotice(boss, "mod is already a moderator");

      mod.send("/grant troll moderator");
      mod.expectContaining("/grant is for admins");
      mod.send("/kick troll behave");
      JsonObject bye = troll.expect("bye");
      assertTrue(bye.getString("reason").contains("kicked by mod: behave"), bye.encode());
      troll.expectClosed();

      boss.say("/revoke mod moderator");
      expectNotice(boss, "Done: mod is no longer a moderator");
      mod.expectContaining("You are no longer an operator");
      mod.send("/kick boss");
      mod.expectContaining("is for operators");
      boss.say("/revoke nobody admin");
      expectError(boss, "no_account");
    }
  }

  @Test
  void aBannedAccountIsThrownOutAndRefusedOnEveryTransportFromAnyAddress() throws Exception {
    try (WsClient boss = firstAdmin("boss")) {
      boss.say("/ban account:nobody");
      expectError(boss, "no_account");
      String token;
      try (WsClient eve = WsClient.connect(server.clientVertx(), server.httpPort())) {
        // registered in the hello: the welcome carries a browser session token
        eve.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "eve")
                .put("password", "eve-password")
                .put("register", true));
        token = eve.expect("welcome").getString("token");
        eve.expect("joined");
        boss.say("/ban account:Eve 1h");
        expectNotice(boss, "Banned account:eve until");
        JsonObject bye = eve.expect("bye");
        assertTrue(bye.getString("reason").contains("banned by boss"), bye.encode());
        eve.expectClosed();
      }
      // telnet, from another address than the one eve used
      try (LineClient eve = telnetLogin("eve", "127.0.0.2")) {
        eve.expectContaining("the account eve is banned");
        eve.expectPrompt("Nickname:");
        assertTrue(eve.seen().stream().noneMatch(l -> l.contains("You are in #")), "not let in");
      }
      // WebSocket with the right password
      try (WsClient eve = WsClient.connect(server.clientVertx(), server.httpPort())) {
        eve.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "eve")
                .put("password", "eve-password"));
        JsonObject refused = expectError(eve, "banned");
        assertTrue(refused.getString("message").contains("eve is banned"), refused.encode());
        // nor with the browser's session token
        eve.send(new JsonObject().put("type", "hello").put("nick", "eve").put("token", token));
        expectError(eve, "banned");
        // the address itself is not banned: a guest may come from it
        eve.send(new JsonObject().put("type", "hello").put("nick", "someone-else"));
        eve.expect("joined");
      }
      boss.say("/unban account:eve");
      expectNotice(boss, "Lifted: account:eve");
      try (LineClient eve = telnetLogin("eve", "127.0.0.2")) {
        eve.expectContaining("You are in #lobby");
      }
    }
  }

  @Test
  void aMutedAccountIsSilentWhateverItsNickname() throws Exception {
    try (WsClient boss = firstAdmin("boss");
        WsClient carl = registered("carl");
        LineClient watcher = LineClient.login(server.telnetPort(), "watcher")) {
      boss.say("/mute account:carl 1h");
      expectNotice(boss, "Done: mute account:carl");
      expectNotice(carl, "You are muted by boss");
      carl.say("/nick carl2");
      carl.expect(
          f -> "nick".equals(f.getString("type")) && "carl2".equals(f.getString("nick")),
          "the new nick");
      carl.say("still muted as carl2");
      expectError(carl, "muted");
      boss.say("/mute account:carl 0");
      expectNotice(boss, "Done: unmute account:carl");
      expectNotice(carl, "You may talk again");
      carl.say("talking again");
      watcher.expectContaining("carl2: talking again");
      assertTrue(watcher.seen().stream().noneMatch(l -> l.contains("still muted")));
    }
  }

  @Test
  void whoMarksRegisteredUsersAndTheirRoles() throws Exception {
    try (WsClient boss = firstAdmin("boss");
        WsClient mod = registered("mod");
        LineClient guest = LineClient.login(server.telnetPort(), "guest")) {
      boss.say("/grant mod moderator");
      expectNotice(mod, "You are now a moderator");
      guest.send("/who");
      assertTrue(
          guest.expectContaining("  boss ").contains("registered (admin)"), "boss is an admin");
      guest.send("/who");
      assertTrue(guest.expectContaining("  mod ").contains("registered (moderator)"));
      guest.send("/who");
      String me = guest.expectContaining("  guest ");
      assertFalse(me.contains("registered"), me);
      assertFalse(me.contains("from "), "no addresses for a guest: " + me);

      mod.say("/who");
      JsonArray users = mod.expect("who").getJsonArray("users");
      for (int i = 0; i < users.size(); i++) {
        JsonObject u = users.getJsonObject(i);
        switch (u.getString("nick")) {
          case "boss" -> {
            assertEquals(true, u.getBoolean("account"), u.encode());
            assertEquals(new JsonArray().add("admin"), u.getJsonArray("roles"), u.encode());
          }
          case "mod" -> {
            assertEquals(true, u.getBoolean("account"), u.encode());
            assertEquals(new JsonArray().add("moderator"), u.getJsonArray("roles"), u.encode());
          }
          case "guest" -> {
            assertEquals(false, u.getBoolean("account"), u.encode());
            assertNull(u.getJsonArray("roles"), u.encode());
          }
          default -> throw new AssertionError("unexpected user " + u.encode());
        }
        // a moderator sees where users connect from
        assertTrue(u.getString("address", "").startsWith("127.0.0."), u.encode());
      }
      assertEquals(3, users.size(), users.encode());
    }
  }

  @Test
  void aRoleAndABanReachEveryClientOfTheAccount() throws Exception {
    try (WsClient boss = firstAdmin("boss");
        WsClient first = registered("multi");
        WsClient second = WsClient.connect(server.clientVertx(), server.httpPort());
        LineClient third = telnetLogin("multi", null)) {
      second.send(
          new JsonObject()
              .put("type", "hello")
              .put("nick", "multi")
              .put("password", "multi-password"));
      second.expect("welcome");
      third.expectContaining("You are in #lobby");

      boss.say("/grant multi moderator");
      expectNotice(boss, "Done: multi is now a moderator");
      expectNotice(first, "You are now a moderator");
      expectNotice(second, "You are now a moderator");
      third.expectContaining("You are now a moderator");
      second.say("/mute nobody-here");
      expectError(second, "no_such_nick"); // a moderator's command, refused only for its target

      boss.say("/ban account:multi");
      expectNotice(boss, "Banned account:multi");
      for (WsClient c : List.of(first, second)) {
        assertTrue(c.expect("bye").getString("reason").contains("banned by boss"));
        c.expectClosed();
      }
      third.expectContaining("banned by boss");
      third.expectClosed();
    }
  }
}

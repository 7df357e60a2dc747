package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * The core issue end to end: real TCP and WebSocket clients against a real server on free ports.
 */
class CoreChatTest {
  private static final Pattern CHAT_LINE = Pattern.compile("\\[\\d\\d:\\d\\d] ([\\w-]+): (.*)");

  @RegisterExtension
  static final ParleyServerExtension server = ParleyServerExtension.withDefaults();

  @Test
  void telnetAndWebChatBothWays() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.expectContaining("bob (web) has joined #lobby");

      alice.send("hello from the terminal");
      JsonObject m = bob.expectMessage("hello from the terminal");
      assertEquals("alice", m.getString("nick"));
      assertEquals("telnet", m.getString("via"));
      assertEquals("lobby", m.getString("room"));
      assertTrue(m.getLong("seq") > 0);
      assertTrue(m.getString("ts").contains("T"), "ISO-8601 timestamp");

      bob.say("hello from the browser");
      String line = alice.expectContaining("bob: hello from the browser");
      assertTrue(CHAT_LINE.matcher(line).matches(), line);
    }
  }

  /** Each transport the {@code transport} setting can name carries chat, and is the one in use. */
  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll", "nio"})
  void everyTransportCarriesChat(String name) throws Exception {
    server.stop();
    Transport t =
        switch (name) {
          case "io_uring" -> Transport.IO_URING;
          case "epoll" -> Transport.EPOLL;
          default -> Transport.NIO;
        };
    if (!t.available()) {
      // a kernel or container without it: asking for it by name must fail with a clear reason
      Exception e =
          assertThrows(
              Exception.class, () -> server.start(new JsonObject().put("transport", name)));
      assertTrue(
          String.valueOf(e.getMessage()).contains("transport " + name + " is not available here"),
          e.toString());
      return;
    }
    server.start(new JsonObject().put("transport", name));
    String impl =
        ((VertxInternal) server.parley().vertx())
            .transport()
            .getClass()
            .getSimpleName()
            .toLowerCase();
    assertTrue(impl.contains(name.replace("_", "")), name + " in use: " + impl);
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.expectContaining("bob (web) has joined #lobby");
      alice.send("over " + name);
      assertEquals("alice", bob.expectMessage("over " + name).getString("nick"));
      bob.say("back over " + name);
      alice.expectContaining("bob: back over " + name);
    }
  }

  @Test
  void lateJoinerSeesHistoryInOrder() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      for (int i = 1; i <= 5; i++) {
        alice.send("line " + i);
        alice.expectContaining("alice: line " + i);
      }
      try (WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
        JsonArray history = bob.expect("history").getJsonArray("messages");
        assertEquals(5, history.size());
        for (int i = 0; i < 5; i++) {
          assertEquals("line " + (i + 1), history.getJsonObject(i).getString("text"));
        }
      }
      try (LineClient carol = new LineClient(server.telnetPort())) {
        carol.expectPrompt("Nickname:");
        carol.send("carol");
        carol.expectContaining("history of #lobby");
        for (int i = 1; i <= 5; i++) {
          carol.expectContaining("alice: line " + i);
        }
      }
    }
  }

  @Test
  void takenNicknameRefusedOnBothTransportsCaseInsensitively() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        LineClient other = new LineClient(server.telnetPort());
        WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
      other.expectPrompt("Nickname:");
      other.send("ALICE");
      other.expectContaining("already used");
      other.expectPrompt("Nickname:");
      other.send("bad nick!");
      other.expectContaining("can't be used");
      other.send("alice2");
      other.expectContaining("You are in #lobby");

      web.send(new JsonObject().put("type", "hello").put("nick", "Alice"));
      JsonObject err = web.expect("error");
      assertEquals("nick_taken", err.getString("code"));
      web.send(new JsonObject().put("type", "hello").put("nick", "alice3"));
      web.expect("joined");
    }
  }

  @Test
  void whoListsBothUsersWithTransport() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.send("/who");
      alice.expectContaining("Users on the server (2)");
      String a =
          alice.expect(
              l -> l.contains("alice") && l.contains("telnet") && l.contains("idle"),
              "alice in /who");
      String b =
          alice.expect(
              l -> l.contains("bob") && l.contains("web") && l.contains("idle"), "bob in /who");
      assertTrue(a.startsWith("  ") && b.startsWith("  "));

      bob.say("/who");
      JsonArray users = bob.expect("who").getJsonArray("users");
      assertEquals(2, users.size());
      assertEquals("telnet", users.getJsonObject(0).getString("via"));
      assertEquals("web", users.getJsonObject(1).getString("via"));
      assertTrue(users.getJsonObject(0).getLong("idle") >= 0);
    }
  }

  @Test
  void leaveNoticeOnDisconnect() throws Exception {
    try (WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      LineClient alice = LineClient.login(server.telnetPort(), "alice");
      bob.expect(
          f -> "join".equals(f.getString("type")) && "alice".equals(f.getString("nick")),
          "alice's join");
      alice.close();
      JsonObject leave = bob.expect("leave");
      assertEquals("alice", leave.getString("nick"));
      // the nickname is free again
      try (LineClient again = LineClient.login(server.telnetPort(), "alice")) {
        again.send("/quit");
        again.expectContaining("Goodbye");
        again.expectClosed();
      }
      bob.expect(
          f -> "leave".equals(f.getString("type")) && "quit".equals(f.getString("reason")),
          "quit leave");
    }
  }

  @Test
  void escapeSequencesAndControlCharactersAreStripped() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.sendRaw(
          "a\u001b[2J\u001b[31mred\u001b[0m\u0007b\u001b]0;title\u0007c \u00e9t\u00e9 \u2603\r\n"
              .getBytes(StandardCharsets.UTF_8));
      JsonObject m = bob.expect("message");
      assertEquals("aredbc \u00e9t\u00e9 \u2603", m.getString("text"));
      bob.say("x\u001b[1Ay\u009b2Jz\u0000!");
      String line = alice.expectContaining("bob: ");
      assertTrue(line.endsWith("bob: xyz!"), line);
      assertFalse(line.chars().anyMatch(c -> c < 0x20), line);
      // invalid UTF-8 becomes U+FFFD, valid text around it stays
      alice.sendRaw(new byte[] {'o', 'k', (byte) 0xc3, (byte) 0x28, '!', '\r', '\n'});
      JsonObject invalid =
          bob.expect(
              f ->
                  "message".equals(f.getString("type"))
                      && "alice".equals(f.getString("nick"))
                      && f.getString("text").startsWith("ok"),
              "alice's invalid UTF-8 line");
      assertEquals("ok\ufffd(!", invalid.getString("text"));
    }
  }

  @Test
  void oversizedLineRefusedAndConnectionStaysUsable() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.send("x".repeat(5000));
      alice.expectContaining("the limit is 2000");
      alice.send("still here");
      assertEquals("still here", bob.expect("message").getString("text"));

      bob.say("y".repeat(2001));
      assertEquals("line_too_long", bob.expect("error").getString("code"));
      bob.say("me too");
      alice.expectContaining("bob: me too");
      List<String> all = alice.seen();
      assertTrue(
          all.stream().noneMatch(l -> l.contains("xxxxxxxxxx")),
          "nothing of the long line was sent");
    }
  }

  @Test
  void commandsWorkFromBothTransports() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        WsClient bob = WsClient.login(server.clientVertx(), server.httpPort(), "bob")) {
      alice.send("/help");
      alice.expectContaining("/nick NEW");
      bob.say("/help");
      assertTrue(bob.expect("notice").getString("text").contains("/who"));

      bob.say("/me waves");
      alice.expectContaining("* bob waves");
      JsonObject action =
          bob.expect(
              f -> "message".equals(f.getString("type")) && f.getBoolean("action", false),
              "action");
      assertEquals("waves", action.getString("text"));

      alice.send("/nick alicia");
      JsonObject nick = bob.expect("nick");
      assertEquals("alicia", nick.getString("nick"));
      assertEquals("alice", nick.getString("old"));
      alice.send("/bogus");
      alice.expectContaining("unknown command /bogus");
      bob.say("/nick alicia");
      assertEquals("nick_taken", bob.expect("error").getString("code"));
    }
  }

  @Test
  void malformedFramesGetClearErrors() throws Exception {
    try (WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
      web.sendText("not json");
      assertEquals("bad_json", web.expect("error").getString("code"));
      web.say("too early");
      assertEquals("hello_first", web.expect("error").getString("code"));
      web.send(new JsonObject().put("type", "dance"));
      assertEquals("bad_type", web.expect("error").getString("code"));
      web.send(new JsonObject().put("type", "hello").put("nick", 42));
      assertEquals("bad_hello", web.expect("error").getString("code"));
      web.send(new JsonObject().put("type", "hello").put("nick", "fine"));
      web.expect("welcome");
    }
  }
}

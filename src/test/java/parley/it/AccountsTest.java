package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Registered nicknames end to end (docs/ACCOUNTS.md), with real WebSocket and telnet clients: a
 * registered nickname can't be taken without its password, wrong passwords are limited, the account
 * commands work, and the password shows up nowhere.
 */
class AccountsTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("accounts", new JsonObject().put("hashIterations", 100_000)));

  private static final Duration SLOW = Duration.ofSeconds(60); // hashing on a busy machine

  private WsClient web(String nick) throws Exception {
    return WsClient.login(server.clientVertx(), server.httpPort(), nick);
  }

  private static JsonObject hello(String nick, String password) {
    JsonObject h = new JsonObject().put("type", "hello").put("nick", nick);
    return password == null ? h : h.put("password", password);
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

  /** Registers {@code nick} from a web session, then closes it. */
  private void register(String nick, String password) throws Exception {
    try (WsClient c = web(nick)) {
      c.say("/register " + password);
      expectNotice(c, "is registered to you");
    }
  }

  /** Logs in with the password once the nickname's earlier session has let it go. */
  private WsClient loginWithPassword(String nick, String password) throws Exception {
    WsClient c = WsClient.connect(server.clientVertx(), server.httpPort());
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              c.send(hello(nick, password));
              JsonObject f =
                  c.expect(
                      x ->
                          "welcome".equals(x.getString("type"))
                              || "error".equals(x.getString("type")),
                      "welcome or error");
              if ("error".equals(f.getString("type"))) {
                assertEquals("nick_taken", f.getString("code"), f.encode());
                return false;
              }
              return true;
            });
    c.expect("joined");
    return c;
  }

  @Test
  void aRegisteredNicknameIsRefusedWithoutItsPasswordOnWebSocketAndTelnet() throws Exception {
    register("alice", "correct horse battery");

    try (WsClient mallory = WsClient.connect(server.clientVertx(), server.httpPort())) {
      mallory.send(hello("alice", null));
      expectError(mallory, "nick_registered");
      mallory.send(hello("ALICE", "wrong password"));
      expectError(mallory, "wrong_password");
      mallory.send(hello("mallory", null));
      mallory.expect("joined");
      mallory.say("/nick Alice");
      expectError(mallory, "nick_registered");
    }
    try (LineClient telnet = new LineClient(server.telnetPort())) {
      telnet.expectPrompt("Nickname:");
      telnet.send("alice");
      telnet.expectPrompt("Password for alice:");
      telnet.send("not her password");
      telnet.expectContaining("wrong password");
      telnet.expectPrompt("Nickname:");
      assertTrue(telnet.seen().stream().noneMatch(l -> l.contains("not her password")));
    }
    try (WsClient alice = loginWithPassword("alice", "correct horse battery")) {
      alice.say("/who");
      JsonObject who = alice.expect("who");
      assertTrue(who.encode().contains("\"alice\""), who.encode());
    }
  }

  @Test
  void telnetAsksForThePasswordWithoutEchoingIt() throws Exception {
    String password = "erins-telnet-secret";
    register("erin", password);
    // a negotiating client (character mode): the server echoes what is typed, except the password
    try (TelnetClientTest.Term term = TelnetClientTest.Term.connect(server.telnetPort())) {
      term.awaitNicknamePrompt();
      int mark = term.mark();
      term.type("erin\r\n");
      term.await(mark, s -> s.endsWith("Password for erin: "), "the password prompt");
      mark = term.mark();
      term.type(password.substring(0, 5) + "X\u007f" + password.substring(5) + "\r\n");
      Eventually.within(SLOW)
          .untilAsserted(() -> assertTrue(term.text().contains("You are in #lobby")));
      assertFalse(term.text().contains(password.substring(0, 5)), "no echo of the password");
    }
    // a plain line-mode client (nc) answers the prompt with a line
    try (LineClient nc = new LineClient(server.telnetPort())) {
      nc.expectPrompt("Nickname:");
      nc.send("Erin");
      nc.expectPrompt("Password for Erin:");
      nc.send(password);
      nc.expectContaining("You are in #lobby");
      nc.send("/who");
      nc.expectContaining("Erin  telnet");
      assertTrue(nc.seen().stream().noneMatch(l -> l.contains(password)), "never sent back");
    }
  }

  @Test
  void wrongPasswordsAreLimitedPerAccount() throws Exception {
    register("bob", "bobs real password");
    try (WsClient guesser = WsClient.connect(server.clientVertx(), server.httpPort())) {
      for (int i = 0; i < 5; i++) {
        guesser.send(hello("bob", "guess number " + i));
        expectError(guesser, "wrong_password");
      }
      guesser.send(hello("bob", "bobs real password"));
      JsonObject refused = expectError(guesser, "too_many_attempts");
      assertTrue(refused.getString("message").contains("try again in"), refused.encode());
    }
  }

  @Test
  void identifyPasswordLogoutAndDrop() throws Exception {
    try (WsClient carol = web("carol")) {
      carol.say("/register short");
      expectError(carol, "password_invalid");
      carol.say("/logout");
      expectError(carol, "no_account");
      carol.say("/register carols-first-password");
      expectNotice(carol, "is registered to you");
      carol.say("/register again please");
      expectError(carol, "nick_registered");
      carol.say("/logout");
      expectNotice(carol, "logged out of carol");
      carol.say("/identify not the password");
      expectError(carol, "wrong_password");
      carol.say("/identify carols-first-password");
      expectNotice(carol, "logged in as carol");
      carol.say("/password carols-first-password carols-second-password");
      expectNotice(carol, "password is changed");
      carol.say("/drop carols-first-password");
      expectError(carol, "wrong_password");
      carol.say("/drop carols-second-password");
      expectNotice(carol, "is deleted");
    }
    // free again: a guest takes it without a password
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> web("carol").close());
  }

  @Test
  void thePasswordAppearsInNoFrameLogOrFile() throws Exception {
    String password = "Sekrit-7f3a9-pass";
    Logger parley = (Logger) LoggerFactory.getLogger("parley");
    Level before = parley.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    parley.addAppender(logs);
    parley.setLevel(Level.DEBUG);
    try (LineClient watcher = LineClient.login(server.telnetPort(), "watcher");
        WsClient dave = web("dave")) {
      watcher.expectContaining("dave (web) has joined");
      dave.say("/register " + password);
      expectNotice(dave, "is registered to you");
      dave.say("/password " + password + " " + password + "-2");
      expectNotice(dave, "password is changed");
      dave.say("said after registering");
      watcher.expectContaining("dave: said after registering");
      assertTrue(
          dave.seen().stream().noneMatch(f -> f.encode().contains(password)), "dave's frames");
      assertTrue(
          watcher.seen().stream().noneMatch(l -> l.contains(password)), "the watcher's lines");
    } finally {
      parley.detachAppender(logs);
      parley.setLevel(before);
    }
    assertTrue(
        logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("registered")),
        "the registration was logged");
    assertTrue(
        logs.list.stream().noneMatch(e -> e.getFormattedMessage().contains(password)),
        "no log line holds the password");
    Path data = server.parley().service().config().dataDir();
    // accounts.json is written before a change is answered: nothing to wait for
    try (Stream<Path> files = Files.walk(data)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content =
            new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(content.contains(password), "the password is in " + f);
      }
    }
    assertTrue(
        Files.readString(data.resolve("accounts.json")).contains("pbkdf2-sha256$100000$"),
        "the hash is kept");
  }

  @Test
  void telnetCommandsWithoutArgumentsAskForPasswordsWithoutEcho() throws Exception {
    String first = "franks-first-secret";
    String second = "franks-second-secret";
    // a negotiating client (character mode): what is typed at a password prompt is not echoed
    try (TelnetClientTest.Term term = TelnetClientTest.Term.connect(server.telnetPort())) {
      term.awaitNicknamePrompt();
      int mark = term.mark();
      term.type("frank\r\n");
      term.await(mark, s -> s.contains("You are in #lobby"), "the login");
      mark = term.mark();
      term.type("/register\r\n");
      term.await(mark, s -> s.endsWith("New password: "), "the new password prompt");
      mark = term.mark();
      term.type(first + "\r\n");
      term.await(mark, s -> s.endsWith("Again: "), "the repeat prompt");
      mark = term.mark();
      term.type(first + "\r\n");
      term.await(mark, s -> s.contains("is registered to you"), "the registration");
      mark = term.mark();
      term.type("/password\r\n");
      term.await(mark, s -> s.endsWith("Old password: "), "the old password prompt");
      mark = term.mark();
      term.type(first + "\r\n");
      term.await(mark, s -> s.endsWith("New password: "), "the new password prompt");
      mark = term.mark();
      term.type(second + "\r\n");
      term.await(mark, s -> s.endsWith("Again: "), "the repeat prompt");
      mark = term.mark();
      term.type(second + "\r\n");
      term.await(mark, s -> s.contains("password is changed"), "the change");
      mark = term.mark();
      term.type("/logout\r\n");
      term.await(mark, s -> s.contains("logged out of frank"), "the logout");
      mark = term.mark();
      term.type("/identify\r\n");
      term.await(mark, s -> s.endsWith("Password for frank: "), "the password prompt");
      mark = term.mark();
      term.type(second + "\r\n");
      term.await(mark, s -> s.contains("logged in as frank"), "the login to the account");
      mark = term.mark();
      term.type("still here\r\n");
      term.await(mark, s -> s.endsWith(": still here\r\n> "), "the message, then the chat prompt");
      String screen = term.text();
      assertFalse(screen.contains(first), "no echo of the first password");
      assertFalse(screen.contains(second), "no echo of the second password");
    }
    // the new password is the account's, the old one is not
    try (WsClient c = WsClient.connect(server.clientVertx(), server.httpPort())) {
      c.send(hello("frank", first));
      expectError(c, "wrong_password");
    }
    loginWithPassword("frank", second).close();
  }

  @Test
  void telnetPasswordPromptsCatchATypoAndCanBeCancelled() throws Exception {
    try (LineClient nc = LineClient.login(server.telnetPort(), "grace")) {
      nc.send("/register");
      nc.expectPrompt("New password:");
      nc.send("graces-password-one");
      nc.expectPrompt("Again:");
      nc.send("graces-password-0ne");
      nc.expectContaining("the two passwords differ");
      nc.send("/identify");
      nc.expectPrompt("Password for grace:");
      nc.send("");
      nc.expectContaining("Cancelled");
      nc.send("nothing was registered");
      nc.expectContaining("grace: nothing was registered");
      assertTrue(
          nc.seen().stream().noneMatch(l -> l.contains("graces-password")), nc.seen().toString());
    }
    // still a guest nickname: a web session takes it without a password once telnet let it go
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> web("grace").close());
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import parley.support.Eventually;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * Browser session tokens on the wire (docs/PROTOCOL.md, "Accounts"), with real WebSocket clients:
 * register in the hello, log in again with the token instead of the password, and the token's end
 * at {@code /logout}, {@code /password} and {@code /drop}.
 */
class WebTokensTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject().put("accounts", new JsonObject().put("hashIterations", 100_000)));

  private static final Duration SLOW = Duration.ofSeconds(60); // hashing on a busy machine

  private static JsonObject hello(String nick) {
    return new JsonObject().put("type", "hello").put("nick", nick);
  }

  private static JsonObject withToken(String nick, String token) {
    return hello(nick).put("token", token);
  }

  private static JsonObject withPassword(String nick, String password) {
    return hello(nick).put("password", password);
  }

  private static JsonObject registering(String nick, String password) {
    return withPassword(nick, password).put("register", true);
  }

  private static WsClient socket() throws Exception {
    return WsClient.connect(server.clientVertx(), server.httpPort());
  }

  private static JsonObject welcomeOrError(WsClient c) throws InterruptedException {
    return c.expect(
        f -> "welcome".equals(f.getString("type")) || "error".equals(f.getString("type")),
        "welcome or error");
  }

  private static JsonObject expectError(WsClient c, String code) throws InterruptedException {
    JsonObject f = welcomeOrError(c);
    assertEquals("error", f.getString("type"), f.encode());
    assertEquals(code, f.getString("code"), f.encode());
    return f;
  }

  /**
   * Sends {@code hello} until the nickname's earlier session has let it go (its close is handled
   * asynchronously), and returns the welcome; the socket stays open in {@code c}.
   */
  private static JsonObject welcome(WsClient c, JsonObject hello) throws Exception {
    JsonObject[] welcome = new JsonObject[1];
    Eventually.within(SLOW)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              c.send(hello);
              JsonObject f = welcomeOrError(c);
              if ("error".equals(f.getString("type"))) {
                assertEquals("nick_taken", f.getString("code"), f.encode());
                return false;
              }
              welcome[0] = f;
              return true;
            });
    c.expect("joined");
    return welcome[0];
  }

  /** Registers {@code nick} in one hello and returns its token; the session ends. */
  private static String register(String nick, String password) throws Exception {
    try (WsClient c = socket()) {
      JsonObject w = welcome(c, registering(nick, password));
      return w.getString("token");
    }
  }

  @Test
  void registerInTheHelloThenLogInWithTheTokenAlone() throws Exception {
    String token;
    try (WsClient c = socket()) {
      c.send(registering("Ann", "short"));
      expectError(c, "password_invalid");
      c.send(withPassword("Ann", "anns-password-1"));
      expectError(c, "no_account"); // a password for a nickname nobody registered
      JsonObject w = welcome(c, registering("Ann", "anns-password-1"));
      assertEquals("Ann", w.getString("account"));
      assertEquals(new JsonArray(), w.getJsonArray("roles"));
      token = w.getString("token");
      assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
      c.say("/register anns-password-2");
      JsonObject e = c.expect("error");
      assertEquals("nick_registered", e.getString("code"), "already logged in: " + e.encode());
    }
    try (WsClient c = socket()) {
      c.send(registering("ann", "someone-elses-pw"));
      expectError(c, "nick_registered");
      JsonObject w = welcome(c, withToken("ann", token));
      assertEquals("Ann", w.getString("account"));
      assertEquals("ann", w.getString("nick"));
      assertFalse(w.containsKey("token"), "a token login gets no new token: " + w.encode());
      c.say("/who");
      assertTrue(c.expect("who").encode().contains("\"ann\""));
    }
    // a password login gets a token of its own; both stay good
    String second;
    try (WsClient c = socket()) {
      second = welcome(c, withPassword("ann", "anns-password-1")).getString("token");
      assertNotEquals(token, second);
    }
    try (WsClient c = socket()) {
      assertEquals("Ann", welcome(c, withToken("ANN", token)).getString("account"));
    }
  }

  @Test
  void aBadOrForeignTokenIsRefusedAndTheSocketStaysOpenForThePassword() throws Exception {
    String bens = register("ben", "bens-password-1");
    String cats = register("cat", "cats-password-1");
    try (WsClient c = socket()) {
      c.send(withToken("ben", cats)); // cat's token for ben
      expectError(c, "token_invalid");
      c.send(withToken("ben", "x".repeat(43)));
      expectError(c, "token_invalid");
      c.send(withToken("nobody", bens)); // a token for a nickname nobody registered
      expectError(c, "token_invalid");
      c.send(withToken("ben", bens).put("password", "bens-password-1"));
      expectError(c, "bad_hello");
      JsonObject w = welcome(c, withPassword("ben", "bens-password-1"));
      assertEquals("ben", w.getString("account"));
    }
  }

  @Test
  void logoutRevokesThisSessionsTokenOnly() throws Exception {
    String first = register("dan", "dans-password-1");
    String second;
    try (WsClient c = socket()) {
      second = welcome(c, withPassword("dan", "dans-password-1")).getString("token");
    }
    try (WsClient c = socket()) {
      welcome(c, withToken("dan", first));
      c.say("/logout");
      c.expect(f -> "notice".equals(f.getString("type")), "the logout notice");
    }
    try (WsClient c = socket()) {
      Eventually.within(SLOW)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                c.send(withToken("dan", first));
                JsonObject f = welcomeOrError(c);
                assertEquals("error", f.getString("type"), "the token still works: " + f.encode());
                return "token_invalid".equals(f.getString("code")); // else nick_taken: not yet free
              });
      assertEquals("dan", welcome(c, withToken("dan", second)).getString("account"));
    }
  }

  @Test
  void aNewPasswordOrDropRevokesEveryToken() throws Exception {
    String first = register("eve", "eves-password-1");
    String second;
    try (WsClient c = socket()) {
      second = welcome(c, withPassword("eve", "eves-password-1")).getString("token");
      c.say("/password eves-password-1 eves-password-2");
      c.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("changed"),
          "password changed");
    }
    try (WsClient c = socket()) {
      for (String t : new String[] {first, second}) {
        c.send(withToken("eve", t));
        expectError(c, "token_invalid");
      }
      String third = welcome(c, withPassword("eve", "eves-password-2")).getString("token");
      c.say("/drop eves-password-2");
      c.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("deleted"),
          "account deleted");
      c.close();
      try (WsClient d = socket()) {
        Eventually.within(SLOW)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  d.send(withToken("eve", third));
                  JsonObject f = welcomeOrError(d);
                  assertEquals("error", f.getString("type"), f.encode());
                  return "token_invalid".equals(f.getString("code"));
                });
      }
    }
  }

  @Test
  void badTokensCountAsWrongPasswordsAndTokensAreNeverLoggedOrStored() throws Exception {
    Logger parley = (Logger) LoggerFactory.getLogger("parley");
    Level before = parley.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    parley.addAppender(logs);
    parley.setLevel(Level.DEBUG);
    String token;
    try {
      token = register("fay", "fays-password-1");
      try (WsClient c = socket()) {
        welcome(c, withToken("fay", token));
      }
      try (WsClient guesser = socket()) {
        for (int i = 0; i < 5; i++) {
          guesser.send(withToken("fay", "guessed-token-" + i));
          expectError(guesser, "token_invalid");
        }
        guesser.send(withToken("fay", token)); // even the right one, for the rest of the window
        expectError(guesser, "too_many_attempts");
        guesser.send(withPassword("fay", "fays-password-1"));
        expectError(guesser, "too_many_attempts");
      }
    } finally {
      parley.detachAppender(logs);
      parley.setLevel(before);
    }
    assertTrue(
        logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("invalid session token")),
        "bad tokens are logged");
    for (ILoggingEvent e : logs.list) {
      assertFalse(e.getFormattedMessage().contains(token), "a token in the log: " + e);
    }
    String accounts =
        Files.readString(server.parley().service().config().dataDir().resolve("accounts.json"));
    assertFalse(accounts.contains(token), "the token itself is stored");
  }
}

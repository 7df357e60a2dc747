package parley.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * {@code accounts.required}: no guests. A nickname that is not registered is refused at login
 * (WebSocket: {@code account_required}); telnet offers to register it there, asking for the
 * password twice without echo.
 */
class AccountsRequiredTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put(
                  "accounts",
                  new JsonObject().put("hashIterations", 100_000).put("required", true)));

  private static JsonObject hello(String nick, String password) {
    JsonObject h = new JsonObject().put("type", "hello").put("nick", nick);
    return password == null ? h : h.put("password", password);
  }

  private static JsonObject expectError(WsClient c, String code) throws InterruptedException {
    return c.expect(
        f -> "error".equals(f.getString("type")) && code.equals(f.getString("code")),
        "error " + code);
  }

  @Test
  void telnetRegistersANewNicknameAtLoginAndTheWebNeedsItsPassword() throws Exception {
    String password = "henrys-required-password";
    try (LineClient nc = new LineClient(server.telnetPort())) {
      nc.expectPrompt("Nickname:");
      nc.send("henry");
      nc.expectContaining("This server needs an account: henry is not registered");
      nc.expectPrompt("New password for henry:");
      nc.send(password);
      nc.expectPrompt("Again:");
      nc.send(password);
      nc.expectContaining("is registered to you");
      nc.expectContaining("You are in #lobby");
      nc.send("/nick henri");
      nc.expectContaining("This server needs an account: henri is not registered");
      nc.send("/nick HENRY");
      nc.expectContaining("henry is now known as HENRY");
      assertTrue(nc.seen().stream().noneMatch(l -> l.contains(password)), nc.seen().toString());
      nc.send("/logout");
      nc.expectContaining("logged out of henry");
      nc.expectClosed();
    }
    try (WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
      web.send(hello("ivy", null));
      JsonObject refused = expectError(web, "account_required");
      assertTrue(refused.getString("message").contains("choose a password"), refused.encode());
      web.send(hello("henry", null));
      expectError(web, "nick_registered");
      web.send(hello("henry", password));
      web.expect("welcome");
      web.expect("joined");
    }
  }

  @Test
  void aMistypedRepeatOrAnEmptyPasswordGoesBackToTheNicknamePrompt() throws Exception {
    try (LineClient nc = new LineClient(server.telnetPort())) {
      nc.expectPrompt("Nickname:");
      nc.send("no spaces please");
      nc.expectContaining("can't be used");
      nc.expectPrompt("Nickname:");
      nc.send("jack");
      nc.expectPrompt("New password for jack:");
      nc.send("jacks-password-one");
      nc.expectPrompt("Again:");
      nc.send("jacks-password-two");
      nc.expectContaining("the two passwords differ");
      nc.expectPrompt("Nickname:");
      nc.send("jack");
      nc.expectPrompt("New password for jack:");
      nc.send("");
      nc.expectPrompt("Nickname:");
      nc.send("jack");
      nc.expectPrompt("New password for jack:");
      nc.send("short");
      nc.expectPrompt("Again:");
      nc.send("short");
      nc.expectContaining("at least");
      nc.expectPrompt("Nickname:");
    }
    // nothing was registered: jack is still refused as a guest
    try (WsClient web = WsClient.connect(server.clientVertx(), server.httpPort())) {
      web.send(hello("jack", null));
      expectError(web, "account_required");
    }
  }
}

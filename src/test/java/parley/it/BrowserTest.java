package parley.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import com.microsoft.playwright.options.ReducedMotion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.TcpProxy;
import parley.support.WsClient;

/**
 * The browser page end to end: headless Chromium (Debian's, at /usr/bin/chromium) driven by
 * Playwright against a real server on free ports, with real telnet-line clients in the same rooms.
 * Screenshots of every run go to target/screenshots/.
 */
class BrowserTest {
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Path SHOTS = Paths.get("target", "screenshots");
  private static final String XSS = "<img src=x onerror=alert(1)>";

  private static Playwright playwright;
  private static Browser browser;

  // the tests type faster than people; flood control has its own tests
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put("flood", new JsonObject().put("burst", 1000).put("ratePerSecond", 1000))
              .put("accounts", new JsonObject().put("hashIterations", 100_000)));

  private final List<BrowserContext> contexts = new ArrayList<>();
  private final List<String> dialogs = Collections.synchronizedList(new ArrayList<>());
  private final List<String> pageErrors = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void launch() throws Exception {
    assertTrue(
        Files.isExecutable(CHROMIUM),
        "Chromium is missing: "
            + CHROMIUM
            + " does not exist or is not "
            + "executable. Install it with `apt-get install -y chromium` (the CI script does this).");
    Files.createDirectories(SHOTS);
    PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
    playwright = Playwright.create();
    browser =
        playwright
            .chromium()
            .launch(
                new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM)
                    .setHeadless(true)
                    .setArgs(
                        List.of(
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run")));
  }

  @AfterAll
  static void close() {
    if (browser != null) {
      browser.close();
    }
    if (playwright != null) {
      playwright.close();
    }
  }

  @AfterEach
  void stop() throws Exception {
    contexts.forEach(BrowserContext::close);
    assertEquals(List.of(), pageErrors, "script errors on the page");
  }

  // ---- tests
  // ----------------------------------------------------------------------------------------

  @Test
  void twoBrowsersAndATelnetUserChatThreeWays() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page bob = openPage(1280, 800);
      login(bob, "bob");
      Page carol = openPage(1280, 800);
      login(carol, "carol");
      alice.expectContaining("carol (web) has joined #lobby");

      alice.send("hello from the terminal");
      assertThat(message(bob, "lobby", "hello from the terminal")).hasCount(1);
      assertThat(message(carol, "lobby", "hello from the terminal")).hasCount(1);

      send(bob, "hi from bob's browser");
      alice.expectContaining("bob: hi from bob's browser");
      assertThat(message(carol, "lobby", "hi from bob's browser")).hasCount(1);
      assertThat(message(bob, "lobby", "hi from bob's browser")).hasCount(1);

      send(carol, "and carol, also in a browser");
      alice.expectContaining("carol: and carol, also in a browser");
      assertThat(message(bob, "lobby", "and carol, also in a browser")).hasCount(1);

      // the people list: everyone, with how they came
      assertThat(bob.locator("#people-list [data-nick=alice] .via-badge")).hasText("telnet");
      assertThat(bob.locator("#people-list [data-nick=carol] .via-badge")).hasText("web");
      assertThat(bob.locator("#people-list [data-nick=alice] .person-sub"))
          .hasText(Pattern.compile("active|idle"));

      // /me, a mention, a link
      send(carol, "/me waves at everyone");
      assertThat(bob.locator(".messages[data-room=lobby] .item.action"))
          .containsText("carol waves at everyone");
      alice.send("bob: the notes are at https://example.com/notes?id=7.");
      Locator mention = bob.locator(".messages[data-room=lobby] .item.mention");
      assertThat(mention).hasCount(1);
      assertThat(mention.locator("mark")).hasText("bob");
      Locator link = mention.locator("a");
      assertThat(link).hasAttribute("href", "https://example.com/notes?id=7");
      assertThat(link).hasAttribute("target", "_blank");
      assertThat(link).hasAttribute("rel", "noopener noreferrer");
      assertThat(carol.locator(".messages[data-room=lobby] .item.mention")).hasCount(0);

      // commands: output and errors inline; Up recalls what was sent
      send(bob, "/help");
      assertThat(bob.locator(".messages[data-room=lobby] .item.notice").last())
          .containsText("/nick NEW");
      send(bob, "/frobnicate");
      assertThat(bob.locator(".messages[data-room=lobby] .item.error-item").last())
          .containsText("unknown command /frobnicate");
      Locator input = bob.getByLabel("Message #lobby");
      input.press("ArrowUp");
      assertThat(input).hasValue("/frobnicate");
      input.press("ArrowUp");
      assertThat(input).hasValue("/help");
      input.press("ArrowDown");
      input.press("ArrowDown");
      assertThat(input).hasValue("");

      // a private message, in a conversation of its own
      alice.send("/msg carol psst, carol");
      assertThat(carol.locator(".messages[data-room='@alice'] .item.private"))
          .containsText("psst, carol");
      assertThat(bob.locator(".item.private")).hasCount(0);
      carol.locator(".room-btn[data-room='@alice']").click();
      shoot(carol, "desktop-light-private");
      carol.locator(".room-btn[data-room=lobby]").click();

      // rooms: carol opens #dev; bob joins it; lines in a room not shown count as unread
      send(carol, "/topic Welcome to the lobby — be nice");
      assertThat(bob.locator("#room-topic")).hasText("Welcome to the lobby — be nice");
      send(carol, "/join #dev");
      assertThat(carol.locator("#room-title")).hasText("#dev");
      send(bob, "/join dev");
      assertThat(bob.locator("#room-title")).hasText("#dev");
      bob.locator(".room-btn[data-room=lobby]").click();
      assertThat(bob.locator("#room-title")).hasText("#lobby");
      send(carol, "a line in #dev for bob");
      assertThat(bob.locator(".room-btn[data-room=dev] .count")).hasText(Pattern.compile("^1\\b"));
      alice.send("back in the lobby, bob is reading here");
      assertThat(message(bob, "lobby", "back in the lobby, bob is reading here")).hasCount(1);
      // a line in another room goes to that room only, and says which room it is for
      bob.locator(".room-btn[data-room=dev]").click();
      assertThat(bob.locator(".room-btn[data-room=dev] .count")).isEmpty();
      send(bob, "replying in dev");
      assertThat(message(carol, "dev", "replying in dev")).hasCount(1);
      assertThat(message(bob, "lobby", "replying in dev")).hasCount(0);
      bob.locator(".room-btn[data-room=lobby]").click();

      shoot(bob, "desktop-light");
      bob.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
      shoot(bob, "desktop-dark");
      bob.setViewportSize(390, 844);
      shoot(bob, "phone-dark");
      bob.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
      shoot(bob, "phone-light");
      bob.locator("#people-toggle").click();
      assertThat(bob.locator("#people")).isVisible();
      shoot(bob, "phone-people");
      bob.keyboard().press("Escape");
      assertThat(bob.locator("#people")).not().isInViewport();
      // still usable at phone width
      send(bob, "typed on a phone");
      alice.expectContaining("bob: typed on a phone");
    }
  }

  @Test
  void takenAndInvalidNicknamesShowAnInlineError() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page page = openPage(1280, 800);
      shoot(page, "login-desktop");
      page.getByLabel("Nickname").fill("ALICE");
      page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join chat")).click();
      Locator error = page.locator("#nick-error");
      assertThat(error).isVisible();
      assertThat(error).containsText("already used");
      assertThat(page.getByLabel("Nickname")).hasAttribute("aria-invalid", "true");
      assertThat(page.locator("#app")).isHidden();
      page.setViewportSize(390, 844);
      shoot(page, "login-error-phone");

      page.getByLabel("Nickname").fill("no spaces!");
      page.getByLabel("Nickname").press("Enter");
      assertThat(error).containsText("can't be used");

      page.getByLabel("Nickname").fill("alice2");
      page.getByLabel("Nickname").press("Enter");
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      assertThat(error).isHidden();
      alice.expectContaining("alice2 (web) has joined #lobby");

      // /quit is the user's own choice: back to the nickname screen, no reconnecting
      send(page, "/quit see you");
      alice.expectContaining("alice2 has left #lobby (see you)");
      assertThat(page.locator("#login-note")).containsText("You left the chat");
      assertThat(page.getByLabel("Nickname")).hasValue("alice2");
      assertThat(page.locator("#app")).isHidden();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "ended");
    }
  }

  @Test
  void autoScrollStopsWhileReadingBackAndOffersAJump() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page page = openPage(1280, 800);
      login(page, "bob");
      alice.expectContaining("bob (web) has joined");
      for (int i = 1; i <= 40; i++) {
        alice.send("line " + i);
      }
      assertThat(message(page, "lobby", "line 40")).hasCount(1);
      page.waitForCondition(() -> atBottom(page));

      // reading back: new lines do not pull the view down, a button offers to jump
      page.locator("#log")
          .evaluate(
              "e => new Promise(r => { e.scrollTop = 0; "
                  + "requestAnimationFrame(() => requestAnimationFrame(r)); })");
      alice.send("said while bob reads back");
      assertThat(message(page, "lobby", "said while bob reads back")).hasCount(1);
      assertThat(page.locator("#jump")).isVisible();
      assertEquals(0, ((Number) page.locator("#log").evaluate("e => e.scrollTop")).intValue());
      shoot(page, "reading-back");
      page.locator("#jump").click();
      page.waitForCondition(() -> atBottom(page));
      assertThat(page.locator("#jump")).isHidden();

      // at the bottom, new lines keep the view there
      alice.send("and one more");
      assertThat(message(page, "lobby", "and one more")).hasCount(1);
      page.waitForCondition(() -> atBottom(page));
      assertThat(page.locator("#jump")).isHidden();
    }
  }

  @Test
  void markupFromTelnetShowsLiterallyAndRunsNothing() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page page = openPage(1280, 800);
      login(page, "bob");
      alice.expectContaining("bob (web) has joined");
      alice.send(XSS);
      alice.send(
          "<b>not bold</b> <a href=\"javascript:alert(2)\">click</a> javascript:alert(3) <script>alert(4)</script>");
      alice.send("after the markup");
      assertThat(message(page, "lobby", "after the markup")).hasCount(1);

      Locator xss = message(page, "lobby", XSS);
      assertThat(xss).hasCount(1);
      assertEquals(XSS, xss.textContent());
      assertEquals(
          0, (int) xss.evaluate("e => e.children.length"), "the text is a text node, not elements");
      assertEquals(0, page.locator("#log img").count(), "no <img> in the message list");
      assertEquals(
          0, page.locator("#log script, #log b").count(), "no markup elements in the message list");
      assertEquals(0, page.locator("#log a").count(), "javascript: is never a link");
      assertTrue(page.locator("#log").textContent().contains("<b>not bold</b>"));

      // the browser user's own markup, too
      send(page, "<i>mine</i> & <img src=y onerror=alert(5)>");
      alice.expectContaining("bob: <i>mine</i> & <img src=y onerror=alert(5)>");
      assertThat(message(page, "lobby", "<i>mine</i> & <img src=y onerror=alert(5)>")).hasCount(1);
      assertEquals(0, page.locator("#log img, #log i").count());

      // give a failed image load (if there were one) time to fire its handler: one more round trip
      alice.send("last");
      assertThat(message(page, "lobby", "last")).hasCount(1);
      page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))");
      assertEquals(List.of(), dialogs, "no alert may run");
      assertEquals(List.of(), pageErrors);
    }
  }

  @Test
  void reconnectsAfterTheServerDropsThePageAndMissesNothing() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        TcpProxy network = new TcpProxy(server.httpPort())) {
      Page page = openPage(network.port(), 1280, 800);
      login(page, "bob");
      alice.expectContaining("bob (web) has joined");
      for (int i = 1; i <= 3; i++) {
        alice.send("before " + i);
      }
      assertThat(message(page, "lobby", "before 3")).hasCount(1);
      send(page, "bob was here");
      alice.expectContaining("bob: bob was here");

      // the server drops the page's socket, and the network stays down for a while: the page keeps
      // trying
      network.refuse(true);
      assertTrue(server.parley().service().disconnect("bob", "dropped by the test"));
      alice.expectContaining("bob has left #lobby");
      assertThat(page.locator("#conn")).hasAttribute("data-state", "reconnecting");
      assertThat(page.locator("#banner")).containsText("Reconnecting");
      assertThat(page.locator(".messages[data-room=lobby] .item.warn").last())
          .containsText("dropped by the test");
      for (int i = 1; i <= 5; i++) {
        alice.send("while away " + i);
        alice.expectContaining("alice: while away " + i);
      }
      assertThat(page.locator("#conn")).hasAttribute("data-state", "reconnecting");
      shoot(page, "reconnecting");

      // the network is back: the page logs in again as bob and gets exactly what it missed
      network.refuse(false);
      page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Retry now")).click();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      alice.expectContaining("bob (web) has joined #lobby");
      for (int i = 1; i <= 5; i++) {
        assertThat(message(page, "lobby", "while away " + i)).hasCount(1);
      }
      alice.send("after the reconnect");
      assertThat(message(page, "lobby", "after the reconnect")).hasCount(1);
      for (int i = 1; i <= 3; i++) {
        assertThat(message(page, "lobby", "before " + i)).hasCount(1);
      }
      assertThat(message(page, "lobby", "bob was here")).hasCount(1);
      assertEquals(
          List.of(
              "before 1",
              "before 2",
              "before 3",
              "bob was here",
              "while away 1",
              "while away 2",
              "while away 3",
              "while away 4",
              "while away 5",
              "after the reconnect"),
          page.locator(".messages[data-room=lobby] .item.msg .text").allTextContents(),
          "in order, each once");
      assertThat(page.locator("#banner")).isHidden();

      // still the same nickname, and it still talks
      send(page, "I am back");
      alice.expectContaining("bob: I am back");
    }
  }

  @Test
  void aResumeThatOutlivedTheHistoryShowsHowManyWereMissed() throws Exception {
    server.start(
        new JsonObject().put("history", new JsonObject().put("retain", 3).put("replay", 3)));
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        TcpProxy network = new TcpProxy(server.httpPort())) {
      Page page = openPage(network.port(), 1280, 800);
      login(page, "bob");
      alice.expectContaining("bob (web) has joined");
      alice.send("seen");
      assertThat(message(page, "lobby", "seen")).hasCount(1);

      // this time the network just drops, without a word from the server
      network.refuse(true);
      network.cut();
      alice.expectContaining("bob has left #lobby");
      assertThat(page.locator("#conn")).hasAttribute("data-state", "reconnecting");
      for (int i = 1; i <= 6; i++) {
        alice.send("gone " + i);
        alice.expectContaining("alice: gone " + i);
      }
      network.refuse(false);
      page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Retry now")).click();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      // "seen" is seq 1, "gone 1..6" are 2..7; only 5..7 are retained, so 3 are missing
      assertThat(page.locator(".messages[data-room=lobby] .item.warn").last())
          .containsText("3 earlier messages in #lobby are no longer available");
      assertThat(message(page, "lobby", "gone 6")).hasCount(1);
      assertEquals(
          List.of("seen", "gone 4", "gone 5", "gone 6"),
          page.locator(".messages[data-room=lobby] .item.msg .text").allTextContents());
    }
  }

  @Test
  void aServerThatLostItsHistoryTellsTheResumingPageSo() throws Exception {
    int port = server.httpPort();
    Page page = openPage(port, 1280, 800);
    login(page, "bob");
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      for (int i = 1; i <= 3; i++) {
        alice.send("old " + i);
      }
      assertThat(message(page, "lobby", "old 3")).hasCount(1);
    }
    // the server comes back on the same port with a new data dir: its history is gone and its
    // numbering starts at 1 again, under a new epoch
    server.start(new JsonObject().put("http", new JsonObject().put("port", port)));
    try (LineClient carol = LineClient.login(server.telnetPort(), "carol")) {
      carol.send("new 1");
      carol.expectContaining("carol: new 1");
      carol.send("new 2");
      carol.expectContaining("carol: new 2");
      assertThat(page.locator("#conn"))
          .hasAttribute(
              "data-state",
              "online",
              new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
      assertThat(page.locator(".messages[data-room=lobby] .item.warn").last())
          .containsText("History was reset on the server; showing the latest messages");
      // without the epoch the page would have asked for what came after seq 3 and got nothing,
      // then dropped "new 3" as the seq 3 it already had
      assertThat(message(page, "lobby", "new 2")).hasCount(1);
      carol.send("new 3");
      assertThat(message(page, "lobby", "new 3")).hasCount(1);
      assertEquals(
          List.of("old 1", "old 2", "old 3", "new 1", "new 2", "new 3"),
          page.locator(".messages[data-room=lobby] .item.msg .text").allTextContents(),
          "what was shown stays, the new numbering follows it");
      shoot(page, "history-reset");
    }
  }

  @Test
  void reconnectRetriesWhileTheServerStillHoldsTheNickname() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice");
        TcpProxy network = new TcpProxy(server.httpPort())) {
      Page page = openPage(network.port(), 1280, 800);
      List<String> received = Collections.synchronizedList(new ArrayList<>());
      page.onWebSocket(ws -> ws.onFrameReceived(f -> received.add(f.text())));
      login(page, "bob");
      alice.expectContaining("bob (web) has joined");
      alice.send("one");
      assertThat(message(page, "lobby", "one")).hasCount(1);

      // the browser loses its connection, but the server has not noticed: "bob" is still taken
      network.dropClientsOnly();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "reconnecting");
      alice.send("two, while the server still holds bob");
      alice.expectContaining("alice: two, while the server still holds bob");
      page.waitForCondition(
          () -> received.stream().filter(t -> t.contains("\"nick_taken\"")).count() >= 2,
          new Page.WaitForConditionOptions().setTimeout(15_000));
      assertThat(page.locator("#conn")).hasAttribute("data-state", "reconnecting");

      // now the server notices the old connection is gone, and the page's next try gets the
      // nickname back
      network.closeOrphans();
      alice.expectContaining("bob has left #lobby");
      assertThat(page.locator("#conn"))
          .hasAttribute(
              "data-state",
              "online",
              new com.microsoft.playwright.assertions.LocatorAssertions.HasAttributeOptions()
                  .setTimeout(20_000));
      alice.expectContaining("bob (web) has joined #lobby");
      assertThat(message(page, "lobby", "two, while the server still holds bob")).hasCount(1);
      assertThat(message(page, "lobby", "one")).hasCount(1);
      assertThat(page.locator("#me")).hasText("Bbob");
    }
  }

  @Test
  void repliesFindTheirRequestByIdNotByOrder() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      // Between the page and the server: checks that each `who` reply carries the id of the /who it
      // answers, and holds back the first one (the page's own /who after joining) until the reply
      // to a /who the user typed has been delivered.
      LabelingProxy proxy = new LabelingProxy();
      Page page =
          openPage(
              server.httpPort(),
              1280,
              800,
              context -> context.routeWebSocket("**/chat/ws", proxy::route));
      login(page, "bob");
      page.waitForCondition(() -> proxy.held != null);

      // the room changes while the page's own /who is unanswered; the user then asks for /who
      try (LineClient dave = LineClient.login(server.telnetPort(), "dave")) {
        assertThat(page.locator("#people-list [data-nick=dave]")).hasCount(1);
        send(page, "/who #lobby");
        page.waitForCondition(() -> proxy.held == null);
        // one more round trip, so that the page has taken the released reply too
        alice.send("after the replies");
        assertThat(message(page, "lobby", "after the replies")).hasCount(1);

        // the user's /who is shown (it arrived first, labeled with its id); the page's own only fed
        // the list
        Locator who = page.locator(".messages[data-room=lobby] .item.notice:has(.who)");
        assertThat(who).hasCount(1);
        assertThat(who).containsText("3 people in #lobby");
      }

      // every frame the page sent had an id of its own, of at most 64 characters
      assertTrue(proxy.sent.size() >= 3, "frames sent: " + proxy.sent);
      List<String> ids = new ArrayList<>();
      for (JsonObject frame : proxy.sent) {
        assertTrue(
            frame.getValue("id") instanceof String id && !id.isEmpty() && id.length() <= 64,
            "a frame without a proper id: " + frame);
        ids.add(frame.getString("id"));
      }
      assertEquals(ids.size(), ids.stream().distinct().count(), "ids are unique: " + ids);
      assertEquals(
          List.of(), proxy.mislabeled, "the server labels each reply with its request's id");
    }
  }

  @Test
  void registerInTheBrowserThenAReloadLogsInWithTheTokenAndLogoutEndsIt() throws Exception {
    String password = "graces-secret-1";
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page page = openPage(1280, 800);
      Locator passwordField = page.getByLabel("Password");
      Locator register = page.getByLabel("Register as a new account");
      assertThat(passwordField).isVisible();
      assertThat(passwordField).hasAttribute("type", "password");
      assertThat(register).not().isChecked();
      shoot(page, "login-account");

      page.getByLabel("Nickname").fill("grace");
      passwordField.fill(password);
      assertThat(page.locator("#login-button")).hasText("Log in");
      register.check();
      page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Register and join"))
          .click();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      assertThat(page.locator("#room-title")).hasText("#lobby");
      alice.expectContaining("grace (web) has joined #lobby");
      shoot(page, "registered");
      String token = storedToken(page);
      assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
      assertNowhereInTheBrowser(page, password);

      // a reload logs in again with the token: no password is sent, none is kept
      List<JsonObject> sent = Collections.synchronizedList(new ArrayList<>());
      page.onWebSocket(ws -> ws.onFrameSent(f -> sent.add(new JsonObject(f.text()))));
      page.reload();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      assertThat(page.locator("#app")).isVisible();
      assertThat(page.locator("#me")).containsText("grace");
      JsonObject hello =
          sent.stream().filter(f -> "hello".equals(f.getString("type"))).findFirst().orElseThrow();
      assertEquals("grace", hello.getString("nick"));
      assertEquals(token, hello.getString("token"));
      assertFalse(hello.containsKey("password"), hello.encode());
      assertNowhereInTheBrowser(page, password);
      send(page, "back after a reload");
      alice.expectContaining("grace: back after a reload");

      // /logout revokes the token: the next visit shows the login screen
      send(page, "/logout");
      assertThat(page.locator(".item.notice").last()).containsText("logged out of grace");
      page.waitForCondition(() -> page.evaluate("localStorage.getItem('parley.session')") == null);
      page.reload();
      assertThat(page.locator("#login-screen")).isVisible();
      assertThat(page.getByLabel("Nickname")).hasValue("grace");
      assertThat(page.locator("#app")).isHidden();
    }
  }

  @Test
  void aRegisteredNicknameAsksForItsPasswordAndShowsAWrongOne() throws Exception {
    registerOverWebSocket("heidi", "heidis-secret-1");
    Page page = openPage(1280, 800);
    page.getByLabel("Nickname").fill("heidi");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join chat")).click();
    Locator error = page.locator("#password-error");
    assertThat(error).containsText("registered");
    assertThat(page.getByLabel("Password")).isFocused();

    page.getByLabel("Password").fill("not heidis password");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log in")).click();
    assertThat(error).containsText("wrong password");
    assertThat(page.getByLabel("Password")).hasAttribute("aria-invalid", "true");
    assertThat(page.getByLabel("Password")).hasValue("");
    assertThat(page.locator("#app")).isHidden();
    shoot(page, "login-wrong-password");

    // registering a nickname that is registered already says so too
    page.getByLabel("Password").fill("another password");
    page.getByLabel("Register as a new account").check();
    page.locator("#login-button").click();
    assertThat(error).containsText("registered");
    page.getByLabel("Register as a new account").uncheck();

    page.getByLabel("Password").fill("heidis-secret-1");
    page.getByLabel("Password").press("Enter");
    assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
    assertThat(error).isHidden();
  }

  @Test
  void aPrivateConversationHasItsOwnEntryAndKeepsItsHistoryAcrossAReload() throws Exception {
    try (LineClient alice = LineClient.login(server.telnetPort(), "alice")) {
      Page page = openPage(1280, 800);
      page.getByLabel("Nickname").fill("ivan");
      page.getByLabel("Password").fill("ivans-secret-1");
      page.getByLabel("Register as a new account").check();
      page.locator("#login-button").click();
      assertThat(page.locator("#room-title")).hasText("#lobby");
      alice.expectContaining("ivan (web) has joined #lobby");

      alice.send("/msg ivan are you there, ivan?");
      Locator entry = page.locator(".room-btn[data-room='@alice']");
      assertThat(entry).isVisible();
      assertThat(entry.locator(".count")).hasText(Pattern.compile("^1\\b"));
      assertThat(page.locator("#private-heading")).isVisible();
      assertThat(message(page, "lobby", "are you there, ivan?")).hasCount(0);
      entry.click();
      assertThat(page.locator("#room-title")).hasText("@alice");
      assertThat(entry.locator(".count")).isEmpty();
      Locator conversation = page.locator(".messages[data-room='@alice'] .item.private .text");
      assertThat(conversation).hasText(new String[] {"are you there, ivan?"});

      // a plain line in the conversation goes to alice only
      send(page, "yes, here");
      alice.expectContaining("*ivan* yes, here");
      assertThat(conversation).hasText(new String[] {"are you there, ivan?", "yes, here"});
      shoot(page, "private-conversation");

      // kept in the browser for the account: a reload shows it again
      page.reload();
      assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
      assertThat(entry).isVisible();
      entry.click();
      assertThat(conversation).hasText(new String[] {"are you there, ivan?", "yes, here"});
      alice.send("/msg ivan welcome back");
      assertThat(conversation)
          .hasText(new String[] {"are you there, ivan?", "yes, here", "welcome back"});
    }
  }

  @Test
  void aTokenRevokedElsewhereSendsThePageBackToThePassword() throws Exception {
    Page page = openPage(1280, 800);
    page.getByLabel("Nickname").fill("kim");
    page.getByLabel("Password").fill("kims-secret-1");
    page.getByLabel("Register as a new account").check();
    page.locator("#login-button").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
    storedToken(page);
    page.navigate("about:blank"); // the page goes away; its localStorage stays

    // meanwhile kim changes the password from another client: every token of the account ends
    try (WsClient other = WsClient.connect(server.clientVertx(), server.httpPort())) {
      JsonObject hello =
          new JsonObject().put("type", "hello").put("nick", "kim").put("password", "kims-secret-1");
      Eventually.within(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                other.send(hello);
                JsonObject f =
                    other.expect(
                        x -> "welcome".equals(x.getString("type")) || x.containsKey("code"),
                        "welcome or error");
                return "welcome".equals(f.getString("type")); // else nick_taken: not free yet
              });
      other.say("/password kims-secret-1 kims-secret-2");
      other.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("changed"),
          "password changed");
    }

    page.navigate("http://127.0.0.1:" + server.httpPort() + "/chat");
    Locator error = page.locator("#password-error");
    assertThat(error).containsText("Your saved login has ended");
    assertThat(page.locator("#app")).isHidden();
    assertThat(page.getByLabel("Password")).isFocused();
    assertEquals(null, page.evaluate("localStorage.getItem('parley.session')"));
    shoot(page, "login-token-ended");
    page.getByLabel("Password").fill("kims-secret-2");
    page.getByLabel("Password").press("Enter");
    assertThat(page.locator("#conn"))
        .hasAttribute(
            "data-state", "online", new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
    assertTrue(storedToken(page).matches("[A-Za-z0-9_-]{43}"));
  }

  /**
   * Two tabs of one browser, one account: the second tab, logging in with the shared token, is
   * another client of the account (multiclient, docs/ACCOUNTS.md): it is online in the same room
   * and sees what the first tab says, and the first tab is undisturbed.
   */
  @Test
  void aSecondTabOfTheSameAccountIsAnotherClientOfIt() throws Exception {
    Page first = openPage(1280, 800);
    first.getByLabel("Nickname").fill("judy");
    first.getByLabel("Password").fill("judys-secret-1");
    first.getByLabel("Register as a new account").check();
    first.locator("#login-button").click();
    assertThat(first.locator("#conn")).hasAttribute("data-state", "online");
    String token = storedToken(first);

    Page second = openTab(first.context(), server.httpPort());
    assertThat(second.locator("#conn")).hasAttribute("data-state", "online");
    assertEquals(token, storedToken(second), "the same token");
    send(first, "said in the first tab");
    assertThat(message(second, "lobby", "said in the first tab")).hasCount(1);
    shoot(second, "second-tab");
    assertThat(first.locator("#conn")).hasAttribute("data-state", "online");
    assertThat(message(first, "lobby", "said in the first tab")).hasCount(1);
  }

  // ---- helpers
  // --------------------------------------------------------------------------------------

  /** The session token the page keeps in localStorage. */
  private static String storedToken(Page page) {
    Object saved = page.evaluate("localStorage.getItem('parley.session')");
    assertTrue(saved instanceof String, "no session in localStorage");
    return new JsonObject((String) saved).getString("token");
  }

  /** Neither storage of the page, nor its URL or cookies, holds {@code secret}. */
  private static void assertNowhereInTheBrowser(Page page, String secret) {
    Object storage =
        page.evaluate(
            "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
                + " location.href, document.cookie])");
    assertFalse(String.valueOf(storage).contains(secret), "the password is kept: " + storage);
    assertFalse(page.url().contains(secret), page.url());
  }

  /** Registers {@code nick} with a real WebSocket client, then ends that session. */
  private static void registerOverWebSocket(String nick, String password) throws Exception {
    try (WsClient c = WsClient.connect(server.clientVertx(), server.httpPort())) {
      c.send(
          new JsonObject()
              .put("type", "hello")
              .put("nick", nick)
              .put("password", password)
              .put("register", true));
      c.expect("joined");
    }
  }

  private Page openPage(int width, int height) {
    return openPage(server.httpPort(), width, height);
  }

  private Page openPage(int port, int width, int height) {
    return openPage(port, width, height, context -> {});
  }

  private Page openPage(int port, int width, int height, Consumer<BrowserContext> setUp) {
    BrowserContext context =
        browser.newContext(
            new Browser.NewContextOptions()
                .setViewportSize(width, height)
                .setColorScheme(ColorScheme.LIGHT)
                .setReducedMotion(ReducedMotion.REDUCE));
    contexts.add(context);
    setUp.accept(context);
    Page page = openTab(context, port);
    assertThat(page.getByLabel("Nickname")).isVisible();
    return page;
  }

  /** Another tab of the same browser (sharing its localStorage), on the page. */
  private Page openTab(BrowserContext context, int port) {
    Page page = context.newPage();
    page.onDialog(
        d -> {
          dialogs.add(d.type() + ": " + d.message());
          d.dismiss();
        });
    page.onPageError(err -> pageErrors.add(err));
    page.navigate("http://127.0.0.1:" + port + "/chat");
    return page;
  }

  /**
   * A WebSocket route standing in for a server that labels its replies: each `who` frame gets the
   * id of the oldest unanswered /who the page sent. It holds back the first `who` reply until it
   * has delivered the reply to a /who the user typed (those are sent with a `room`; the page's own
   * are not), then sends it. Playwright calls it on the test's thread, while the test waits in a
   * Playwright call.
   */
  private static final class LabelingProxy {
    final List<JsonObject> sent = new ArrayList<>();
    final Deque<JsonObject> whoRequests = new ArrayDeque<>();

    /** Who replies from the server that did not carry the id of the request they answer. */
    final List<JsonObject> mislabeled = new ArrayList<>();

    String held;
    boolean holding = true;

    void route(WebSocketRoute page) {
      WebSocketRoute server = page.connectToServer();
      page.onMessage(
          frame -> {
            JsonObject f = new JsonObject(frame.text());
            sent.add(f);
            if ("say".equals(f.getString("type")) && f.getString("text", "").startsWith("/who")) {
              whoRequests.add(f);
            }
            server.send(frame.text());
          });
      server.onMessage(
          frame -> {
            JsonObject f = new JsonObject(frame.text());
            if (!"who".equals(f.getString("type"))) {
              page.send(frame.text());
              return;
            }
            JsonObject request = whoRequests.remove();
            if (!request.getString("id").equals(f.getString("id"))) {
              mislabeled.add(f);
            }
            String labeled = frame.text();
            if (holding) {
              holding = false;
              held = labeled;
              return;
            }
            page.send(labeled);
            if (held != null && request.containsKey("room")) {
              page.send(held);
              held = null;
            }
          });
    }
  }

  private static void login(Page page, String nick) {
    page.getByLabel("Nickname").fill(nick);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Join chat")).click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "online");
    assertThat(page.locator("#room-title")).hasText("#lobby");
  }

  private static void send(Page page, String text) {
    Locator input = page.locator("#msg-input");
    input.fill(text);
    input.press("Enter");
    assertThat(input).hasValue("");
  }

  /** The chat lines of a room whose text is exactly {@code text}. */
  private static Locator message(Page page, String room, String text) {
    return page.locator(".messages[data-room=" + room + "] .item.msg:not(.private) .text")
        .filter(
            new Locator.FilterOptions()
                .setHasText(Pattern.compile("^" + jsRegexQuote(text) + "$")));
  }

  /**
   * Playwright runs regular expressions in the browser, where Java's \\Q...\\E quoting does not
   * exist.
   */
  private static String jsRegexQuote(String s) {
    return s.replaceAll("[\\\\^$.*+?()\\[\\]{}|/-]", "\\\\$0");
  }

  private static boolean atBottom(Page page) {
    return (Boolean)
        page.locator("#log").evaluate("e => e.scrollHeight - e.scrollTop - e.clientHeight < 2");
  }

  private static void shoot(Page page, String name) {
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")));
  }
}

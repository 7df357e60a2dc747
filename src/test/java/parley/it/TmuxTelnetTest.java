package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;

/**
 * End to end with the real Debian {@code telnet} client in a tmux pane of 100x30: what a person
 * typing at a terminal sees. Incoming chat lines appear above the input line, and the half-typed
 * input stays intact.
 */
class TmuxTelnetTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String SESSION = "parley";

  @RegisterExtension
  static final ParleyServerExtension server = ParleyServerExtension.withDefaults();

  private String socketName;
  private Path tmuxConf;

  @BeforeEach
  void start() throws Exception {
    for (String tool : List.of("tmux", "telnet")) {
      if (!onPath(tool)) {
        fail(
            "'"
                + tool
                + "' is not installed, but this end-to-end test needs both tmux and the Debian telnet "
                + "client: run bin/test, which installs them (apt-get install telnet tmux)");
      }
    }
    socketName = "parley-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    tmuxConf = Files.createTempFile("parley-tmux", ".conf");
    // keep the pane (and its text) when telnet exits, so a failure can still show what happened
    Files.writeString(tmuxConf, "set -g remain-on-exit on\n");
  }

  @AfterEach
  void stop() throws Exception {
    if (socketName != null) {
      // tmux leaves its socket file behind after kill-server: remove it too
      String socket = tmux(false, "display-message", "-p", "#{socket_path}").strip();
      tmux(false, "kill-server");
      if (socket.startsWith("/") && socket.endsWith("/" + socketName)) {
        Files.deleteIfExists(Path.of(socket));
      }
    }
    if (tmuxConf != null) {
      Files.deleteIfExists(tmuxConf);
    }
  }

  @Test
  void incomingLineIsDrawnAboveTheHalfTypedInput() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      awaitPane(p -> lastLine(p).equals("Nickname:"), "the nickname prompt");
      keys("alice");
      awaitPane(p -> lastLine(p).equals("Nickname: alice"), "the typed nickname echoed");
      enter();
      awaitPane(p -> p.contains("You are in #lobby") && lastLine(p).equals(">"), "the chat prompt");
      bob.expectContaining("alice (telnet) has joined #lobby");

      keys("half typed");
      awaitPane(p -> lastLine(p).equals("> half typed"), "the half-typed input");
      bob.send("a message while alice types");
      String pane =
          awaitPane(
              p ->
                  p.contains("bob: a message while alice types")
                      && lastLine(p).equals("> half typed"),
              "the incoming line above the intact input");
      List<String> lines = nonEmptyLines(pane);
      String incoming = lines.get(lines.size() - 2);
      assertTrue(
          incoming.endsWith("] bob: a message while alice types"),
          "the incoming message is on its own line just above the input:\n" + pane);
      assertEquals(
          1,
          count(pane, "half typed"),
          "the input appears once, not also inside the chat line:\n" + pane);
      awaitCursor(12, lines.size() - 1, "the cursor back at the end of the input");

      keys(" and finished");
      enter();
      String heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: half typed and finished"), heard);
      awaitPane(
          p -> p.contains("alice: half typed and finished") && lastLine(p).equals(">"),
          "alice's own message shown and an empty prompt");
    }
  }

  @Test
  void backspaceAndCursorKeysEditTheLine() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");

      keys("spelling mistakz");
      awaitPane(p -> lastLine(p).equals("> spelling mistakz"), "the typed text");
      key("BSpace");
      awaitPane(p -> lastLine(p).equals("> spelling mistak"), "the last character erased");
      keys("e");
      enter();
      String heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: spelling mistake"), heard);

      keys("helo world");
      key("Home");
      for (int i = 0; i < 3; i++) {
        key("Right");
      }
      keys("l");
      awaitPane(p -> lastLine(p).equals("> hello world"), "a character inserted mid-line");
      awaitCursor(6, nonEmptyLines(pane()).size() - 1, "the cursor after the inserted character");
      enter();
      heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: hello world"), heard);
    }
  }

  @Test
  void controlKeysHistoryAndCtrlDToQuit() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");

      keys("garbage");
      awaitPane(p -> lastLine(p).equals("> garbage"), "the typed text");
      key("C-u");
      awaitPane(p -> lastLine(p).equals(">"), "the line cleared by Ctrl-U");
      keys("oops");
      key("C-c");
      awaitPane(p -> lastLine(p).equals(">"), "the line cleared by Ctrl-C");
      keys("one two three");
      key("C-w");
      awaitPane(p -> lastLine(p).equals("> one two"), "the last word deleted by Ctrl-W");
      keys("four");
      enter();
      String heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: one two four"), heard);

      awaitPane(
          p -> p.contains("alice: one two four") && lastLine(p).equals(">"), "the empty prompt");
      key("Up");
      awaitPane(p -> lastLine(p).equals("> one two four"), "the previous line recalled by Up");
      keys("!");
      enter();
      heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: one two four!"), heard);

      awaitPane(
          p -> p.contains("alice: one two four!") && lastLine(p).equals(">"), "the empty prompt");
      key("C-d");
      bob.expectContaining("alice has left #lobby");
      String pane =
          awaitPane(
              p -> p.contains("Connection closed by foreign host"),
              "telnet told the connection closed");
      // the goodbye is the server's last word: no prompt is drawn after it
      List<String> lines = nonEmptyLines(pane);
      int closed = lines.indexOf("Connection closed by foreign host.");
      assertTrue(
          closed > 0 && lines.get(closed - 1).equals("*** Goodbye (quit)"),
          "goodbye, then telnet's notice:\n" + pane);
    }
  }

  @Test
  void utf8BothWays() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");
      keys("caf\u00e9 \u2603 \u65e5\u672c");
      awaitPane(p -> lastLine(p).equals("> caf\u00e9 \u2603 \u65e5\u672c"), "UTF-8 input echoed");
      key("BSpace");
      awaitPane(p -> lastLine(p).equals("> caf\u00e9 \u2603 \u65e5"), "a wide character erased");
      enter();
      String heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: caf\u00e9 \u2603 \u65e5"), heard);
      bob.send("na\u00efve \u00fcber");
      awaitPane(p -> p.contains("bob: na\u00efve \u00fcber"), "UTF-8 output shown");
    }
  }

  @Test
  void inputLongerThanARowSurvivesIncomingLines() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");

      StringBuilder b = new StringBuilder();
      for (int i = 1; b.length() < 150; i++) {
        b.append(i == 1 ? "" : " ").append("w").append(i);
      }
      String input = b.toString();
      String shown = "> " + input;
      List<String> expected = List.of(shown.substring(0, 100), shown.substring(100));
      keys(input);
      awaitPane(p -> lastLines(p, 2).equals(expected), "the input on two rows");
      bob.send("first incoming");
      bob.send("second incoming");
      String pane =
          awaitPane(
              p -> p.contains("bob: second incoming") && lastLines(p, 2).equals(expected),
              "the incoming lines above the two-row input");
      List<String> lines = nonEmptyLines(pane);
      assertTrue(lines.get(lines.size() - 4).endsWith("] bob: first incoming"), pane);
      assertTrue(lines.get(lines.size() - 3).endsWith("] bob: second incoming"), pane);
      assertEquals(1, count(pane, " w20 "), "no leftover copy of the input:\n" + pane);
      awaitCursor(shown.length() - 100, lines.size() - 1, "the cursor at the end of the input");
      enter();
      String heard = bob.expect(l -> l.contains("alice: "), "alice's long line");
      assertTrue(heard.endsWith("] alice: " + input), heard);
    }
  }

  @Test
  void resizedWindowWrapsIncomingLinesAtTheNewWidth() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob")) {
      startTelnet();
      login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");
      tmux(true, "resize-window", "-t", SESSION, "-x", "50", "-y", "30");
      // telnet reports the new size (NAWS); the server then wraps between words, not mid-word like
      // the terminal
      StringBuilder b = new StringBuilder();
      for (int i = 1; b.length() < 120; i++) {
        b.append(i == 1 ? "" : " ").append("word").append(i);
      }
      String text = b.toString();
      // the resize reaches the server asynchronously: send until one arrives wrapped at word
      // boundaries
      AtomicInteger rounds = new AtomicInteger();
      polling()
          .untilAsserted(
              () -> {
                int round = rounds.incrementAndGet();
                bob.send(round + " " + text);
                String marker = "bob: " + round + " ";
                String pane =
                    awaitPane(
                        p ->
                            p.contains(marker)
                                && p.contains(
                                    " " + text.substring(text.lastIndexOf(' ') + 1) + "\n")
                                && lastLine(p).equals(">"),
                        "bob's long line " + round);
                assertTrue(
                    wrappedAtWords(pane, marker, text, 50),
                    "incoming lines are not wrapped at the new width of 50 columns; the pane shows:\n"
                        + pane);
              });
    }
  }

  /**
   * Whether the message starting at {@code marker} occupies rows that each end at a word boundary.
   */
  private static boolean wrappedAtWords(String pane, String marker, String text, int columns) {
    List<String> lines = nonEmptyLines(pane);
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(marker)) {
        start = i;
      }
    }
    String last = text.substring(text.lastIndexOf(' ') + 1);
    List<String> rows = new ArrayList<>();
    for (int i = start; i < lines.size(); i++) {
      rows.add(lines.get(i));
      if (lines.get(i).endsWith(" " + last) || lines.get(i).equals(last)) {
        break;
      }
    }
    String joined = String.join(" ", rows);
    return rows.size() > 1
        && rows.stream().allMatch(r -> r.length() <= columns)
        && joined.endsWith(marker + text);
  }

  private void startTelnet() throws Exception {
    tmux(
        true,
        "-f",
        tmuxConf.toString(),
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        "100",
        "-y",
        "30",
        "telnet 127.0.0.1 " + server.telnetPort());
  }

  private void login(String nick) throws Exception {
    awaitPane(p -> lastLine(p).equals("Nickname:"), "the nickname prompt");
    keys(nick);
    enter();
    awaitPane(p -> p.contains("You are in #lobby") && lastLine(p).equals(">"), "the chat prompt");
  }

  private static List<String> lastLines(String pane, int n) {
    List<String> lines = nonEmptyLines(pane);
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  // ---- tmux helpers ----

  private void keys(String literal) throws Exception {
    tmux(true, "send-keys", "-t", SESSION, "-l", literal);
  }

  private void key(String name) throws Exception {
    tmux(true, "send-keys", "-t", SESSION, name);
  }

  private void enter() throws Exception {
    key("Enter");
  }

  private String pane() throws Exception {
    return tmux(true, "capture-pane", "-p", "-t", SESSION);
  }

  /** Cursor column and row in the pane. */
  private List<Integer> cursor() throws Exception {
    String[] xy =
        tmux(true, "display-message", "-p", "-t", SESSION, "#{cursor_x} #{cursor_y}")
            .strip()
            .split(" ");
    return List.of(Integer.parseInt(xy[0]), Integer.parseInt(xy[1]));
  }

  /** Polls until the pane's cursor is at column {@code x}, row {@code y}. */
  private void awaitCursor(int x, int y, String what) {
    polling()
        .untilAsserted(
            () -> {
              List<Integer> at = cursor();
              if (!at.equals(List.of(x, y))) {
                fail(
                    "no "
                        + what
                        + " ("
                        + x
                        + ","
                        + y
                        + ") within "
                        + WAIT.toSeconds()
                        + " s; it is at "
                        + at
                        + " and the pane shows:\n"
                        + pane());
              }
            });
  }

  /**
   * Polls capture-pane until {@code condition} holds; fails with the pane text after {@link #WAIT}.
   */
  private String awaitPane(Predicate<String> condition, String what) {
    AtomicReference<String> pane = new AtomicReference<>();
    polling()
        .untilAsserted(
            () -> {
              pane.set(pane());
              assertTrue(
                  condition.test(pane.get()),
                  () ->
                      "no "
                          + what
                          + " within "
                          + WAIT.toSeconds()
                          + " s; the pane shows:\n"
                          + pane.get());
            });
    return pane.get();
  }

  /** Every 20 ms (each look at the pane runs tmux) for up to {@link #WAIT}. */
  private static ConditionFactory polling() {
    return Eventually.within(WAIT).pollInterval(Duration.ofMillis(20));
  }

  private static List<String> nonEmptyLines(String pane) {
    List<String> lines = new ArrayList<>();
    for (String l : pane.split("\n", -1)) {
      lines.add(l.stripTrailing());
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  /** The last non-empty line of the pane, without trailing spaces. */
  private static String lastLine(String pane) {
    List<String> lines = nonEmptyLines(pane);
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private String tmux(boolean check, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socketName));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment()
        .put("LC_ALL", "C.UTF-8"); // UTF-8 in tmux and in telnet, whatever the caller's locale
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("tmux " + String.join(" ", args) + " did not finish");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (check && p.exitValue() != 0) {
      fail("tmux " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + text);
    }
    return text;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}

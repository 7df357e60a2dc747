package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.commons.net.telnet.EchoOptionHandler;
import org.apache.commons.net.telnet.SuppressGAOptionHandler;
import org.apache.commons.net.telnet.TelnetClient;
import org.apache.commons.net.telnet.TelnetOption;
import org.apache.commons.net.telnet.TerminalTypeOptionHandler;
import org.apache.commons.net.telnet.WindowSizeOptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.telnet.TerminalText;

/**
 * Telnet negotiation and character mode against a real negotiating client (commons-net {@link
 * TelnetClient}, which agrees to the server's ECHO and SGA and reports NAWS 60x24 and terminal type
 * xterm), next to plain non-negotiating TCP clients that must keep getting plain lines.
 */
class TelnetClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int COLUMNS = 60;
  private static final Pattern SGR = Pattern.compile("\u001b\\[[0-9;]*m");
  private static final Pattern CSI = Pattern.compile("\u001b\\[[0-9;?]*[@-~]");

  @RegisterExtension
  static final ParleyServerExtension server = ParleyServerExtension.withDefaults();

  @Test
  void negotiatingClientGetsCharacterModeEditingWrappingAndColour() throws Exception {
    try (LineClient bob = LineClient.login(server.telnetPort(), "bob");
        Term alice = Term.connect(server.telnetPort())) {
      alice.login("alice");
      bob.expectContaining("alice (telnet) has joined #lobby");

      // the server echoes what is typed (the client does not echo locally: it agreed to the
      // server's ECHO)
      int mark = alice.mark();
      alice.type("helo");
      alice.await(mark, s -> s.contains("helo"), "the server's echo of \"helo\"");
      // Backspace (DEL, as terminals send it) twice, then retype: the server redraws the edited
      // input
      alice.type("\u007f\u007f");
      alice.await(
          mark, s -> s.endsWith("> he"), "the input redrawn as \"> he\" after two Backspaces");
      alice.type("llo\r\n");
      String heard = bob.expectContaining("alice: ");
      assertTrue(heard.endsWith("] alice: hello"), heard);
      alice.await(
          mark,
          s -> s.contains("alice\u001b[0m: hello") || s.contains("alice: hello"),
          "own message echoed");

      // the other way, with the nickname coloured for an xterm
      mark = alice.mark();
      bob.send("hi alice");
      String got = alice.await(mark, s -> s.contains("hi alice"), "bob's message");
      assertTrue(
          Pattern.compile("\u001b\\[\\d+mbob\u001b\\[0m: hi alice").matcher(got).find(),
          "the nickname is wrapped in ANSI colour sequences: " + Term.visible(got));
      assertTrue(
          got.endsWith("> "),
          "the prompt is redrawn after the incoming line: " + Term.visible(got));

      // a long incoming line is wrapped at the NAWS width
      StringBuilder words = new StringBuilder();
      for (int i = 1; i <= 30; i++) {
        words.append(i == 1 ? "" : " ").append("word").append(i);
      }
      String longText = words.toString();
      mark = alice.mark();
      bob.send(longText);
      String wrapped = alice.await(mark, s -> s.contains("word30"), "the long line");
      List<String> rows = Term.rows(wrapped);
      for (String row : rows) {
        assertTrue(
            TerminalText.width(row) <= COLUMNS,
            "row wider than "
                + COLUMNS
                + " columns: \""
                + Term.visible(row)
                + "\" in "
                + Term.visible(wrapped));
      }
      String joined =
          String.join(" ", rows.stream().map(r -> CSI.matcher(r).replaceAll("")).toList());
      assertTrue(
          joined.contains("bob: " + longText), "all of the line arrives, in order: " + joined);
      assertTrue(rows.size() >= 3, "the line took several rows: " + rows);

      // so is a long private message
      mark = alice.mark();
      bob.send("/msg alice " + longText);
      String whispered = alice.await(mark, s -> s.contains("word30"), "the long private message");
      List<String> privateRows = Term.rows(whispered);
      for (String row : privateRows) {
        assertTrue(
            TerminalText.width(row) <= COLUMNS,
            "row wider than "
                + COLUMNS
                + " columns: \""
                + Term.visible(row)
                + "\" in "
                + Term.visible(whispered));
      }
      String joinedPrivate =
          String.join(" ", privateRows.stream().map(r -> CSI.matcher(r).replaceAll("")).toList());
      assertTrue(
          joinedPrivate.contains("*bob* " + longText),
          "all of the private message arrives: " + joinedPrivate);

      // /color off turns the colours off for this session
      mark = alice.mark();
      alice.type("/color off\r\n");
      alice.await(mark, s -> s.contains("color is off"), "the /color off reply");
      mark = alice.mark();
      bob.send("plain now");
      String plain =
          alice.await(mark, s -> s.contains("plain now"), "bob's message after /color off");
      String row =
          rows(plain).stream().filter(r -> r.contains("plain now")).findFirst().orElseThrow();
      assertTrue(row.contains("] bob: plain now"), Term.visible(row));
      assertFalse(
          SGR.matcher(row).find(), "no colour sequences after /color off: " + Term.visible(row));
    }
  }

  @Test
  void rawClientGetsPlainLinesWithoutEscapes() throws Exception {
    try (Term alice = Term.connect(server.telnetPort())) {
      alice.login("alice");
      try (LineClient carol = LineClient.login(server.telnetPort(), "carol")) {
        int mark = alice.mark();
        alice.type("hello carol\r\n");
        carol.expectContaining("alice: hello carol");
        alice.type("/me waves\r\n");
        carol.expectContaining("* alice waves");
        // the xterm user does get colour in the meantime
        alice.await(mark, s -> SGR.matcher(s).find() && s.contains("waves"), "colour for alice");
        carol.send("/who");
        carol.expectContaining("Users on the server (2)");
        carol.expect(l -> l.contains("carol") && l.contains("idle"), "carol in /who");
        alice.close();
        carol.expectContaining("alice has left");
        List<String> all = new ArrayList<>(carol.seen());
        all.addAll(carol.unread());
        for (String line : all) {
          assertFalse(
              line.indexOf('\u001b') >= 0,
              "an escape sequence reached the raw client: " + Term.visible(line));
          assertFalse(
              line.chars().anyMatch(c -> c < 0x20),
              "a control character reached the raw client: " + Term.visible(line));
        }
      }
    }
  }

  @Test
  void eachLineEndEndsExactlyOneLine() throws Exception {
    try (LineClient dave = LineClient.login(server.telnetPort(), "dave");
        LineClient erin = LineClient.login(server.telnetPort(), "erin")) {
      dave.sendRaw("a\r\nb\r\0c\nd\re\r\n".getBytes(StandardCharsets.US_ASCII));
      dave.send("end");
      List<String> texts = new ArrayList<>();
      while (!texts.contains("end")) {
        String line = erin.expectContaining("dave: ");
        texts.add(line.substring(line.indexOf("dave: ") + 6));
      }
      assertEquals(List.of("a", "b", "c", "d", "e", "end"), texts);
    }
  }

  private static List<String> rows(String text) {
    return Term.rows(text);
  }

  /**
   * A negotiating telnet client whose received bytes (IAC sequences removed by commons-net) are
   * kept.
   */
  static final class Term implements AutoCloseable {
    private final TelnetClient telnet;
    private final OutputStream out;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private volatile boolean eof;

    private Term(TelnetClient telnet) {
      this.telnet = telnet;
      this.out = telnet.getOutputStream();
      Thread reader = new Thread(this::read, "term-reader");
      reader.setDaemon(true);
      reader.start();
    }

    static Term connect(int port) throws Exception {
      TelnetClient telnet = new TelnetClient();
      // server WILL ECHO: let it echo; SGA both ways; offer NAWS 60x24 and terminal type xterm when
      // asked
      telnet.addOptionHandler(new EchoOptionHandler(false, false, false, true));
      telnet.addOptionHandler(new SuppressGAOptionHandler(true, true, true, true));
      telnet.addOptionHandler(new WindowSizeOptionHandler(COLUMNS, 24, false, false, true, false));
      telnet.addOptionHandler(new TerminalTypeOptionHandler("xterm", false, false, true, false));
      telnet.setConnectTimeout(5000);
      telnet.connect("127.0.0.1", port);
      return new Term(telnet);
    }

    private void read() {
      byte[] buf = new byte[4096];
      try {
        InputStream in = telnet.getInputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (received) {
            received.write(buf, 0, n);
          }
        }
      } catch (IOException ignored) {
        // closed
      } finally {
        eof = true;
      }
    }

    String text() {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8);
      }
    }

    int mark() {
      return text().length();
    }

    void type(String keys) throws IOException {
      out.write(keys.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /**
     * Polls until the text received since {@code mark} satisfies {@code condition}, and returns it.
     */
    String await(int mark, Predicate<String> condition, String what) {
      AtomicReference<String> since = new AtomicReference<>();
      Eventually.within(WAIT)
          .untilAsserted(
              () -> {
                since.set(text().substring(mark));
                assertTrue(
                    condition.test(since.get()),
                    () ->
                        "no "
                            + what
                            + " within "
                            + WAIT.toSeconds()
                            + " s; received since then: "
                            + visible(since.get()));
              });
      return since.get();
    }

    void awaitState(BooleanSupplier condition, String what) {
      Eventually.within(WAIT)
          .untilAsserted(
              () ->
                  assertTrue(
                      condition.getAsBoolean(),
                      () ->
                          what
                              + " not negotiated within "
                              + WAIT.toSeconds()
                              + " s; received: "
                              + visible(text())));
    }

    /** Waits for the negotiation and the prompt, logs in and waits for the chat prompt. */
    /** Waits for character mode (the server echoes) and the nickname prompt. */
    void awaitNicknamePrompt() {
      awaitState(() -> telnet.getRemoteOptionState(TelnetOption.ECHO), "server ECHO");
      awaitState(() -> telnet.getLocalOptionState(TelnetOption.WINDOW_SIZE), "NAWS");
      awaitState(() -> telnet.getLocalOptionState(TelnetOption.TERMINAL_TYPE), "TERMINAL-TYPE");
      await(0, s -> s.endsWith("Nickname: "), "nickname prompt");
    }

    void login(String nick) throws Exception {
      awaitNicknamePrompt();
      int mark = mark();
      type(nick);
      // character mode: the server itself echoes the typed characters
      await(mark, s -> s.contains(nick), "echo of the typed nickname");
      type("\r\n");
      String welcome =
          await(
              mark, s -> s.contains("You are in #") && s.endsWith("> "), "chat prompt after login");
      assertTrue(welcome.contains("You are "), visible(welcome));
    }

    /**
     * The rows of {@code text} as a terminal shows them: split at line ends, and within a row only
     * what follows the last CR (which returns to column 0 and is overwritten).
     */
    static List<String> rows(String text) {
      List<String> rows = new ArrayList<>();
      for (String line : text.split("\n", -1)) {
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        int cr = line.lastIndexOf('\r');
        String row = cr >= 0 ? line.substring(cr + 1) : line;
        if (!row.isEmpty()) {
          rows.add(row);
        }
      }
      return rows;
    }

    /** Text with ESC and other control characters made visible, for failure messages. */
    static String visible(String s) {
      StringBuilder b = new StringBuilder();
      for (char c : s.toCharArray()) {
        if (c == 0x1b) {
          b.append("\\e");
        } else if (c == '\r') {
          b.append("\\r");
        } else if (c == '\n') {
          b.append("\\n");
        } else if (c < 0x20 || c == 0x7f) {
          b.append(String.format("\\x%02x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      if (telnet.isConnected()) {
        telnet.disconnect();
      }
    }
  }
}

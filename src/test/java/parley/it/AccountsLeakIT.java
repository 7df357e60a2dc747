package parley.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.LineClient;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * No password leaks (issue 16): a real server process, with parley's own loggers at DEBUG, gets
 * registrations, logins, password changes and wrong passwords over telnet (prompted and typed) and
 * WebSocket; then none of the passwords is in its stdout or stderr, in any file under its data
 * directory (accounts, history journal, chat log: searched as bytes), or in any line or frame any
 * client received.
 */
class AccountsLeakIT {
  private static final String TELNET_FIRST = "Leak-telnet-1st-q7Zx";
  private static final String TELNET_SECOND = "Leak-telnet-2nd-W3pk";
  private static final String TELNET_WRONG = "Leak-telnet-bad-Jm2r";
  private static final String WEB_FIRST = "Leak-web-1st-u8Tn";
  private static final String WEB_SECOND = "Leak-web-2nd-c5Hv";
  private static final String WEB_WRONG = "Leak-web-bad-Rr9e";
  private static final List<String> PASSWORDS =
      List.of(TELNET_FIRST, TELNET_SECOND, TELNET_WRONG, WEB_FIRST, WEB_SECOND, WEB_WRONG);

  @Test
  void noPasswordAppearsInOutputFilesOrFrames(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        new JsonObject()
            .put("accounts", new JsonObject().put("hashIterations", 100_000))
            .put("history", new JsonObject().put("fsync", "always"))
            .encode());
    Path logback = dir.resolve("logback.xml");
    Files.writeString(
        logback,
        """
        <configuration>
          <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
            <target>System.err</target>
            <encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder>
          </appender>
          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder>
          </appender>
          <logger name="parley" level="DEBUG"><appender-ref ref="STDOUT"/></logger>
          <root level="INFO"><appender-ref ref="STDERR"/></root>
        </configuration>
        """);
    List<String> received = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    ParleyProcess p =
        ParleyProcess.launch(
            List.of("-Xmx256m", "-Dlogback.configurationFile=" + logback),
            "--config",
            config.toString(),
            "--host",
            "127.0.0.1",
            "--telnet-port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            data.toString());
    p.awaitPorts(Duration.ofSeconds(60));
    try (p;
        WsClient watcher = WsClient.login(vertx, p.httpPort(), "watcher");
        LineClient erin = LineClient.login(p.telnetPort(), "erin");
        WsClient frank = WsClient.login(vertx, p.httpPort(), "frank")) {
      // telnet: /register and /password prompting, then a wrong and a right /identify typed out
      erin.send("/register");
      erin.expectPrompt("New password:");
      erin.send(TELNET_FIRST);
      erin.expectPrompt("Again:");
      erin.send(TELNET_FIRST);
      erin.expectContaining("is registered to you");
      erin.send("/password");
      erin.expectPrompt("Old password:");
      erin.send(TELNET_FIRST);
      erin.expectPrompt("New password:");
      erin.send(TELNET_SECOND);
      erin.expectPrompt("Again:");
      erin.send(TELNET_SECOND);
      erin.expectContaining("password is changed");
      erin.send("/logout");
      erin.expectContaining("logged out of erin");
      erin.send("/identify " + TELNET_WRONG);
      erin.expectContaining("wrong password");
      erin.send("/identify " + TELNET_SECOND);
      erin.expectContaining("logged in as erin");
      erin.send("erin says hello after all that");
      watcher.expectMessage("erin says hello after all that");

      // WebSocket: /register and /password typed, a wrong password at hello
      frank.say("/register " + WEB_FIRST);
      frank.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "the registration");
      frank.say("/password " + WEB_FIRST + " " + WEB_SECOND);
      frank.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("changed"),
          "the change");
      frank.say("frank says hello after all that");
      watcher.expectMessage("frank says hello after all that");
      try (WsClient mallory = WsClient.connect(vertx, p.httpPort())) {
        mallory.send(
            new JsonObject().put("type", "hello").put("nick", "frank").put("password", WEB_WRONG));
        mallory.expect(
            f -> "wrong_password".equals(f.getString("code")), "the wrong password refused");
        received.addAll(frames(mallory));
      }
      // telnet: a failed login at the password prompt
      try (LineClient guesser = new LineClient(p.telnetPort())) {
        guesser.expectPrompt("Nickname:");
        guesser.send("erin");
        guesser.expectPrompt("Password for erin:");
        guesser.send(TELNET_WRONG);
        guesser.expectContaining("wrong password");
        received.addAll(guesser.seen());
        received.addAll(guesser.unread());
      }
      received.addAll(erin.seen());
      received.addAll(erin.unread());
      received.addAll(frames(frank));
      received.addAll(frames(watcher));

      // a graceful stop: every log line and file is written out
      p.terminate();
      int status = p.awaitExit(Duration.ofSeconds(60));
      assertTrue(status == 143 || status == 0, "exit status after SIGTERM: " + status);
    } finally {
      vertx.close();
    }

    List<String> output = new ArrayList<>(p.stdout());
    output.addAll(p.stderr());
    assertTrue(
        output.stream().anyMatch(l -> l.contains("registered the nickname erin")),
        "parley's log is in the output: " + output);
    assertTrue(
        output.stream().anyMatch(l -> l.contains("wrong password for frank")),
        "the wrong password was logged (without the password)");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(data)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertTrue(files.contains(data.resolve("accounts.json")), "the accounts file: " + files);
    assertTrue(
        files.stream().anyMatch(f -> f.getFileName().toString().equals("chat.log")),
        "the chat log: " + files);
    assertTrue(
        received.stream().anyMatch(l -> l.contains("erin says hello after all that")),
        "the clients' lines and frames are recorded");
    for (String password : PASSWORDS) {
      for (String line : output) {
        assertFalse(line.contains(password), "the process printed a password: " + line);
      }
      for (String line : received) {
        assertFalse(line.contains(password), "a client received a password: " + line);
      }
      byte[] needle = password.getBytes(StandardCharsets.UTF_8);
      for (Path f : files) {
        assertFalse(contains(Files.readAllBytes(f), needle), "a password is in " + f);
      }
    }
    assertTrue(
        contains(
            Files.readAllBytes(data.resolve("accounts.json")),
            "pbkdf2-sha256$100000$".getBytes(StandardCharsets.US_ASCII)),
        "the hashes are kept");
  }

  private static List<String> frames(WsClient c) {
    List<String> all = new ArrayList<>();
    c.seen().forEach(f -> all.add(f.encode()));
    c.unread().forEach(f -> all.add(f.encode()));
    return all;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}

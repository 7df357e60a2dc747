package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.LineClient;
import parley.support.ParleyProcess;

/** The launch contract, against the real jar in its own process. */
class LauncherIT {

  @Test
  void portZeroPicksFreePortsAndPrintsThem(@TempDir Path data) throws Exception {
    try (ParleyProcess p = ParleyProcess.startLocal(data)) {
      assertTrue(p.telnetPort() > 0);
      assertTrue(p.httpPort() > 0);
      assertNotEquals(p.telnetPort(), p.httpPort());
      assertEquals(List.of("telnet: " + p.telnetPort(), "http: " + p.httpPort()), p.stdout());
      try (LineClient alice = LineClient.login(p.telnetPort(), "alice")) {
        alice.send("hi");
        alice.expectContaining("alice: hi");
      }
    }
  }

  @Test
  void badFlagsAndConfigExitWithTwoAndOneClearLine(@TempDir Path dir) throws Exception {
    assertBad("--telnet-port must be a port number", "--telnet-port", "http");
    assertBad("unknown option --colour", "--colour");
    assertBad("--config needs a value", "--config");
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"telnet\": {\"port\": -5}}");
    assertBad("telnet.port must be a whole number", "--config", bad.toString());
    Files.writeString(bad, "{\"limits\": {\"maxLineBytes\": 2000, \"frobs\": 1}}");
    assertBad("limits.frobs is not a known setting", "--config", bad.toString());
    Files.writeString(bad, "{\"telnet\": ");
    assertBad("is not valid JSON", "--config", bad.toString());
    assertBad("does not exist", "--config", dir.resolve("missing.json").toString());
  }

  private static void assertBad(String expected, String... args) throws Exception {
    try (ParleyProcess p = ParleyProcess.launch(args)) {
      assertEquals(2, p.awaitExit(Duration.ofSeconds(30)), "exit status for " + List.of(args));
      List<String> err = p.stderr();
      assertEquals(1, err.size(), "one line: " + err);
      assertTrue(err.get(0).startsWith("parley: ") && err.get(0).contains(expected), err.get(0));
      assertTrue(p.stdout().isEmpty(), p.stdout().toString());
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.config.ParleyConfig;

/** dist/systemd/parley.service passes {@code systemd-analyze verify} without a single warning. */
class SystemdUnitTest {
  private static final Path UNIT = Path.of("dist/systemd/parley.service");

  @Test
  void unitVerifiesWithoutWarnings(@TempDir Path dir) throws Exception {
    String unit = Files.readString(UNIT);
    assertEquals("", verify(dir, unit));
  }

  @Test
  void verifyWouldCatchAMistake(@TempDir Path dir) throws Exception {
    String unit = Files.readString(UNIT).replace("Restart=on-failure", "Restart=on-failur");
    assertTrue(verify(dir, unit).contains("on-failur"), "a bad value is reported");
  }

  @Test
  void unitFitsParleysDefaults() throws Exception {
    String unit = Files.readString(UNIT);
    long nofile = Long.parseLong(setting(unit, "LimitNOFILE"));
    assertTrue(
        nofile > ParleyConfig.defaults().limits().maxConnections(),
        "a descriptor for every connection allowed, and more");
    assertEquals("/bin/kill -HUP $MAINPID", setting(unit, "ExecReload"));
    assertEquals("", setting(unit, "CapabilityBoundingSet"));
  }

  /**
   * What {@code systemd-analyze verify} prints for the unit, with ExecStart's {@code /usr/bin/java}
   * replaced by this JVM's (verify checks that the binary exists).
   */
  private static String verify(Path dir, String unit) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assertTrue(unit.contains("ExecStart=/usr/bin/java "), "ExecStart runs /usr/bin/java");
    Path copy = dir.resolve("parley.service");
    Files.writeString(copy, unit.replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));
    Process p =
        new ProcessBuilder("systemd-analyze", "verify", copy.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze finished");
    return p.exitValue() == 0 ? out.strip() : "exit " + p.exitValue() + ": " + out.strip();
  }

  private static String setting(String unit, String name) {
    return unit.lines()
        .filter(l -> l.startsWith(name + "="))
        .map(l -> l.substring(name.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not set"));
  }
}

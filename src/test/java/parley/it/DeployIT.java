package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.transport.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyProcess;

/** --version, --check-config, PARLEY_* variables and the natives, against the real jar. */
class DeployIT {

  @Test
  void versionIsTheJarsImplementationVersion() throws Exception {
    String version;
    try (JarFile jar = new JarFile(ParleyProcess.jar().toFile())) {
      version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
    assertTrue(version != null && version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
    try (ParleyProcess p = ParleyProcess.launch("--version")) {
      assertEquals(0, p.awaitExit(Duration.ofSeconds(30)));
      assertEquals(List.of("parley " + version), p.stdout());
      assertEquals(List.of(), p.stderr());
    }
  }

  @Test
  void checkConfigSaysOkOrNamesTheKey(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("not-yet/data");
    try (ParleyProcess p =
        ParleyProcess.launchWithEnv(
            Map.of("PARLEY_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701"),
            "--check-config",
            "--data-dir",
            data.toString())) {
      assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.stderr().toString());
      assertEquals(List.of("config OK"), p.stdout());
    }
    assertTrue(Files.notExists(data), "--check-config creates nothing");

    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"http\": {\"port\": 8080}}");
    Path file = Files.writeString(dir.resolve("a-file"), "");
    assertBad(
        "PARLEY_TELNET_PORT (telnet.port) must be a whole number from 0 to 65535 (got \"4k\")",
        Map.of("PARLEY_TELNET_PORT", "4k"));
    assertBad(
        "PARLEY_CLUSTER_ENABLED (cluster.enabled) must be true or false",
        Map.of("PARLEY_CLUSTER_ENABLED", "on"));
    assertBad(
        "environment variable PARLEY_HTTP_PROT is not a known setting; did you mean"
            + " PARLEY_HTTP_PORT?",
        Map.of("PARLEY_HTTP_PROT", "80"));
    assertBad(
        "PARLEY_HTTP_PORT (http.port) must be a whole number",
        Map.of("PARLEY_HTTP_PORT", "-1"),
        "--config",
        config.toString());
    assertBad(
        "dataDir " + file + " is not a directory", Map.of("PARLEY_DATA_DIR", file.toString()));
    assertBad(
        "dataDir " + file.resolve("data") + " can't be created: " + file + " is not a directory",
        Map.of(),
        "--data-dir",
        file.resolve("data").toString());
    assertBad(
        "tls.certFile " + dir.resolve("missing.pem") + " can't be read",
        Map.of(
            "PARLEY_TLS_HTTPS", "true",
            "PARLEY_TLS_CERT_FILE", dir.resolve("missing.pem").toString(),
            "PARLEY_TLS_KEY_FILE", file.toString()));
    assertBad(
        "tls.certFile " + file + " is not a PEM certificate",
        Map.of(
            "PARLEY_TLS_TELNET_PORT", "4443",
            "PARLEY_TLS_CERT_FILE", file.toString(),
            "PARLEY_TLS_KEY_FILE", file.toString()));

    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    try {
      Map<String, String> tls =
          Map.of(
              "PARLEY_TLS_HTTPS", "true",
              "PARLEY_TLS_CERT_FILE", cert.certificatePath(),
              "PARLEY_TLS_KEY_FILE", cert.privateKeyPath());
      try (ParleyProcess p =
          ParleyProcess.launchWithEnv(tls, "--check-config", "--data-dir", data.toString())) {
        assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.stderr().toString());
        assertEquals(List.of("config OK"), p.stdout());
      }
      assertBad(
          "tls.keyFile " + cert.certificatePath() + " is not a PEM private key",
          Map.of(
              "PARLEY_TLS_HTTPS", "true",
              "PARLEY_TLS_CERT_FILE", cert.certificatePath(),
              "PARLEY_TLS_KEY_FILE", cert.certificatePath()));
    } finally {
      cert.delete();
    }
  }

  @Test
  void environmentConfiguresARealProcessAndFlagsWin(@TempDir Path dir) throws Exception {
    try (ParleyProcess p =
        ParleyProcess.launchWithEnv(
            Map.of(
                "PARLEY_HOST", "127.0.0.1",
                "PARLEY_TELNET_PORT", "0",
                "PARLEY_HTTP_PORT", "1", // the flag below wins: no root port
                "PARLEY_DATA_DIR", dir.toString(),
                "PARLEY_MOTD", "hello from the environment",
                "PARLEY_ROOM", "envroom"),
            "--http-port",
            "0")) {
      p.awaitPorts(Duration.ofSeconds(60));
      assertTrue(p.httpPort() > 1, "--http-port beats PARLEY_HTTP_PORT");
      try (LineClient alice = LineClient.login(p.telnetPort(), "alice")) {
        assertTrue(alice.seen().stream().anyMatch(l -> l.contains("You are in #envroom")));
        assertTrue(
            alice.seen().stream().anyMatch(l -> l.contains("hello from the environment")),
            alice.seen().toString());
      }
    }
  }

  @Test
  void jarCarriesNativeTransportsForX86AndArm() throws Exception {
    try (JarFile jar = new JarFile(ParleyProcess.jar().toFile())) {
      for (String so :
          List.of(
              "libnetty_transport_native_epoll_x86_64.so",
              "libnetty_transport_native_io_uring42_x86_64.so",
              "libnetty_transport_native_epoll_aarch_64.so",
              "libnetty_transport_native_io_uring42_aarch_64.so")) {
        assertTrue(jar.getEntry("META-INF/native/" + so) != null, so + " in the jar");
      }
    }
  }

  @Test
  void thisX86MachineStillRunsOnIoUring(@TempDir Path dir) throws Exception {
    assertEquals("amd64", System.getProperty("os.arch"));
    assertTrue(Transport.IO_URING.available(), () -> "" + Transport.IO_URING.unavailabilityCause());
    try (ParleyProcess p = ParleyProcess.startLocal(dir)) {
      Eventually.within(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertTrue(
                      p.stderr().stream().anyMatch(l -> l.contains("network transport: io_uring")),
                      p.stderr().toString()));
    }
  }

  private static void assertBad(String expected, Map<String, String> env, String... args)
      throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = "--check-config";
    System.arraycopy(args, 0, all, 1, args.length);
    try (ParleyProcess p = ParleyProcess.launchWithEnv(env, all)) {
      assertEquals(2, p.awaitExit(Duration.ofSeconds(30)), "exit status for " + env);
      assertEquals(1, p.stderr().size(), () -> "one line: " + p.stderr());
      String line = p.stderr().get(0);
      assertTrue(line.startsWith("parley: " + expected), line);
      assertEquals(List.of(), p.stdout());
    }
  }
}

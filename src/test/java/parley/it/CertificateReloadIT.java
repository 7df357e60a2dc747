package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.Eventually;
import parley.support.LineClient;
import parley.support.ParleyProcess;
import parley.support.TrustAll;

/** SIGHUP re-reads the TLS certificate files without dropping anyone, against the real jar. */
class CertificateReloadIT {

  @Test
  void sighupServesTheNewCertificateAndKeepsConnections(@TempDir Path dir) throws Exception {
    SelfSignedCertificate a = SelfSignedCertificate.create("localhost");
    SelfSignedCertificate b = SelfSignedCertificate.create("localhost");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    install(a, cert, key);
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        new JsonObject()
            .put(
                "tls",
                new JsonObject()
                    .put("telnetPort", 0)
                    .put("https", true)
                    .put("certFile", cert.toString())
                    .put("keyFile", key.toString()))
            .encode());
    try (ParleyProcess p =
        ParleyProcess.start(
            "--config", config.toString(),
            "--host", "127.0.0.1",
            "--telnet-port", "0",
            "--http-port", "0",
            "--data-dir", dir.resolve("data").toString())) {
      int tlsPort = tlsPort(p);
      X509Certificate certA = read(a.certificatePath());
      X509Certificate certB = read(b.certificatePath());
      assertNotEquals(certA, certB);
      SSLSocket aliceSocket = connect(tlsPort);
      assertEquals(certA, peer(aliceSocket));
      assertEquals(certA, peerOf(p.httpPort()), "https before the reload");
      try (LineClient alice = LineClient.login(new LineClient(aliceSocket), "alice")) {
        install(b, cert, key);
        p.hangUp();
        awaitLog(p, "reloaded the TLS certificate");
        SSLSocket bobSocket = connect(tlsPort);
        assertEquals(certB, peer(bobSocket), "a new telnet-over-TLS connection gets cert B");
        assertEquals(certB, peerOf(p.httpPort()), "a new https connection gets cert B");
        try (LineClient bob = LineClient.login(new LineClient(bobSocket), "bob")) {
          alice.send("still here after the reload");
          bob.expectContaining("alice: still here after the reload");
          bob.send("welcome back");
          alice.expectContaining("bob: welcome back");
        }

        // a broken file: one line in the log, and the certificate in use stays
        Files.writeString(cert, "not a certificate");
        p.hangUp();
        awaitLog(p, "could not reload the TLS certificate, keeping the old one: tls.certFile");
        assertEquals(certB, peerOf(tlsPort), "still cert B after a failed reload");
        alice.send("and after a failed one");
        alice.expectContaining("alice: and after a failed one");
        assertTrue(p.isAlive());
      }
    } finally {
      a.delete();
      b.delete();
    }
  }

  private static void install(SelfSignedCertificate c, Path cert, Path key) throws Exception {
    Files.copy(Path.of(c.certificatePath()), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(c.privateKeyPath()), key, StandardCopyOption.REPLACE_EXISTING);
  }

  private static int tlsPort(ParleyProcess p) {
    int[] port = {-1};
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String line : p.stdout()) {
                if (line.startsWith("telnet-tls: ")) {
                  port[0] = Integer.parseInt(line.substring("telnet-tls: ".length()));
                }
              }
              assertTrue(port[0] > 0, () -> "no telnet-tls port in " + p.stdout());
            });
    return port[0];
  }

  private static void awaitLog(ParleyProcess p, String text) {
    Eventually.within(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertTrue(
                    p.stderr().stream().anyMatch(l -> l.contains(text)),
                    () -> "no \"" + text + "\" in the log: " + p.stderr()));
  }

  private static SSLSocket connect(int port) throws Exception {
    return TrustAll.connect(port);
  }

  private static Certificate peer(SSLSocket socket) throws Exception {
    return socket.getSession().getPeerCertificates()[0];
  }

  /** The certificate a new connection is shown. */
  private static Certificate peerOf(int port) throws Exception {
    try (SSLSocket socket = connect(port)) {
      return peer(socket);
    }
  }

  private static X509Certificate read(String pem) throws Exception {
    try (InputStream in = Files.newInputStream(Path.of(pem))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}

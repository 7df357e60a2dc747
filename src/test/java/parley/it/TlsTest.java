package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.ParleyServerExtension;
import parley.support.TrustAll;

/** Telnet over TLS and HTTPS/WSS with a self-signed development certificate. */
class TlsTest {
  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put(
                  "tls",
                  new JsonObject()
                      .put("telnetPort", 0)
                      .put("https", true)
                      .put("selfSigned", true)));

  @Test
  void tlsRoundTripOnTelnetAndWss() throws Exception {
    Vertx vertx = server.clientVertx();
    int tlsPort = server.parley().telnetTlsPort();
    assertTrue(tlsPort > 0);
    try (SSLSocket socket = TrustAll.connect(tlsPort)) {
      var out = socket.getOutputStream();
      out.write("secure\r\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      io.vertx.core.http.WebSocketClient wsClient =
          vertx.createWebSocketClient(
              new io.vertx.core.http.WebSocketClientOptions()
                  .setSsl(true)
                  .setTrustAll(true)
                  .setVerifyHost(false));
      var ws =
          wsClient
              .connect(
                  new WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(server.httpPort())
                      .setURI("/chat/ws"))
              .await(10, TimeUnit.SECONDS);
      var frames = new java.util.concurrent.LinkedBlockingQueue<JsonObject>();
      ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
      ws.writeTextMessage(new JsonObject().put("type", "hello").put("nick", "wss").encode());
      ws.writeTextMessage(new JsonObject().put("type", "say").put("text", "over wss").encode());
      String line;
      boolean seen = false;
      while (!seen && (line = in.readLine()) != null) {
        seen = line.contains("wss: over wss");
      }
      assertTrue(seen, "the TLS telnet user saw the WSS user's message");
      out.write("over telnets\r\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      JsonObject f;
      do {
        f = frames.poll(10, TimeUnit.SECONDS);
      } while (f != null && !"over telnets".equals(f.getString("text")));
      assertTrue(f != null, "the WSS user saw the TLS telnet user's message");
      assertEquals("secure", f.getString("nick"));
      var http =
          vertx.createHttpClient(
              new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      int status =
          http.request(HttpMethod.GET, server.httpPort(), "127.0.0.1", "/chat")
              .compose(r -> r.send())
              .map(r -> r.statusCode())
              .await(10, TimeUnit.SECONDS);
      assertEquals(200, status);
    }
  }

  @Test
  void httpsSendsStrictTransportSecurity() throws Exception {
    var http =
        server
            .clientVertx()
            .createHttpClient(
                new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    try {
      var page =
          http.request(HttpMethod.GET, server.httpPort(), "127.0.0.1", "/chat")
              .compose(r -> r.send())
              .await(10, TimeUnit.SECONDS);
      assertEquals(200, page.statusCode());
      assertEquals("max-age=15768000", page.getHeader("Strict-Transport-Security"));
      assertTrue(page.getHeader("Content-Security-Policy").startsWith("default-src 'self'"));
    } finally {
      http.close();
    }
  }
}

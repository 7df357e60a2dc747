package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import parley.support.LineClient;
import parley.support.ParleyServerExtension;
import parley.support.TcpProxy;
import parley.support.TrustAll;
import parley.support.WsClient;

/**
 * Real client addresses behind a proxy: PROXY protocol v1 and v2 from a trusted address (a {@link
 * TcpProxy} connecting from 127.0.0.2) on telnet, telnet over TLS and HTTP/WebSocket, refused from
 * anyone else; X-Forwarded-For from trusted peers only. The address is checked where it matters:
 * bans, the per-address connection limit and an operator's {@code /who}.
 */
class ProxyProtocolTest {
  private static final String PROXY = "127.0.0.2";

  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.withConfig(
          new JsonObject()
              .put(
                  "proxy",
                  new JsonObject()
                      .put("trustedAddresses", new JsonArray().add(PROXY).add("10.0.0.0/8"))
                      .put("headerTimeoutMs", 1000))
              .put("limits", new JsonObject().put("maxConnectionsPerIp", 2))
              .put("operatorPassword", "s3cret")
              .put("accounts", new JsonObject().put("hashIterations", 100_000))
              .put("tls", new JsonObject().put("telnetPort", 0).put("selfSigned", true)));

  @Test
  void telnetV1HeaderSetsTheAddressOfBansLimitsAndWho() throws Exception {
    try (LineClient op = operator();
        TcpProxy lb =
            TcpProxy.sendingHeader(server.telnetPort(), PROXY, v1("203.0.113.7", "TCP4"))) {
      op.send("/ban 203.0.113.7 1h");
      op.expectContaining("Banned 203.0.113.7");
      try (LineClient banned = new LineClient(lb.port())) {
        banned.expectContaining("you are banned");
        banned.expectClosed();
      }

      lb.header(v1("198.51.100.1", "TCP4"));
      try (LineClient alice = LineClient.login(lb.port(), "alice");
          LineClient bob = LineClient.login(lb.port(), "bob");
          LineClient third = new LineClient(lb.port())) {
        third.expectContaining("too many connections from your address (the limit is 2)");
        third.expectClosed();
        // the proxy's own address counts nothing: another client address gets in
        lb.header(v1("198.51.100.2", "TCP4"));
        try (LineClient dave = LineClient.login(lb.port(), "dave")) {
          op.send("/who");
          op.expect(l -> l.contains("alice") && l.contains("from 198.51.100.1"), "alice's address");
          op.expect(l -> l.contains("bob") && l.contains("from 198.51.100.1"), "bob's address");
          op.expect(l -> l.contains("dave") && l.contains("from 198.51.100.2"), "dave's address");
          op.expect(l -> l.contains("op ") && l.contains("from 127.0.0.1"), "op's own address");
          // everyone else's /who shows no addresses
          dave.send("/who");
          String line = dave.expect(l -> l.contains("alice"), "alice in /who");
          assertFalse(line.contains("198.51.100"), line);
          assertFalse(dave.expect(l -> l.contains("op "), "op in /who").contains("127.0.0.1"));
        }
      }
    }
  }

  @Test
  void telnetV2HeaderIpv4AndIpv6() throws Exception {
    try (LineClient op = operator();
        TcpProxy lb =
            TcpProxy.sendingHeader(
                server.telnetPort(), PROXY, v2(HAProxyProxiedProtocol.TCP4, "192.0.2.9"))) {
      op.send("/ban 192.0.2.9");
      op.expectContaining("Banned 192.0.2.9");
      try (LineClient banned = new LineClient(lb.port())) {
        banned.expectContaining("you are banned");
        banned.expectClosed();
      }
      lb.header(v2(HAProxyProxiedProtocol.TCP6, "2001:db8:0:0:0:0:0:7"));
      try (LineClient six = LineClient.login(lb.port(), "six")) {
        op.send("/who");
        // written the way an operator types it, and banned that way
        op.expect(l -> l.contains("six") && l.contains("from 2001:db8::7"), "six's address");
        op.send("/ban 2001:DB8::7");
        op.expectContaining("Banned 2001:db8::7");
        six.expectContaining("banned by op");
        six.expectClosed();
      }
    }
  }

  @Test
  void tlsTelnetBehindAProxy() throws Exception {
    int tlsPort = server.parley().telnetTlsPort();
    try (LineClient op = operator();
        TcpProxy lb = TcpProxy.sendingHeader(tlsPort, PROXY, v1("192.0.2.45", "TCP4"))) {
      op.send("/ban 192.0.2.45 1h");
      op.expectContaining("Banned 192.0.2.45");
      try (LineClient banned = new LineClient(tls(lb.port()))) {
        banned.expectContaining("you are banned");
        banned.expectClosed();
      }
      lb.header(v2(HAProxyProxiedProtocol.TCP4, "192.0.2.44"));
      try (LineClient secure = new LineClient(tls(lb.port()))) {
        secure.expectPrompt("Nickname:");
        secure.send("secure");
        secure.expectContaining("You are in #");
        op.send("/who");
        op.expect(l -> l.contains("secure") && l.contains("from 192.0.2.44"), "its address");
      }
    }
  }

  @Test
  void webSocketBehindAProxy() throws Exception {
    try (LineClient op = operator();
        TcpProxy lb = TcpProxy.sendingHeader(server.httpPort(), PROXY, v1("203.0.113.8", "TCP4"))) {
      op.send("/ban 203.0.113.8 1h");
      op.expectContaining("Banned 203.0.113.8");
      try (WsClient banned = WsClient.connect(server.clientVertx(), lb.port())) {
        assertTrue(banned.expect("error").getString("message").contains("you are banned"));
        banned.expectClosed();
      }
      lb.header(v2(HAProxyProxiedProtocol.TCP4, "198.51.100.3"));
      try (WsClient one = WsClient.login(server.clientVertx(), lb.port(), "webone");
          WsClient two = WsClient.login(server.clientVertx(), lb.port(), "webtwo")) {
        // the header's address has its two connections: a third is closed at connect
        assertThrows(Exception.class, () -> WsClient.connect(server.clientVertx(), lb.port()));
        // while another header address still gets in
        lb.header(v2(HAProxyProxiedProtocol.TCP4, "198.51.100.4"));
        try (WsClient other = WsClient.login(server.clientVertx(), lb.port(), "webother")) {
          other.say("/who");
          other.expect("who");
        }
        one.say("/who");
        JsonObject who = one.expect("who");
        assertFalse(who.encode().contains("address"), who.encode());
        op.send("/who");
        op.expect(l -> l.contains("webtwo") && l.contains("from 198.51.100.3"), "its address");
      }
    }
  }

  @Test
  void anOperatorsWhoOnWebSocketCarriesAddresses() throws Exception {
    try (WsClient op = WsClient.login(server.clientVertx(), server.httpPort(), "webop")) {
      op.say("/register webop-password");
      op.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");
      op.say("/op s3cret");
      op.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("first admin"),
          "first admin notice");
      op.say("/who");
      JsonObject me = op.expect("who").getJsonArray("users").getJsonObject(0);
      assertEquals("webop", me.getString("nick"));
      assertEquals("127.0.0.1", me.getString("address"));
    }
  }

  @Test
  void aHeaderFromAnUntrustedAddressIsRefused() throws Exception {
    // a direct client is served as usual, also on a listener that takes PROXY headers
    try (LineClient direct = LineClient.login(server.telnetPort(), "direct")) {
      direct.send("/who");
      direct.expectContaining("direct");
    }
    try (LineClient spoof = new LineClient(server.telnetPort())) {
      spoof.expectPrompt("Nickname:");
      spoof.sendRaw(v1("203.0.113.99", "TCP4"));
      spoof.expectClosed();
      assertFalse(String.join("\n", spoof.seen()).contains("You are in"), spoof.seen().toString());
    }
    try (LineClient spoof = new LineClient(server.parley().telnetTlsPort())) {
      spoof.sendRaw(v2(HAProxyProxiedProtocol.TCP4, "203.0.113.99"));
      spoof.expectClosed();
    }
    try (Socket http = LineClient.connect(null, "127.0.0.1", server.httpPort())) {
      http.getOutputStream().write(v1("203.0.113.99", "TCP4"));
      http.setSoTimeout(10_000);
      assertEquals(-1, http.getInputStream().read(), "closed without an answer");
    }
  }

  @Test
  void aTrustedProxyMustSendTheHeaderOnTelnet() throws Exception {
    // silent: closed after proxy.headerTimeoutMs, without a prompt
    try (LineClient silent =
        new LineClient(LineClient.connect(PROXY, "127.0.0.1", server.telnetPort()))) {
      silent.expectClosed();
      assertTrue(silent.seen().isEmpty() && silent.unread().isEmpty(), silent.unread().toString());
    }
    // something else than a header: closed at once
    try (LineClient talker =
        new LineClient(LineClient.connect(PROXY, "127.0.0.1", server.telnetPort()))) {
      talker.send("alice");
      talker.expectClosed();
      assertTrue(talker.unread().isEmpty(), talker.unread().toString());
    }
  }

  @Test
  void xForwardedForFromTrustedPeersOnly() throws Exception {
    try (LineClient op = operator();
        // an HTTP proxy on a trusted address that sends no PROXY header: X-Forwarded-For counts;
        // the client's own entry at the left does not
        WsClient viaProxy = wsFrom(PROXY, "viaproxy", "6.6.6.6, 198.51.100.20");
        // a chain of trusted proxies: the right-most untrusted entry is the client
        WsClient viaChain = wsFrom(PROXY, "viachain", "198.51.100.21, 10.1.2.3");
        // a direct client can't choose its address
        WsClient liar = wsFrom("127.0.0.1", "liar", "198.51.100.22")) {
      op.send("/who");
      // (in nickname order)
      op.expect(l -> l.contains("liar") && l.contains("from 127.0.0.1"), "liar's own address");
      op.expect(l -> l.contains("viachain") && l.contains("from 198.51.100.21"), "viachain");
      op.expect(l -> l.contains("viaproxy") && l.contains("from 198.51.100.20"), "viaproxy");
      op.send("/ban 198.51.100.20");
      op.expectContaining("Banned 198.51.100.20");
      assertTrue(viaProxy.expect("bye").getString("reason").contains("banned by op"));
    }
  }

  /** A WebSocket from {@code from} with that X-Forwarded-For header, logged in as {@code nick}. */
  private static WsClient wsFrom(String from, String nick, String forwardedFor) throws Exception {
    WsClient c =
        WsClient.connect(
            server.clientVertx(),
            new WebSocketClientOptions().setLocalAddress(from),
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(server.httpPort())
                .setURI("/chat/ws")
                .addHeader("X-Forwarded-For", forwardedFor));
    c.send(new JsonObject().put("type", "hello").put("nick", nick));
    c.expect("joined");
    return c;
  }

  /** An operator connected directly from 127.0.0.1. */
  private static LineClient operator() throws Exception {
    return LineClient.firstAdmin(server.telnetPort(), "op", "s3cret");
  }

  /** A PROXY protocol v1 header from {@code source} (the destination is the server's). */
  private static byte[] v1(String source, String family) {
    return ("PROXY " + family + " " + source + " 127.0.0.1 40000 4000\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A PROXY protocol v2 header from {@code source}, made by Netty's encoder. */
  private static byte[] v2(HAProxyProxiedProtocol family, String source) {
    String destination = family == HAProxyProxiedProtocol.TCP6 ? "::1" : "127.0.0.1";
    EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    encoder.writeOutbound(
        new HAProxyMessage(
            HAProxyProtocolVersion.V2,
            HAProxyCommand.PROXY,
            family,
            source,
            destination,
            40000,
            4000));
    ByteBuf bytes = encoder.readOutbound();
    try {
      return ByteBufUtil.getBytes(bytes);
    } finally {
      bytes.release();
      encoder.finishAndReleaseAll();
    }
  }

  /** A TLS connection to {@code port} that trusts the server's self-signed certificate. */
  private static SSLSocket tls(int port) throws Exception {
    return TrustAll.connect(port);
  }
}

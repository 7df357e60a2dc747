package parley.net;

import io.netty.channel.Channel;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's address, the one that connection limits, bans, logs and operators' {@code /who} use:
 * the address in the PROXY protocol header of a trusted proxy (see {@link ProxyProtocol}), for a
 * WebSocket through a trusted HTTP proxy the address that proxy put in X-Forwarded-For, else the
 * peer's own address. Written as RFC 5952 text ({@code ::1}, not {@code 0:0:0:0:0:0:0:1}), the form
 * an operator types to ban it.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /** The client of a telnet (or telnet-over-TLS) connection. */
  public static String of(NetSocket socket) {
    return text(Channels.of(socket).channel(), socket.remoteAddress());
  }

  /**
   * The client of an HTTP connection, as it is counted at connect (X-Forwarded-For comes only with
   * a request: a WebSocket's session uses {@link #of(ServerWebSocket, TrustedProxies)}).
   */
  public static String of(HttpConnection connection) {
    return text(Channels.of(connection).channel(), connection.remoteAddress());
  }

  /**
   * The client of a WebSocket: when the connection comes from a trusted proxy, the right-most
   * X-Forwarded-For address that is not itself a trusted proxy; else the connection's address.
   */
  public static String of(ServerWebSocket ws, TrustedProxies trusted) {
    String peer = text(Channels.of(ws).channel(), ws.remoteAddress());
    if (trusted.isEmpty()) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String header : ws.headers().getAll("X-Forwarded-For")) {
      for (String hop : header.split(",", -1)) {
        hops.add(hop.strip());
      }
    }
    return forwarded(peer, hops, trusted);
  }

  /**
   * The client behind a chain of proxies: walks from the peer back along X-Forwarded-For (whose
   * last entry was added by the proxy nearest to us) while the hop is a trusted proxy, and stops at
   * the first that is not. Only a trusted proxy's entry is believed, so a client can put anything
   * at the left of the header and still not choose its address. An entry that is not an IP address
   * stops the walk at the proxy that added it.
   */
  static String forwarded(String peer, List<String> hops, TrustedProxies trusted) {
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress current = parse(client);
      if (current == null || !trusted.trusts(current)) {
        return client;
      }
      InetAddress hop = parse(hops.get(i));
      if (hop == null) {
        return client;
      }
      client = NetUtil.toAddressString(hop);
    }
    return client;
  }

  /**
   * An address as typed (e.g. by an operator banning it) in the form this class gives addresses;
   * anything that is not an IP address unchanged.
   */
  public static String canonical(String typed) {
    InetAddress parsed = parse(typed);
    return parsed == null ? typed : NetUtil.toAddressString(parsed);
  }

  private static String text(Channel channel, SocketAddress address) {
    String proxied = ProxyProtocol.source(channel);
    String ip = proxied != null ? proxied : address.hostAddress();
    InetAddress parsed = ip == null ? null : parse(ip);
    return parsed == null ? address.toString() : NetUtil.toAddressString(parsed);
  }

  /** An IP address literal (never a name: no DNS), or null. */
  private static InetAddress parse(String literal) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}

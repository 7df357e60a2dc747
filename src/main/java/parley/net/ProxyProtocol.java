package parley.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.AttributeKey;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROXY protocol (v1 and v2) accepted from trusted proxies only, on listeners that also serve
 * direct clients.
 *
 * <p>A listener with {@code setUseProxyProtocol(true)} makes Vert.x decode a header
 * (netty-codec-haproxy) before anything else on every connection, TLS included: it waits for one
 * (at most the proxy protocol timeout), closes the connection when the first bytes are not one, and
 * else reports the header's source as the connection's remote address. That is right for a trusted
 * proxy and wrong for everyone else: an untrusted client could choose its address, and a direct
 * client could not connect at all (a telnet client waits for the server to speak first). So a
 * handler goes in front of Vert.x's on each connection of such a listener:
 *
 * <ul>
 *   <li>from a trusted address on a telnet listener, Vert.x's decoding applies unchanged: a header
 *       is required (a telnet client speaks second, so a missing header can't be told from a slow
 *       one; the proxy protocol timeout closes the connection);
 *   <li>from a trusted address on an HTTP listener, a header is optional, since an HTTP proxy that
 *       does not send one (it sets X-Forwarded-For instead) speaks first: its first bytes tell;
 *   <li>from any other address, it hands Vert.x's decoder {@code PROXY UNKNOWN} at once, which by
 *       the protocol means "use the connection's own addresses", so the connection is served as a
 *       direct one; if its own first bytes then are a PROXY header, it is closed with a warning.
 * </ul>
 *
 * <p>Vert.x has no hook before its own handlers, so the handler is put in through the network
 * transport: {@link #transport} wraps the transport and, for each listener that uses the PROXY
 * protocol, wraps the bootstrap's child handler (Vert.x's own initializer).
 */
public final class ProxyProtocol {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocol.class);

  /** A v1 header: "PROXY " and the rest of the line. */
  private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);

  /** A v2 header's 12-byte signature. */
  private static final byte[] V2 = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private static final byte[] UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * The source address of a connection's PROXY header. Vert.x keeps it too, but hands it to the
   * first of its connection objects that asks (with metrics on, the TCP one rather than the HTTP
   * one above it), so Parley keeps its own copy.
   */
  private static final AttributeKey<String> SOURCE = AttributeKey.valueOf("parley.proxySource");

  private ProxyProtocol() {}

  /**
   * The transport {@code base} with PROXY protocol from {@code trusted} only, on the listeners
   * whose options use it; {@code base} itself when no proxy is trusted.
   */
  public static Transport transport(Transport base, TrustedProxies trusted) {
    if (trusted.isEmpty()) {
      return base;
    }
    return new TransportInternal(
        base.name(),
        base.available(),
        base.unavailabilityCause(),
        new Wrapped(base.implementation(), trusted));
  }

  /** The source address a trusted proxy gave for this connection, or null. */
  static String source(Channel channel) {
    return channel.hasAttr(SOURCE) ? channel.attr(SOURCE).get() : null;
  }

  /** Whether {@code bytes} begin with a PROXY header's signature; null: too few bytes to tell. */
  static Boolean startsWithHeader(ByteBuf bytes) {
    Boolean v1 = startsWith(bytes, V1);
    Boolean v2 = startsWith(bytes, V2);
    if (Boolean.TRUE.equals(v1) || Boolean.TRUE.equals(v2)) {
      return true;
    }
    return v1 == null || v2 == null ? null : false;
  }

  private static Boolean startsWith(ByteBuf bytes, byte[] signature) {
    int n = Math.min(bytes.readableBytes(), signature.length);
    for (int i = 0; i < n; i++) {
      if (bytes.getByte(bytes.readerIndex() + i) != signature[i]) {
        return false;
      }
    }
    return n == signature.length ? Boolean.TRUE : null;
  }

  /**
   * Vert.x's child handler, with the gate in front of what it sets up on each connection. Netty
   * shares it between connections.
   */
  @ChannelHandler.Sharable
  private static final class Initializer extends ChannelInitializer<Channel> {
    private final ChannelHandler vertx;
    private final TrustedProxies trusted;
    private final boolean headerRequired;

    Initializer(ChannelHandler vertx, TrustedProxies trusted, boolean headerRequired) {
      this.vertx = vertx;
      this.trusted = trusted;
      this.headerRequired = headerRequired;
    }

    @Override
    protected void initChannel(Channel ch) {
      String peer = "?";
      boolean proxy = false;
      if (ch.remoteAddress() instanceof InetSocketAddress a) {
        peer = a.getAddress().getHostAddress();
        proxy = trusted.trusts(a.getAddress());
      }
      // Vert.x's initializer runs at once (the channel is registered), adding its PROXY decoder
      ch.pipeline().addLast(vertx);
      ch.pipeline().addFirst("parleyProxyGate", new Gate(proxy, headerRequired, peer));
      ChannelHandlerContext decoder = ch.pipeline().context(HAProxyMessageDecoder.class);
      if (proxy && decoder != null) {
        ch.pipeline().addAfter(decoder.name(), "parleyProxySource", new Source());
      }
    }
  }

  /**
   * Looks at a connection's first bytes, in front of Vert.x's PROXY decoder, and steps aside once
   * it knows whether they are a PROXY header. It waits only while they could still be one, so a
   * direct client's first keystroke passes at once unless it is a "P" or a CR.
   */
  private static final class Gate extends ByteToMessageDecoder {
    private final boolean trusted;
    private final boolean headerRequired;
    private final String peer;

    Gate(boolean trusted, boolean headerRequired, String peer) {
      this.trusted = trusted;
      this.headerRequired = headerRequired;
      this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      super.channelActive(ctx);
      if (!trusted) {
        direct(ctx);
      }
    }

    /** Vert.x is to serve the connection as a direct one, with its own addresses: now. */
    private static void direct(ChannelHandlerContext ctx) {
      ctx.fireChannelRead(Unpooled.copiedBuffer(UNKNOWN));
      ctx.fireChannelReadComplete();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      Boolean header = startsWithHeader(in);
      if (header == null) {
        return;
      }
      if (header && !trusted) {
        LOG.warn("PROXY protocol header from {} refused: not in proxy.trustedAddresses", peer);
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      if (!header && trusted) {
        if (headerRequired) {
          LOG.warn("{} is a trusted proxy but sent no PROXY protocol header; closed", peer);
        } else {
          direct(ctx);
        }
      }
      // what was read goes on to Vert.x: to its decoder (a header) or to the connection
      ctx.pipeline().remove(this);
    }
  }

  /** Notes the source address of the header that Vert.x's decoder decoded, then steps aside. */
  private static final class Source extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage header) {
        if (header.sourceAddress() != null) {
          ctx.channel().attr(SOURCE).set(header.sourceAddress());
        }
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** A transport that is {@code base} but for the child handler of PROXY protocol listeners. */
  private static final class Wrapped implements io.vertx.core.spi.transport.Transport {
    private final io.vertx.core.spi.transport.Transport base;
    private final TrustedProxies trusted;

    Wrapped(io.vertx.core.spi.transport.Transport base, TrustedProxies trusted) {
      this.base = base;
      this.trusted = trusted;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap b) {
      base.configure(options, domainSocket, b);
      if (options.isUseProxyProtocol() && !domainSocket) {
        boolean http = options instanceof HttpServerOptions;
        b.childHandler(new Initializer(b.config().childHandler(), trusted, !http));
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return base.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return base.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return base.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return base.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public SocketAddress convert(java.net.SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return base.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(
        int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return base.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return base.datagramChannel();
    }

    @Override
    @SuppressWarnings("deprecation") // the SPI's own signature
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return base.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return base.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return base.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      base.configure(channel, options);
    }

    @Override
    public void configure(
        ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap b) {
      base.configure(options, connectTimeout, domainSocket, b);
    }
  }
}

package parley.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throwaway stand-in for Parley, ONLY to smoke-test the load clients before the real server exists:
 * telnet side (IAC negotiation, "Nickname:" prompt without newline, "[HH:MM] nick: text" lines, own
 * messages echoed) and WebSocket side (/chat/ws, hello/say, welcome and message frames). One room,
 * history replay. Not a benchmark subject: its numbers mean nothing.
 */
final class FakeChatServer implements ServerUnderTest {
  private static final AttributeKey<String> NICK = AttributeKey.valueOf("nick");
  private static final Pattern WS_FIELD =
      Pattern.compile("\"(type|nick|text)\"\\s*:\\s*\"([^\"]*)\"");

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup telnet = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final ChannelGroup ws = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final ArrayDeque<String[]> history = new ArrayDeque<>();
  private final int historyMax;
  private int telnetPort;
  private int httpPort;
  private long seq;

  FakeChatServer(int historyMax) {
    this.historyMax = historyMax;
  }

  FakeChatServer start() throws InterruptedException {
    Channel t =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new LineBasedFrameDecoder(4096), new TelnetSide());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    Channel h =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new HttpObjectAggregator(65536),
                            new WebSocketServerProtocolHandler("/chat/ws"),
                            new WsSide());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    telnetPort = ((InetSocketAddress) t.localAddress()).getPort();
    httpPort = ((InetSocketAddress) h.localAddress()).getPort();
    return this;
  }

  private void say(String nick, String via, String text) {
    String[] ev = {nick, via, text, String.valueOf(++seq)};
    history.addLast(ev);
    while (history.size() > historyMax) {
      history.removeFirst();
    }
    ByteBuf line = Unpooled.copiedBuffer(telnetLine(ev), StandardCharsets.UTF_8);
    telnet.writeAndFlush(
        line.retainedDuplicate(), c -> c.hasAttr(NICK) && c.attr(NICK).get() != null);
    line.release();
    ws.writeAndFlush(new TextWebSocketFrame(wsMessage(ev)));
  }

  private static String telnetLine(String[] ev) {
    return "[12:34] " + ev[0] + ": " + ev[2] + "\r\n";
  }

  private static String wsMessage(String[] ev) {
    return "{\"type\":\"message\",\"room\":\"lobby\",\"seq\":"
        + ev[3]
        + ",\"ts\":\"2026-01-01T12:34:00Z\","
        + "\"nick\":\""
        + ev[0]
        + "\",\"via\":\""
        + ev[1]
        + "\",\"text\":\""
        + ev[2]
        + "\"}";
  }

  private final class TelnetSide extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // clients close with RST (SO_LINGER 0)
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(
          Unpooled.wrappedBuffer(
              new byte[] {
                (byte) 255,
                (byte) 251,
                1,
                (byte) 255,
                (byte) 251,
                3,
                (byte) 255,
                (byte) 250,
                24,
                1,
                (byte) 255,
                (byte) 240
              }));
      ctx.writeAndFlush(
          Unpooled.copiedBuffer("Welcome to fake chat\r\nNickname: ", StandardCharsets.US_ASCII));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
      String line = msg.toString(StandardCharsets.UTF_8).replace("\r", "");
      Channel ch = ctx.channel();
      if (ch.attr(NICK).get() == null) {
        ch.attr(NICK).set(line);
        ch.write(
            Unpooled.copiedBuffer(
                "Welcome, " + line + "! You are in #lobby.\r\n", StandardCharsets.UTF_8));
        for (String[] ev : new ArrayList<>(history)) {
          ch.write(Unpooled.copiedBuffer(telnetLine(ev), StandardCharsets.UTF_8));
        }
        ch.flush();
        telnet.add(ch);
        return;
      }
      say(ch.attr(NICK).get(), "telnet", line);
    }
  }

  private final class WsSide extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // clients close with RST (SO_LINGER 0)
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
      String json = f.text();
      String type = null, nick = null, text = null;
      Matcher m = WS_FIELD.matcher(json);
      while (m.find()) {
        switch (m.group(1)) {
          case "type" -> type = m.group(2);
          case "nick" -> nick = m.group(2);
          default -> text = m.group(2);
        }
      }
      Channel ch = ctx.channel();
      if ("hello".equals(type)) {
        ch.attr(NICK).set(nick);
        ch.write(
            new TextWebSocketFrame(
                "{\"type\":\"welcome\",\"nick\":\"" + nick + "\",\"room\":\"lobby\"}"));
        List<String> msgs = new ArrayList<>();
        for (String[] ev : history) {
          msgs.add(wsMessage(ev));
        }
        ch.write(
            new TextWebSocketFrame(
                "{\"type\":\"history\",\"messages\":[" + String.join(",", msgs) + "]}"));
        ch.flush();
        ws.add(ch);
      } else if ("say".equals(type) && ch.attr(NICK).get() != null) {
        say(ch.attr(NICK).get(), "web", text);
      }
    }
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public long pid() {
    return ProcessHandle.current().pid();
  }

  @Override
  public boolean supports(Proto p) {
    return p != Proto.IRC;
  }

  @Override
  public int port(Proto p) {
    return p == Proto.TELNET ? telnetPort : httpPort;
  }

  @Override
  public String describe() {
    return "in-process fake";
  }

  @Override
  public void close() {
    group.shutdownGracefully().syncUninterruptibly();
  }
}

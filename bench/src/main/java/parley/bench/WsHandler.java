package parley.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Inbound handler after Netty's WebSocket client protocol handler (which answers pings, handles
 * close).
 */
final class WsHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
  private final BenchClient client;

  WsHandler(BenchClient client) {
    this.client = client;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      client.onTransportUp();
    } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      client.fail("websocket handshake timeout");
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame) {
      client.onFrame(frame.content());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    client.fail("connection closed by server");
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    client.fail("error: " + cause);
    ctx.close();
  }
}

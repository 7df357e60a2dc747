package parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * Inbound handler for the line protocols (telnet, IRC). Splits lines in place without copying the
 * common case; keeps only an unfinished tail. For telnet it removes IAC negotiation sequences (IAC
 * WILL/WONT/DO/DONT opt, IAC SB ... IAC SE, and other 2-byte IAC commands) and never answers them.
 */
final class LineHandler extends ChannelInboundHandlerAdapter {
  private static final int IAC = 0xFF,
      SB = 250,
      SE = 240,
      WILL = 251,
      WONT = 252,
      DO = 253,
      DONT = 254;
  private static final int MAX_LINE = 1 << 20;

  private final BenchClient client;
  private final boolean telnet;
  private ByteBuf tail; // unfinished line
  private int iacState; // 0 data, 1 after IAC, 2 expect option, 3 in SB, 4 IAC inside SB
  private StringBuilder promptText; // telnet: text before the nickname prompt

  LineHandler(BenchClient client) {
    this.client = client;
    this.telnet = client.proto == Proto.TELNET;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    client.onTransportUp();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (tail != null) {
      tail.release();
      tail = null;
    }
    client.fail("connection closed by server");
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    client.fail("error: " + cause);
    ctx.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      if (telnet
          && (iacState != 0 || in.indexOf(in.readerIndex(), in.writerIndex(), (byte) IAC) >= 0)) {
        ByteBuf clean = stripIac(ctx, in);
        try {
          process(clean);
        } finally {
          clean.release();
        }
      } else {
        process(in);
      }
    } finally {
      in.release();
    }
  }

  private void process(ByteBuf in) {
    if (telnet && client.state == BenchClient.State.LOGIN) {
      // The prompt may come without a newline: look for "Nickname:" in the raw text so far.
      if (promptText == null) {
        promptText = new StringBuilder();
      }
      promptText.append(in.toString(StandardCharsets.ISO_8859_1));
      if (promptText.indexOf("Nickname:") >= 0
          || promptText.toString().toLowerCase().contains("nickname:")) {
        promptText = null;
        client.sendTelnetNick();
      } else if (promptText.length() > 65536) {
        promptText.delete(0, promptText.length() - 64);
      }
      return;
    }
    int from = in.readerIndex();
    int end = in.writerIndex();
    if (tail != null && tail.isReadable()) {
      int lf = in.indexOf(from, end, (byte) '\n');
      if (lf < 0) {
        appendTail(in, from, end);
        return;
      }
      appendTail(in, from, lf + 1);
      emit(tail, tail.readerIndex(), tail.writerIndex());
      tail.clear();
      from = lf + 1;
    }
    while (from < end) {
      int lf = in.indexOf(from, end, (byte) '\n');
      if (lf < 0) {
        appendTail(in, from, end);
        return;
      }
      emit(in, from, lf + 1);
      from = lf + 1;
      if (client.state == BenchClient.State.FAILED || client.state == BenchClient.State.CLOSED) {
        return;
      }
    }
  }

  /** [from, to) ends with LF; strips CR LF. */
  private void emit(ByteBuf b, int from, int to) {
    int e = to - 1;
    if (e > from && b.getByte(e - 1) == '\r') {
      e--;
    }
    client.onLine(b, from, e);
  }

  private void appendTail(ByteBuf in, int from, int to) {
    if (tail == null) {
      tail = Unpooled.buffer(256);
    }
    if (tail.readableBytes() + (to - from) > MAX_LINE) {
      tail.clear(); // absurdly long line: drop it
      return;
    }
    tail.writeBytes(in, from, to - from);
  }

  private ByteBuf stripIac(ChannelHandlerContext ctx, ByteBuf in) {
    ByteBuf out = ctx.alloc().heapBuffer(in.readableBytes());
    for (int i = in.readerIndex(), n = in.writerIndex(); i < n; i++) {
      int c = in.getByte(i) & 0xFF;
      switch (iacState) {
        case 0 -> {
          if (c == IAC) {
            iacState = 1;
          } else {
            out.writeByte(c);
          }
        }
        case 1 -> {
          if (c == WILL || c == WONT || c == DO || c == DONT) {
            iacState = 2;
          } else if (c == SB) {
            iacState = 3;
          } else if (c == IAC) {
            out.writeByte(c); // escaped 0xFF data byte
            iacState = 0;
          } else {
            iacState = 0; // other 2-byte command (NOP, GA, ...)
          }
        }
        case 2 -> iacState = 0; // option byte
        case 3 -> {
          if (c == IAC) {
            iacState = 4;
          }
        }
        case 4 -> iacState = (c == SE) ? 0 : 3;
        default -> iacState = 0;
      }
    }
    return out;
  }
}

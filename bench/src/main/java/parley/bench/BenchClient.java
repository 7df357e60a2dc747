package parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * State of one simulated chat user. All methods except {@link #close()} run on the channel's event
 * loop.
 */
final class BenchClient {
  enum State {
    CONNECTING,
    LOGIN,
    NICK_SENT,
    JOINED,
    FAILED,
    CLOSED
  }

  final int id;
  final String nick;
  final Proto proto;
  final ClientPool pool;
  Channel ch;
  LoopStats stats;
  State state = State.CONNECTING;
  long connectStart;
  long nickSentAt;
  long joinedAt;
  String failure;

  // sender state
  int seq;
  private final long[] v = new long[4];

  // history replay counting ("~h <index>" markers)
  int historySeen;
  int historyTarget;
  long historyDoneAt;
  Runnable historyListener;

  BenchClient(int id, String nick, Proto proto, ClientPool pool) {
    this.id = id;
    this.nick = nick;
    this.proto = proto;
    this.pool = pool;
  }

  boolean joined() {
    return state == State.JOINED;
  }

  // ---------------------------------------------------------------- login

  /** TCP connected (telnet, irc) or WebSocket handshake done (ws). */
  void onTransportUp() {
    state = State.LOGIN;
    switch (proto) {
      case IRC -> {
        writeAscii("NICK " + nick + "\r\nUSER " + nick + " 0 * :parley bench\r\n");
        nickSentAt = System.nanoTime();
      }
      case WS -> {
        ch.writeAndFlush(
            new TextWebSocketFrame("{\"type\":\"hello\",\"nick\":\"" + nick + "\"}"),
            ch.voidPromise());
        nickSentAt = System.nanoTime();
        state = State.NICK_SENT;
      }
      case TELNET -> {
        /* wait for the "Nickname:" prompt */
      }
    }
  }

  /** Telnet: prompt seen. */
  void sendTelnetNick() {
    state = State.NICK_SENT;
    nickSentAt = System.nanoTime();
    writeAscii(nick + "\r\n");
  }

  void markJoined() {
    if (state == State.JOINED) {
      return;
    }
    state = State.JOINED;
    joinedAt = System.nanoTime();
    stats.joinUs.recordValue(Math.max(0, (joinedAt - connectStart) / 1000));
    pool.onJoined(this);
  }

  void fail(String why) {
    if (state == State.JOINED || state == State.FAILED || state == State.CLOSED) {
      if (state == State.JOINED) {
        pool.onLostAfterJoin(this, why);
        state = State.CLOSED;
      }
      return;
    }
    state = State.FAILED;
    failure = why;
    pool.onFailed(this, why);
    if (ch != null) {
      ch.close();
    }
  }

  // ---------------------------------------------------------------- receive

  /** Telnet/IRC: one complete line (without CR LF) at [from, to) of buf. */
  void onLine(ByteBuf buf, int from, int to) {
    if (proto == Proto.IRC) {
      if (state != State.JOINED && ircLogin(buf, from, to)) {
        return;
      }
      // PING :token  -> PONG :token   (server pings idle clients)
      if (to - from >= 4
          && buf.getByte(from) == 'P'
          && buf.getByte(from + 1) == 'I'
          && buf.getByte(from + 2) == 'N'
          && buf.getByte(from + 3) == 'G') {
        stats.pings++;
        String rest = buf.toString(from + 4, to - from - 4, StandardCharsets.ISO_8859_1);
        writeAscii("PONG" + rest + "\r\n");
        return;
      }
    } else if (proto == Proto.TELNET && state == State.NICK_SENT) {
      if (pool.isWelcome(buf, from, to)) {
        markJoined();
      } else if (pool.isTelnetRejection(buf, from, to)) {
        fail("nickname rejected: " + buf.toString(from, to - from, StandardCharsets.UTF_8));
        return;
      }
    }
    if (state == State.NICK_SENT || state == State.JOINED) {
      scan(buf, from, to);
    }
  }

  /** WebSocket: one complete text frame payload. */
  void onFrame(ByteBuf buf) {
    int from = buf.readerIndex();
    int to = buf.writerIndex();
    if (state == State.NICK_SENT) {
      if (indexOf(buf, from, to, WELCOME_JSON) >= 0) {
        markJoined();
      } else if (indexOf(buf, from, to, ERROR_JSON) >= 0) {
        fail("server error before welcome: " + buf.toString(StandardCharsets.UTF_8));
        return;
      }
    }
    scan(buf, from, to);
  }

  private static final byte[] WELCOME_JSON =
      "\"type\":\"welcome\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_JSON = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

  /** Returns true if the line was consumed by the IRC login state machine. */
  private boolean ircLogin(ByteBuf buf, int from, int to) {
    // ":server 001 nick :Welcome..." ; numeric is the second token
    int sp = buf.indexOf(from, to, (byte) ' ');
    if (sp < 0 || buf.getByte(from) != ':' || sp + 4 > to) {
      if (to - from >= 5 && buf.getByte(from) == 'E' && buf.getByte(from + 1) == 'R') {
        fail("irc: " + buf.toString(from, to - from, StandardCharsets.UTF_8));
        return true;
      }
      return false;
    }
    int c0 = buf.getByte(sp + 1), c1 = buf.getByte(sp + 2), c2 = buf.getByte(sp + 3);
    if (c0 < '0' || c0 > '9' || c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9') {
      return false;
    }
    int numeric = (c0 - '0') * 100 + (c1 - '0') * 10 + (c2 - '0');
    switch (numeric) {
      case 1 -> {
        state = State.NICK_SENT;
        writeAscii("JOIN " + pool.ircChannel() + "\r\n");
      }
      case 366 -> markJoined();
      case 432, 433, 436, 403, 405, 471, 473, 474, 475 ->
          fail(
              "irc numeric "
                  + numeric
                  + ": "
                  + buf.toString(from, to - from, StandardCharsets.UTF_8));
      default -> {}
    }
    return true;
  }

  /** Finds bench markers ("~b ...") and history markers ("~h ...") in [from, to). */
  private void scan(ByteBuf buf, int from, int to) {
    int i = from;
    while (i < to - 2) {
      int t = buf.indexOf(i, to, (byte) '~');
      if (t < 0 || t > to - 3) {
        return;
      }
      byte k = buf.getByte(t + 1);
      if (buf.getByte(t + 2) != ' ' || (k != 'b' && k != 'h')) {
        i = t + 1;
        continue;
      }
      int p = t + 3;
      if (k == 'h') {
        historySeen++;
        if (historySeen == historyTarget && historyTarget > 0) {
          historyDoneAt = System.nanoTime();
          if (historyListener != null) {
            historyListener.run();
          }
        }
        i = p;
        continue;
      }
      // ~b rung sender seq nanos
      int n = 0;
      while (n < 4 && p < to) {
        long x = 0;
        int digits = 0;
        byte c;
        while (p < to && (c = buf.getByte(p)) >= '0' && c <= '9') {
          x = x * 10 + (c - '0');
          p++;
          digits++;
        }
        if (digits == 0) {
          break;
        }
        v[n++] = x;
        if (p < to && buf.getByte(p) == ' ') {
          p++;
        }
      }
      if (n == 4) {
        Rung r = pool.rung;
        if (r != null) {
          r.onBench(this, stats, (int) v[0], (int) v[1], (int) v[2], v[3], System.nanoTime());
        } else {
          stats.stale++;
        }
      }
      i = p;
    }
  }

  static int indexOf(ByteBuf buf, int from, int to, byte[] needle) {
    int last = to - needle.length;
    byte first = needle[0];
    for (int i = from; i <= last; i++) {
      i = buf.indexOf(i, last + 1, first);
      if (i < 0) {
        return -1;
      }
      int j = 1;
      while (j < needle.length && buf.getByte(i + j) == needle[j]) {
        j++;
      }
      if (j == needle.length) {
        return i;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------- send

  /** Sends one chat line whose text is {@code text} (ASCII, no CR/LF, no JSON escapes needed). */
  void say(CharSequence text) {
    switch (proto) {
      case TELNET -> {
        ByteBuf b = ch.alloc().directBuffer(text.length() + 2);
        ByteBufUtil.writeAscii(b, text);
        b.writeByte('\r').writeByte('\n');
        ch.writeAndFlush(b, ch.voidPromise());
      }
      case IRC -> {
        String prefix = pool.ircPrivmsgPrefix();
        ByteBuf b = ch.alloc().directBuffer(prefix.length() + text.length() + 2);
        ByteBufUtil.writeAscii(b, prefix);
        ByteBufUtil.writeAscii(b, text);
        b.writeByte('\r').writeByte('\n');
        ch.writeAndFlush(b, ch.voidPromise());
      }
      case WS -> {
        ByteBuf b = ch.alloc().directBuffer(text.length() + 32);
        ByteBufUtil.writeAscii(b, "{\"type\":\"say\",\"text\":\"");
        ByteBufUtil.writeAscii(b, text);
        ByteBufUtil.writeAscii(b, "\"}");
        ch.writeAndFlush(new TextWebSocketFrame(b), ch.voidPromise());
      }
    }
  }

  private void writeAscii(String s) {
    ByteBuf b = ch.alloc().directBuffer(s.length());
    ByteBufUtil.writeAscii(b, s);
    ch.writeAndFlush(b, ch.voidPromise());
  }

  void close() {
    Channel c = ch;
    if (c != null) {
      c.close();
    }
  }
}

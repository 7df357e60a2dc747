package parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of simulated users of one protocol against one server, on a small fixed set of Netty event
 * loops (epoll when available). Connections are opened through a window: at most {@code window}
 * clients are between "connect started" and "joined" at any time.
 */
final class ClientPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientPool.class);

  final Proto proto;
  final String host;
  final int port;
  final String nickPrefix;
  private final EventLoopGroup group;
  private final Map<EventExecutor, LoopStats> loopStats = new IdentityHashMap<>();
  private final Pattern welcome;
  private final Pattern rejection;
  private final String ircChannel;
  private final String ircPrivmsgPrefix;
  private final Bootstrap bootstrap;
  final List<BenchClient> clients = new ArrayList<>();
  volatile Rung rung;

  /** Called for every new client before it connects (e.g. to arm history counting). */
  volatile java.util.function.Consumer<BenchClient> onCreate;

  // join bookkeeping
  private final AtomicInteger joined = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger lost = new AtomicInteger();
  private final AtomicInteger nextToStart = new AtomicInteger();
  private final AtomicLong lastJoinAt = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private volatile int batchEnd;
  private volatile CountDownLatch batchDone;

  ClientPool(Proto proto, String host, int port, int threads, String nickPrefix, Options o) {
    this.proto = proto;
    this.host = host;
    this.port = port;
    this.nickPrefix = nickPrefix;
    this.welcome = Pattern.compile(o.telnetWelcome);
    this.rejection = Pattern.compile(o.telnetReject);
    this.ircChannel = "#" + o.room;
    this.ircPrivmsgPrefix = "PRIVMSG " + ircChannel + " :";
    String io = o.clientIo;
    if (io.equals("io_uring") && !IoUring.isAvailable()
        || io.equals("epoll") && !Epoll.isAvailable()) {
      log.warn("client transport {} is not available here; using nio", io);
      io = "nio";
    }
    Io chosen =
        switch (io) {
          case "io_uring" -> new Io(IoUringIoHandler.newFactory(), IoUringSocketChannel.class);
          case "epoll" -> new Io(EpollIoHandler.newFactory(), EpollSocketChannel.class);
          default -> new Io(NioIoHandler.newFactory(), NioSocketChannel.class);
        };
    this.group = new MultiThreadIoEventLoopGroup(threads, chosen.factory());
    for (EventExecutor e : group) {
      loopStats.put(e, new LoopStats());
    }
    Class<? extends SocketChannel> chClass = chosen.channel();
    URI wsUri = URI.create("ws://" + host + ":" + port + o.wsPath);
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(chClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_LINGER, 0)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, o.connectTimeoutMs)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .remoteAddress(host, port);
    this.bootstrap.handler(
        new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            BenchClient c = ch.attr(ClientPool.CLIENT).get();
            c.ch = ch;
            c.stats = loopStats.get(ch.eventLoop());
            ChannelPipeline p = ch.pipeline();
            if (proto == Proto.WS) {
              p.addLast(new HttpClientCodec());
              p.addLast(new HttpObjectAggregator(65536));
              p.addLast(
                  new WebSocketClientProtocolHandler(
                      WebSocketClientProtocolConfig.newBuilder()
                          .webSocketUri(wsUri)
                          .version(WebSocketVersion.V13)
                          .customHeaders(new DefaultHttpHeaders())
                          .maxFramePayloadLength(16 << 20)
                          .handshakeTimeoutMillis(o.connectTimeoutMs)
                          .dropPongFrames(true)
                          // Netty validates UTF-8 of every text frame by default; in the generator
                          // that was 45% of its
                          // CPU and inflated WebSocket latencies. The receivers only look for ASCII
                          // markers.
                          .withUTF8Validator(false)
                          .build()));
              p.addLast(new WebSocketFrameAggregator(16 << 20));
              p.addLast(new WsHandler(c));
            } else {
              p.addLast(new LineHandler(c));
            }
          }
        });
    log.info(
        "client pool {} -> {}:{} on {} {} event loop(s)", proto.label(), host, port, threads, io);
  }

  /** A client transport: its event-loop handler and its socket channel class. */
  private record Io(
      io.netty.channel.IoHandlerFactory factory, Class<? extends SocketChannel> channel) {}

  static final io.netty.util.AttributeKey<BenchClient> CLIENT =
      io.netty.util.AttributeKey.valueOf("client");

  String ircChannel() {
    return ircChannel;
  }

  String ircPrivmsgPrefix() {
    return ircPrivmsgPrefix;
  }

  boolean isWelcome(ByteBuf b, int from, int to) {
    return welcome.matcher(b.toString(from, to - from, StandardCharsets.UTF_8)).find();
  }

  boolean isTelnetRejection(ByteBuf b, int from, int to) {
    return rejection.matcher(b.toString(from, to - from, StandardCharsets.UTF_8)).find();
  }

  List<EventLoop> loops() {
    List<EventLoop> l = new ArrayList<>();
    for (EventExecutor e : group) {
      l.add((EventLoop) e);
    }
    return l;
  }

  // ---------------------------------------------------------------- connecting

  /** Result of a connect batch. */
  record JoinResult(
      int requested,
      int joined,
      int failed,
      long firstStartNanos,
      long lastJoinNanos,
      boolean timedOut,
      List<String> sampleFailures) {
    double seconds() {
      return (lastJoinNanos - firstStartNanos) / 1e9;
    }
  }

  /**
   * Creates {@code count} more clients and connects them with at most {@code window} in flight.
   * Blocks until all have joined or failed, or until the timeout.
   */
  JoinResult connect(int count, int window, long timeoutMs) throws InterruptedException {
    int first = clients.size();
    for (int i = 0; i < count; i++) {
      int id = first + i;
      BenchClient c =
          new BenchClient(
              id, String.format(java.util.Locale.ROOT, "%s%05d", nickPrefix, id), proto, this);
      if (onCreate != null) {
        onCreate.accept(c);
      }
      clients.add(c);
    }
    joined.set(0);
    failed.set(0);
    milestones.clear();
    failures.clear();
    nextToStart.set(first);
    batchEnd = first + count;
    batchDone = new CountDownLatch(count);
    long t0 = System.nanoTime();
    lastJoinAt.set(t0);
    for (int i = 0; i < Math.min(window, count); i++) {
      startNext();
    }
    boolean ok = batchDone.await(timeoutMs, TimeUnit.MILLISECONDS);
    if (!ok) {
      nextToStart.set(Integer.MAX_VALUE / 2); // stop starting new ones
    }
    List<String> sample = new ArrayList<>();
    for (String f : failures) {
      if (sample.size() >= 5) {
        break;
      }
      sample.add(f);
    }
    return new JoinResult(count, joined.get(), failed.get(), t0, lastJoinAt.get(), !ok, sample);
  }

  private void startNext() {
    int i = nextToStart.getAndIncrement();
    if (i >= batchEnd) {
      return;
    }
    BenchClient c = clients.get(i);
    c.connectStart = System.nanoTime();
    ChannelFuture f = bootstrap.clone().attr(CLIENT, c).connect();
    f.addListener(
        fu -> {
          if (!fu.isSuccess()) {
            c.ch = f.channel();
            if (c.stats == null) {
              c.stats = loopStats.get(f.channel().eventLoop());
            }
            c.fail("connect failed: " + fu.cause());
          }
        });
  }

  /** nanoTime at which the running batch reached 1000, 2000, ... joined clients. */
  final java.util.concurrent.ConcurrentSkipListMap<Integer, Long> milestones =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  void onJoined(BenchClient c) {
    int n = joined.incrementAndGet();
    if (n % 1000 == 0) {
      milestones.put(n, c.joinedAt);
    }
    lastJoinAt.accumulateAndGet(c.joinedAt, Math::max);
    CountDownLatch l = batchDone;
    if (l != null) {
      l.countDown();
    }
    startNext();
  }

  void onFailed(BenchClient c, String why) {
    failed.incrementAndGet();
    if (failures.size() < 50) {
      failures.add(c.nick + ": " + why);
    }
    CountDownLatch l = batchDone;
    if (l != null) {
      l.countDown();
    }
    startNext();
  }

  void onLostAfterJoin(BenchClient c, String why) {
    int n = lost.incrementAndGet();
    if (n <= 5 || n % 1000 == 0) {
      log.warn("{} lost after join ({} so far): {}", c.nick, n, why);
    }
  }

  int lostAfterJoin() {
    return lost.get();
  }

  List<BenchClient> joinedClients() {
    List<BenchClient> l = new ArrayList<>();
    for (BenchClient c : clients) {
      if (c.joined()) {
        l.add(c);
      }
    }
    return l;
  }

  // ---------------------------------------------------------------- stats

  /** Runs a task on every loop, waits, and merges copies of the loop stats. */
  LoopStats snapshot(boolean reset) throws InterruptedException {
    LoopStats total = new LoopStats();
    for (EventExecutor e : group) {
      LoopStats s = loopStats.get(e);
      LoopStats copy =
          runOn(
              e,
              () -> {
                LoopStats c = s.copy();
                if (reset) {
                  s.reset();
                  s.joinUs.reset();
                }
                return c;
              });
      total.add(copy);
    }
    return total;
  }

  static <T> T runOn(EventExecutor e, java.util.concurrent.Callable<T> task)
      throws InterruptedException {
    try {
      return e.submit(task).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
      throw new IllegalStateException(ex);
    }
  }

  @Override
  public void close() {
    for (BenchClient c : clients) {
      if (c.state != BenchClient.State.FAILED) {
        c.state = BenchClient.State.CLOSED;
      }
      c.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}

package parley.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free local port in front of a server, standing in for the network between a
 * browser and Parley: a test can refuse new connections ({@link #refuse}), cut the open ones
 * ({@link #cut}), or drop only the browser's side so that the server still believes the old
 * connection alive ({@link #dropClientsOnly}). Plain threads and sockets, so it behaves the same
 * however busy the server is.
 *
 * <p>It can also stand in for a load balancer that sends the PROXY protocol: {@link #sendingHeader}
 * connects to the server from a chosen local address and writes a header first.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  /** Server-side sockets whose client side was dropped: left open until {@link #closeOrphans}. */
  private final List<Socket> orphans = new CopyOnWriteArrayList<>();

  private final AtomicInteger accepted = new AtomicInteger();

  /** The local address to connect to the server from. */
  private final InetAddress from;

  /** The bytes written to the server first on each connection, or null. */
  private volatile byte[] header;

  private volatile boolean refusing;
  private volatile boolean closed;

  public TcpProxy(int targetPort) throws IOException {
    this(targetPort, InetAddress.getLoopbackAddress(), null);
  }

  /**
   * A proxy that connects to the server from {@code from} (e.g. 127.0.0.2) and writes {@code
   * header} (a PROXY protocol header, or null for none) before the client's bytes.
   */
  public static TcpProxy sendingHeader(int targetPort, String from, byte[] header)
      throws IOException {
    return new TcpProxy(targetPort, InetAddress.getByName(from), header);
  }

  private TcpProxy(int targetPort, InetAddress from, byte[] header) throws IOException {
    this.from = from;
    this.header = header;
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tcp-proxy-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /**
   * While true, every new connection is accepted and closed at once, like a network that is down.
   */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /** Connections accepted so far, refused ones included. */
  /** The header for the next connections (null: none). */
  public void header(byte[] bytes) {
    this.header = bytes;
  }

  public int accepted() {
    return accepted.get();
  }

  /** Closes every open connection on both sides, like a network that drops. */
  public void cut() {
    for (Socket s : open) {
      quietly(s);
    }
    open.clear();
  }

  /**
   * Closes the client side of every open connection but keeps the server side open and silent, like
   * a network that vanished without the server noticing yet.
   */
  public void dropClientsOnly() {
    for (Socket s : open) {
      if (s.getLocalPort() != port()) {
        orphans.add(s);
      }
    }
    for (Socket s : open) {
      if (s.getLocalPort() == port()) {
        quietly(s);
      }
    }
  }

  /** Closes the server sides left open by {@link #dropClientsOnly}: now the server notices. */
  public void closeOrphans() {
    for (Socket s : orphans) {
      quietly(s);
    }
    orphans.clear();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (refusing) {
        quietly(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.bind(new InetSocketAddress(from, 0));
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        open.add(client);
        open.add(upstream);
        byte[] first = header;
        if (first != null) {
          upstream.getOutputStream().write(first);
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        quietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try {
                // not try-with-resources: closing a socket's stream closes the socket, and an
                // orphan must stay open
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // one side closed
              } finally {
                // a socket kept as an orphan stays open (and unread) until closeOrphans
                if (!orphans.contains(from)) {
                  quietly(from);
                  open.remove(from);
                }
                if (!orphans.contains(to)) {
                  quietly(to);
                  open.remove(to);
                }
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void quietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cut();
    closeOrphans();
  }
}

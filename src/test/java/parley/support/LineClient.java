package parley.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A plain TCP client that does not speak telnet (like nc or a script): it skips the server's IAC
 * negotiation, splits what it reads into lines, and lets a test wait for a line with a timeout.
 */
public final class LineClient implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);

  private final Socket socket;
  private final OutputStream out;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private volatile boolean eof;

  /** The text after the last line end (e.g. a prompt without a newline). */
  private volatile String partial = "";

  /** Connects, giving up after {@link #WAIT} (a host cut off never answers). */
  public LineClient(String host, int port) throws IOException {
    this(host, port, null);
  }

  /**
   * The same from that local address (e.g. {@code 127.0.0.2}: a client from another address on
   * loopback); null for any.
   */
  public LineClient(String host, int port, String localAddress) throws IOException {
    this(connect(localAddress, host, port));
  }

  /**
   * Reads and writes lines on a connected socket (e.g. a TLS socket, or one from another address).
   */
  public LineClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    Thread reader = new Thread(this::read, "line-client-" + socket.getPort());
    reader.setDaemon(true);
    reader.start();
  }

  public LineClient(int port) throws IOException {
    this("127.0.0.1", port);
  }

  /**
   * A socket connected from the local address {@code from} (null: any), giving up after {@link
   * #WAIT}: a host cut off never answers.
   */
  public static Socket connect(String from, String host, int port) throws IOException {
    Socket s = new Socket();
    if (from != null) {
      s.bind(new InetSocketAddress(from, 0));
    }
    s.connect(new InetSocketAddress(host, port), Math.toIntExact(WAIT.toMillis()));
    return s;
  }

  private void read() {
    try (InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 65536)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int skip = 0;
      boolean sb = false;
      int b;
      while ((b = in.read()) >= 0) {
        if (skip > 0) {
          skip--;
          if (b == 250) { // IAC SB: skip to IAC SE
            sb = true;
            skip = 0;
          }
          continue;
        }
        if (sb) {
          if (b == 240) {
            sb = false;
          }
          continue;
        }
        if (b == 255) {
          skip = 2;
          continue;
        }
        if (b == '\n') {
          String s = line.toString(StandardCharsets.UTF_8);
          lines.add(s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
          line.reset();
          partial = "";
        } else {
          line.write(b);
          if (in.available()
              == 0) { // about to wait for more: publish the unfinished line (e.g. a prompt)
            partial = line.toString(StandardCharsets.UTF_8);
          }
        }
      }
    } catch (IOException ignored) {
      // closed
    } finally {
      eof = true;
    }
  }

  public void send(String line) throws IOException {
    sendRaw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Waits for the next line that matches; lines before it are kept in {@link #seen()}. */
  public String expect(Predicate<String> match, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(
            "no line " + what + " within " + WAIT.toSeconds() + " s; saw: " + seen);
      }
      seen.add(line);
      if (match.test(line)) {
        return line;
      }
    }
  }

  public String expectContaining(String text) throws InterruptedException {
    return expect(l -> l.contains(text), "containing \"" + text + "\"");
  }

  /** Waits until the server has sent a prompt (text without a line end) containing {@code text}. */
  public void expectPrompt(String text) {
    Eventually.within(WAIT)
        .untilAsserted(
            () ->
                assertTrue(
                    partial.contains(text),
                    () -> "no prompt \"" + text + "\"; saw: " + seen + " / " + partial));
  }

  /** Waits for the connection to be closed by the server. */
  public void expectClosed() {
    Eventually.within(WAIT)
        .untilAsserted(() -> assertTrue(eof, () -> "connection still open; saw: " + seen));
  }

  /** Lines received and consumed by expect so far. */
  public List<String> seen() {
    return seen;
  }

  /** Lines received but not yet consumed. */
  public List<String> unread() {
    return new ArrayList<>(lines);
  }

  /** Connects, answers the nickname prompt and waits until the session is in the room. */
  public static LineClient login(int port, String nick) throws IOException, InterruptedException {
    return login("127.0.0.1", port, nick);
  }

  /** The same on that host. */
  public static LineClient login(String host, int port, String nick)
      throws IOException, InterruptedException {
    return login(host, port, null, nick);
  }

  /** The same on that host from that local address (null for any). */
  public static LineClient login(String host, int port, String localAddress, String nick)
      throws IOException, InterruptedException {
    return login(new LineClient(host, port, localAddress), nick);
  }

  /** The same over a connected client. */
  public static LineClient login(LineClient c, String nick)
      throws IOException, InterruptedException {
    try {
      c.expectPrompt("Nickname:");
      c.send(nick);
      c.expectContaining("You are in #");
      return c;
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /**
   * Logs in as {@code nick}, registers it (password {@code nick + "-password"}) and makes the
   * account the server's first admin with {@code /op operatorPassword}: the operator of a test.
   */
  public static LineClient firstAdmin(int port, String nick, String operatorPassword)
      throws IOException, InterruptedException {
    LineClient c = login(port, nick);
    c.send("/register " + nick + "-password");
    c.expectContaining("is registered to you");
    c.send("/op " + operatorPassword);
    c.expectContaining("You are now an admin");
    return c;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

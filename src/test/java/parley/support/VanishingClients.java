package parley.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.telnet.TelnetClient;

/**
 * Three real clients in one small process, for a test to start inside a network namespace ({@code
 * ip netns exec}) and then cut off: a commons-net telnet client (it answers the server's
 * negotiation and its TIMING-MARK probes), a raw TCP client that never speaks telnet (like nc) and
 * the JDK's WebSocket client (it answers pings, as browsers do). Each logs in with its nickname and
 * keeps reading; the process prints {@code ready} once all three are in, then runs until killed.
 *
 * <p>Usage: {@code VanishingClients HOST TELNET_PORT HTTP_PORT TELNET_NICK RAW_NICK WEB_NICK}
 */
public final class VanishingClients {
  private VanishingClients() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int telnetPort = Integer.parseInt(args[1]);
    int httpPort = Integer.parseInt(args[2]);
    CountDownLatch in = new CountDownLatch(3);

    TelnetClient telnet = new TelnetClient();
    telnet.connect(host, telnetPort);
    read(telnet.getInputStream(), "telnet", in);
    send(telnet.getOutputStream(), args[3] + "\r\n");

    Socket raw = new Socket(host, telnetPort);
    read(raw.getInputStream(), "raw", in);
    send(raw.getOutputStream(), args[4] + "\n");

    HttpClient http = HttpClient.newHttpClient();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://" + host + ":" + httpPort + "/chat/ws"),
                new WebSocket.Listener() {
                  private final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(
                      WebSocket socket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      if (text.indexOf("\"type\":\"joined\"") >= 0) {
                        in.countDown();
                      }
                      text.setLength(0);
                    }
                    socket.request(1);
                    return CompletableFuture.completedFuture(null);
                  }
                })
            .get(10, TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"hello\",\"nick\":\"" + args[5] + "\"}", true)
        .get(10, TimeUnit.SECONDS);

    if (!in.await(30, TimeUnit.SECONDS)) {
      System.out.println("not all logged in");
      System.exit(1);
    }
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Reads everything (so the server's data is acknowledged) until the connection ends. */
  private static void read(InputStream input, String name, CountDownLatch in) {
    Thread t =
        new Thread(
            () -> {
              StringBuilder seen = new StringBuilder();
              byte[] buf = new byte[8192];
              boolean counted = false;
              try {
                for (int n; (n = input.read(buf)) > 0; ) {
                  if (!counted) {
                    seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    if (seen.indexOf("You are ") >= 0) {
                      counted = true;
                      in.countDown();
                    }
                  }
                }
                System.out.println(name + " closed");
              } catch (IOException e) {
                System.out.println(name + " failed: " + e);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}

package spike;

import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;

/** Line protocol shared by every backend: APPEND room text | DUMP room | STATUS | STATS. One thread per connection. */
public final class Cmd {
  public interface Backend {
    /** Appends, returns the assigned seq; throws with a one-line reason when refused. */
    long append(String room, String text) throws Exception;
    /** Local read of a room's history: "seq text" lines. */
    List<String> dump(String room) throws Exception;
    String status();
  }

  /** apply-latency samples (ns) of entries whose text starts with "t=<nanoTime> " */
  static final ConcurrentLinkedQueue<Long> applyLat = new ConcurrentLinkedQueue<>();

  static void sample(String text) {
    if (text.startsWith("t=")) {
      int sp = text.indexOf(' ');
      try { applyLat.add(System.nanoTime() - Long.parseLong(text.substring(2, sp < 0 ? text.length() : sp))); } catch (Exception ignored) { }
    }
  }

  static String stats() {
    List<Long> l = new ArrayList<>(applyLat);
    applyLat.clear();
    Collections.sort(l);
    if (l.isEmpty()) return "n=0";
    return String.format("n=%d p50=%.2fms p99=%.2fms max=%.2fms", l.size(), l.get(l.size() / 2) / 1e6,
        l.get((int) Math.min(l.size() - 1, Math.floor(l.size() * 0.99))) / 1e6, l.get(l.size() - 1) / 1e6);
  }

  public static void serve(String host, int port, Backend b) throws IOException {
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(new InetSocketAddress(host, port));
    System.out.println("cmd listening " + host + ":" + port);
    Thread t = new Thread(() -> {
      while (true) {
        try {
          Socket s = ss.accept();
          s.setTcpNoDelay(true);
          new Thread(() -> handle(s, b)).start();
        } catch (IOException e) { return; }
      }
    }, "cmd-accept");
    t.start();
  }

  static void handle(Socket s, Backend b) {
    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
         Writer out = new BufferedWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] p = line.split(" ", 3);
        String reply;
        try {
          switch (p[0]) {
            case "APPEND" -> reply = "OK " + b.append(p[1], p[2]);
            case "DUMP" -> { List<String> d = b.dump(p[1]); reply = "N " + d.size() + (d.isEmpty() ? "" : "\n" + String.join("\n", d)); }
            case "STATUS" -> reply = "S " + b.status();
            case "STATS" -> reply = "L " + stats();
            default -> reply = "ERR unknown";
          }
        } catch (Throwable e) {
          Throwable c = e;
          while (c.getCause() != null && c.getCause() != c) c = c.getCause();
          reply = "ERR " + c.getClass().getSimpleName() + ": " + String.valueOf(c.getMessage()).replace('\n', ' ');
        }
        out.write(reply + "\n");
        out.flush();
      }
    } catch (IOException ignored) { }
  }
}

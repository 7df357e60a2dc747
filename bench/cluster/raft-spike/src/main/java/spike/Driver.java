package spike;

import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

/**
 * append host port room count tag acked.log  : sequential appends, latency percentiles, acked entries appended to the file
 * verify acked.log host:port ...              : every acked (room, seq) must be present with the same text on every node,
 *                                               and seqs must be dense 1..N with no duplicates of text
 * cmd host port LINE                          : one command, print the reply
 */
public final class Driver {
  static Socket open(String host, int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(host, port), 2000);
    s.setTcpNoDelay(true);
    s.setSoTimeout(20000);
    return s;
  }

  static String call(BufferedReader in, Writer out, String line) throws IOException {
    out.write(line + "\n");
    out.flush();
    String first = in.readLine();
    if (first == null) throw new EOFException();
    if (first.startsWith("N ")) {
      int n = Integer.parseInt(first.substring(2).trim());
      StringBuilder sb = new StringBuilder(first);
      for (int i = 0; i < n; i++) sb.append('\n').append(in.readLine());
      return sb.toString();
    }
    return first;
  }

  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "append" -> {
        String room = a[3], tag = a[5];
        int count = Integer.parseInt(a[4]);
        long[] lat = new long[count];
        int ok = 0, err = 0;
        String lastErr = null;
        try (Socket s = open(a[1], Integer.parseInt(a[2]));
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
             PrintWriter acked = new PrintWriter(new FileWriter(a[6], true))) {
          for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            String text = "t=" + t0 + " " + tag + "-" + i;
            String r = call(in, out, "APPEND " + room + " " + text);
            long dt = System.nanoTime() - t0;
            if (r.startsWith("OK ")) {
              lat[ok++] = dt;
              acked.println(room + " " + r.substring(3) + " " + text);
              acked.flush();
            } else {
              err++;
              lastErr = r + " (after " + dt / 1_000_000 + " ms)";
            }
          }
        }
        long[] l = Arrays.copyOf(lat, ok);
        Arrays.sort(l);
        if (ok > 0) {
          System.out.printf("appends ok=%d err=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms%n", ok, err, l[ok / 2] / 1e6,
              l[(int) (ok * 0.9)] / 1e6, l[Math.min(ok - 1, (int) (ok * 0.99))] / 1e6, l[ok - 1] / 1e6);
        } else {
          System.out.println("appends ok=0 err=" + err);
        }
        if (lastErr != null) System.out.println("last error: " + lastErr);
      }
      case "verify" -> {
        Map<String, Map<Long, String>> acked = new HashMap<>();
        int n = 0;
        if (Files.exists(Path.of(a[1]))) {
          for (String line : Files.readAllLines(Path.of(a[1]))) {
            String[] p = line.split(" ", 3);
            String prev = acked.computeIfAbsent(p[0], k -> new HashMap<>()).put(Long.parseLong(p[1]), p[2]);
            if (prev != null) System.out.println("DUPLICATE ACK of " + p[0] + "/" + p[1] + ": " + prev + " and " + p[2]);
            n++;
          }
        }
        boolean allOk = true;
        for (int i = 2; i < a.length; i++) {
          String[] hp = a[i].split(":");
          int missing = 0, changed = 0, extra = 0, total = 0;
          try (Socket s = open(hp[0], Integer.parseInt(hp[1]));
               BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
               Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8)) {
            for (var room : acked.entrySet()) {
              String[] lines = call(in, out, "DUMP " + room.getKey()).split("\n");
              Map<Long, String> have = new HashMap<>();
              for (int j = 1; j < lines.length; j++) {
                String[] p = lines[j].split(" ", 2);
                have.put(Long.parseLong(p[0]), p[1]);
              }
              total += have.size();
              for (var e : room.getValue().entrySet()) {
                String h = have.get(e.getKey());
                if (h == null) missing++;
                else if (!h.equals(e.getValue())) changed++;
              }
              extra += have.size() - room.getValue().size();
            }
          } catch (IOException e) {
            System.out.println(a[i] + ": unreachable " + e);
            allOk = false;
            continue;
          }
          System.out.printf("%s: acked=%d present=%d missing=%d changed=%d unacked-extra=%d%n", a[i], n, total, missing, changed, extra);
          if (missing + changed > 0) allOk = false;
        }
        System.out.println(allOk ? "VERIFY OK" : "VERIFY FAILED");
      }
      case "cmd" -> {
        try (Socket s = open(a[1], Integer.parseInt(a[2]));
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8)) {
          System.out.println(call(in, out, String.join(" ", Arrays.copyOfRange(a, 3, a.length))));
        }
      }
      default -> throw new IllegalArgumentException(a[0]);
    }
  }
}

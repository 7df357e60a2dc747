package parley.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formats result rows as an aligned text table and as markdown. */
final class Report {
  private static final String[] HEAD = {
    "scenario",
    "server",
    "proto",
    "step",
    "delivered/s",
    "expected/s",
    "loss",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "server CPU s",
    "RSS MB",
    "HWM MB",
    "dup",
    "ooo",
    "late",
    "gen CPU s",
    "other CPU s",
    "result"
  };

  private Report() {}

  static List<String[]> cells(List<ResultRow> rows) {
    List<String[]> out = new ArrayList<>();
    for (ResultRow r : rows) {
      out.add(
          new String[] {
            r.scenario,
            r.server,
            r.proto,
            r.step,
            num(r.deliveredPerSec, 0),
            num(r.expectedPerSec, 0),
            loss(r),
            num(r.p50, 1),
            num(r.p99, 1),
            num(r.p999, 1),
            num(r.max, 1),
            num(r.serverCpu, 2),
            num(r.rssMb, 1),
            num(r.hwmMb, 1),
            cnt(r.duplicates),
            cnt(r.outOfOrder),
            cnt(r.late),
            num(r.genCpu, 2),
            num(r.otherCpu, 2),
            r.result == null ? "" : r.result
          });
    }
    return out;
  }

  static String text(List<ResultRow> rows) {
    List<String[]> c = cells(rows);
    int[] w = new int[HEAD.length];
    for (int i = 0; i < HEAD.length; i++) {
      w[i] = HEAD[i].length();
    }
    for (String[] row : c) {
      for (int i = 0; i < row.length; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, HEAD, w);
    StringBuilder sep = new StringBuilder();
    for (int x : w) {
      sep.append("-".repeat(x)).append("  ");
    }
    sb.append(sep.toString().stripTrailing()).append('\n');
    for (String[] row : c) {
      line(sb, row, w);
    }
    return sb.toString();
  }

  static String markdown(List<ResultRow> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append('|');
    for (String h : HEAD) {
      sb.append(' ').append(h).append(" |");
    }
    sb.append("\n|");
    for (int i = 0; i < HEAD.length; i++) {
      sb.append(i >= 4 && i <= 18 ? "---:|" : "---|");
    }
    sb.append('\n');
    for (String[] row : cells(rows)) {
      sb.append('|');
      for (String v : row) {
        sb.append(' ').append(v.replace("|", "\\|")).append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, String[] row, int[] w) {
    for (int i = 0; i < row.length; i++) {
      boolean right = i >= 4 && i <= 18;
      String v = row[i];
      String pad = " ".repeat(w[i] - v.length());
      sb.append(right ? pad + v : v + pad);
      if (i < row.length - 1) {
        sb.append("  ");
      }
    }
    while (sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') {
      sb.setLength(sb.length() - 1);
    }
    sb.append('\n');
  }

  static String num(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }

  static String cnt(long v) {
    return v < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", v);
  }

  static String loss(ResultRow r) {
    if (r.lossCount < 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%,d (%.2f%%)", r.lossCount, r.lossPct);
  }
}

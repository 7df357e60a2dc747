package parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads CPU time and memory of a process from /proc. */
final class ProcStats {
  private static final long CLK_TCK = clockTicks();

  private ProcStats() {}

  /** utime + stime of the process (all threads), in seconds; NaN if unavailable. */
  static double cpuSeconds(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": f[0]=state, utime is field 14 overall -> f[11], stime f[12]
      long ut = Long.parseLong(f[11]);
      long st = Long.parseLong(f[12]);
      return (ut + st) / (double) CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat; NaN if
   * unavailable.
   */
  static double machineBusySeconds() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy / (double) CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Value of a "Vm..." line of /proc/PID/status in MiB; NaN if unavailable. */
  static double statusMb(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(key + ":")) {
          String v = line.substring(key.length() + 1).trim().split("\\s+")[0];
          return Long.parseLong(v) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return Double.NaN;
  }

  static double rssMb(long pid) {
    return statusMb(pid, "VmRSS");
  }

  static double hwmMb(long pid) {
    return statusMb(pid, "VmHWM");
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100;
    }
  }
}

package parley.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Ports and a shared config for cluster nodes on loopback, different in every run. */
public final class LoopbackCluster {
  private LoopbackCluster() {}

  /** A loopback port free now, picked by the OS. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * The first of three consecutive loopback ports in 5720..6019 that are free now, other than
   * {@code avoid}.
   */
  public static int freeBase(int avoid) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 5720 + 3 * ThreadLocalRandom.current().nextInt(100);
      if (base != avoid && free(base) && free(base + 1) && free(base + 2)) {
        return base;
      }
    }
    throw new AssertionError("no free ports for the cluster");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes a cluster config for nodes on 127.0.0.1: Hazelcast from {@code base} ({@code members}
   * ports), three voters from {@code raftBase}; each node then needs its own {@code --raft-port}.
   */
  public static void writeConfig(Path file, String name, int base, int members, int raftBase)
      throws IOException {
    Files.writeString(
        file,
        "{\"cluster\": {\"enabled\": true, \"name\": \""
            + name
            + "\", \"host\": \"127.0.0.1\", \"port\": "
            + base
            + ", \"members\": ["
            + loopback(base, members)
            + "], \"voters\": ["
            + loopback(raftBase, 3)
            + "]}}");
  }

  private static String loopback(int first, int count) {
    return IntStream.range(first, first + count)
        .mapToObj(p -> "\"127.0.0.1:" + p + "\"")
        .collect(Collectors.joining(", "));
  }
}

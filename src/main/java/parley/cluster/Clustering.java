package parley.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import parley.Parley;
import parley.cluster.raft.RaftCluster;
import parley.config.ConfigException;
import parley.config.ParleyConfig;
import parley.ops.Metrics;

/**
 * Builds the Hazelcast configuration from {@code cluster.*} and starts a clustered Vert.x on it.
 * Everything is set in code, so that nodes on one machine find each other over loopback with
 * nothing else to configure:
 *
 * <ul>
 *   <li>Hazelcast binds to {@code cluster.host}, first trying {@code cluster.port} and then the
 *       next ports (auto-increment): three nodes on one machine get 5701, 5702 and 5703.
 *   <li>Members are found by TCP-IP join over {@code cluster.members}; multicast and auto-detection
 *       are off.
 *   <li>Failure detection: a heartbeat every second, and a member that has not been heard from for
 *       {@value #NO_HEARTBEAT_SECONDS} s is removed (Hazelcast's default is 60 s).
 *   <li>Split-brain healing is checked every {@value #MERGE_DELAY_SECONDS} s (default 120-300 s).
 *   <li>Parley's maps ({@code parley.*}) keep one synchronous backup on another member.
 * </ul>
 */
public final class Clustering {
  /**
   * A member not heard from for this long is removed; its nicknames and memberships are freed then.
   */
  public static final int NO_HEARTBEAT_SECONDS = 10;

  static final int HEARTBEAT_SECONDS = 1;
  static final int MERGE_DELAY_SECONDS = 10;

  /** How many ports after cluster.port are tried when it is taken. */
  static final int PORT_COUNT = 100;

  /**
   * The name of Parley's maps start with this; the Hazelcast map configuration below matches it.
   */
  public static final String MAP_PREFIX = "parley.";

  private Clustering() {}

  /**
   * The Hazelcast configuration of a Parley node, from Vert.x's defaults (its own maps) and {@code
   * cluster.*}.
   */
  public static Config hazelcastConfig(ParleyConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(HEARTBEAT_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(NO_HEARTBEAT_SECONDS));
    config.setProperty(
        "hazelcast.merge.first.run.delay.seconds", String.valueOf(MERGE_DELAY_SECONDS));
    config.setProperty(
        "hazelcast.merge.next.run.delay.seconds", String.valueOf(MERGE_DELAY_SECONDS));
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.socket.bind.any", "false");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(PORT_COUNT);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(address(cluster.host())));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig()
        .setEnabled(true)
        .setMembers(new ArrayList<>(cluster.members()))
        .setConnectionTimeoutSeconds(2);

    // history and memberships are changed in place by entry processors: OBJECT format spares a
    // serialisation round trip of the whole room per message
    config.addMapConfig(
        new MapConfig(MAP_PREFIX + "*")
            .setBackupCount(1)
            .setAsyncBackupCount(0)
            .setInMemoryFormat(InMemoryFormat.OBJECT));
    config.setClassLoader(Clustering.class.getClassLoader());
    return config;
  }

  /** Vert.x options of a clustered node: the event bus listens on {@code cluster.host} too. */
  public static VertxOptions vertxOptions(ParleyConfig.Cluster cluster, int eventLoops) {
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops);
    options.getEventBusOptions().setHost(address(cluster.host()));
    return options;
  }

  /**
   * Joins the cluster. Fails with a one-line reason when this node can't (e.g. no port can be
   * bound).
   */
  public static Future<ClusteredVertx> start(ParleyConfig.Cluster cluster) {
    return start(
        cluster,
        Runtime.getRuntime().availableProcessors(),
        Parley.transport("auto"),
        Metrics.NONE);
  }

  /**
   * Joins the cluster with that many event loops on that transport, Vert.x reporting its metrics
   * into {@code metrics}.
   */
  public static Future<ClusteredVertx> start(
      ParleyConfig.Cluster cluster, int eventLoops, Transport transport, Metrics metrics) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    return Parley.withMetrics(Vertx.builder(), vertxOptions(cluster, eventLoops), metrics)
        .withTransport(transport)
        .withClusterManager(manager)
        .buildClustered()
        .map(vertx -> new ClusteredVertx(vertx, manager))
        .recover(
            err ->
                Future.failedFuture(
                    new IllegalStateException(
                        "could not join the cluster on "
                            + cluster.host()
                            + ":"
                            + cluster.port()
                            + " (members "
                            + String.join(", ", cluster.members())
                            + "): "
                            + reason(err),
                        err)));
  }

  /** A clustered Vert.x and its cluster manager, whose node id names this node. */
  public record ClusteredVertx(Vertx vertx, HazelcastClusterManager manager) {}

  /**
   * The Raft configuration of this node: every voter of {@code cluster.voters} as {@code
   * id=host:port} (the id is {@code host_port}), and which of them this node is. With {@code
   * cluster.raftPort} set, this node is the voter at {@code cluster.host} and that port. With 0, it
   * is the voter its data dir remembers ({@code DATA_DIR/raft/voter}), or else the first voter at
   * {@code cluster.host} whose port is free, which it then remembers: three nodes on one machine
   * sharing one config get a voter each, and keep it across restarts.
   */
  public static RaftCluster.Config raftConfig(ParleyConfig config) throws IOException {
    ParleyConfig.Cluster cluster = config.cluster();
    List<String> voters = new ArrayList<>();
    for (String v : cluster.voters()) {
      String hostPort = v.strip();
      voters.add(voterId(hostPort) + "=" + hostPort);
    }
    String host = address(cluster.host());
    Path remembered = config.dataDir().resolve("raft").resolve("voter");
    String me = null;
    if (cluster.raftPort() > 0) {
      me = find(cluster.voters(), host, cluster.raftPort());
      if (me == null) {
        throw new ConfigException(
            "cluster.raftPort "
                + cluster.raftPort()
                + " at cluster.host "
                + cluster.host()
                + " is not one of cluster.voters "
                + cluster.voters());
      }
    } else if (Files.exists(remembered)) {
      me = Files.readString(remembered).strip();
      if (!cluster.voters().contains(me)) {
        throw new ConfigException(
            "this data dir belongs to voter "
                + me
                + " (its "
                + remembered
                + "), which is not in cluster.voters "
                + cluster.voters());
      }
    } else {
      for (String v : cluster.voters()) {
        int colon = v.lastIndexOf(':');
        if (address(v.substring(0, colon)).equals(host)
            && free(host, Integer.parseInt(v.substring(colon + 1)))) {
          me = v.strip();
          break;
        }
      }
      if (me == null) {
        throw new ConfigException(
            "no voter of cluster.voters "
                + cluster.voters()
                + " is at cluster.host "
                + cluster.host()
                + " with a free port; set cluster.raftPort (--raft-port)");
      }
    }
    Files.createDirectories(remembered.getParent());
    Files.writeString(remembered, me + "\n");
    return RaftCluster.Config.of(voterId(me), voters, config.dataDir())
        .withRetain(config.history().retain());
  }

  /** A voter's id in the Raft group: its {@code host:port} with {@code _} for the colon. */
  static String voterId(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return hostPort.substring(0, colon) + "_" + hostPort.substring(colon + 1);
  }

  private static String find(List<String> voters, String host, int port) {
    for (String v : voters) {
      int colon = v.lastIndexOf(':');
      if (Integer.parseInt(v.substring(colon + 1).strip()) == port
          && address(v.substring(0, colon).strip()).equals(host)) {
        return v.strip();
      }
    }
    return null;
  }

  private static boolean free(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The innermost message of a failure, on one line. */
  public static String reason(Throwable err) {
    Throwable t = err;
    String message = null;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
      if (t.getCause() == null || t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    if (message == null) {
      message = err.getClass().getSimpleName();
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).strip();
  }

  /** The IP address of a host name, as Hazelcast's interface list wants it. */
  public static String address(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException("cluster.host \"" + host + "\" can't be resolved");
    }
  }
}

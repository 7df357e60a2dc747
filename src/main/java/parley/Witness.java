package parley;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.cluster.Clustering;
import parley.cluster.raft.RaftCluster;
import parley.config.ParleyConfig;

/**
 * {@code --witness}: only this node's Raft voter, for a cluster of two Parley nodes (a third voter
 * on a small machine, so that any one of the three may fail). No Hazelcast, no telnet or HTTP, no
 * chat. It applies the log like any voter, so it keeps a full copy of the replicated state
 * (retained history, nicknames, memberships, bans, mutes) in memory and its log and snapshots in
 * {@code DATA_DIR/raft}.
 */
final class Witness {
  private static final Logger LOG = LoggerFactory.getLogger(Witness.class);

  private Witness() {}

  /**
   * Starts the voter (replaying its log; blocking) and prints {@code witness: raft HOST:PORT (voter
   * ID)}. Runs until the JVM is told to stop (SIGTERM, Ctrl-C), then closes the voter.
   *
   * @throws IOException the voter could not start (its storage, its port)
   */
  static void run(ParleyConfig config) throws IOException, InterruptedException {
    RaftCluster.Config raftConfig =
        Clustering.raftConfig(config)
            // a witness holds no nicknames, so it has no lease to renew
            .withLeaseEvery(java.time.Duration.ZERO);
    RaftCluster raft = RaftCluster.start(raftConfig);
    CountDownLatch stopped = new CountDownLatch(1);
    ScheduledExecutorService watch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "parley-witness");
              t.setDaemon(true);
              return t;
            });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  watch.shutdownNow();
                  raft.close();
                  LOG.info("witness {} stopped", raft.nodeId());
                  stopped.countDown();
                },
                "parley-shutdown"));
    System.out.println("witness: raft " + address(raftConfig) + " (voter " + raft.nodeId() + ")");
    System.out.flush();
    LOG.info(
        "witness {} of cluster {}: {} voters {}",
        raft.nodeId(),
        config.cluster().name(),
        raftConfig.voters().size(),
        config.cluster().voters());
    String[] last = {""};
    var unused =
        watch.scheduleWithFixedDelay(
            () -> {
              try {
                String why = raft.readOnlyReason();
                String now = raft.role() + (why == null ? ", writable" : ", read-only: " + why);
                // while read-only only once: a voter alone flips FOLLOWER/CANDIDATE every election
                String key = why == null ? raft.role() : "read-only";
                if (!key.equals(last[0])) {
                  last[0] = key;
                  LOG.info("witness {} is {}", raft.nodeId(), now);
                }
              } catch (RuntimeException e) {
                LOG.warn("witness status: {}", e.toString());
              }
            },
            0,
            500,
            TimeUnit.MILLISECONDS);
    stopped.await();
  }

  /** This voter's host:port, from its {@code id=host:port} entry. */
  private static String address(RaftCluster.Config c) {
    for (String v : c.voters()) {
      if (v.startsWith(c.nodeId() + "=")) {
        return v.substring(c.nodeId().length() + 1);
      }
    }
    return c.nodeId();
  }
}

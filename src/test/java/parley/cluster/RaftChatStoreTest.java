package parley.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import parley.cluster.raft.RaftCluster;
import parley.store.AccountContract;
import parley.store.ChatStore;
import parley.store.ChatStoreContract;
import parley.store.ModerationContract;
import parley.support.LoopbackCluster;

/**
 * The store contract for the Raft store, on a real one-voter Raft group (its own port and data dir
 * per test): a one-voter group is its own majority, so every write commits after its fsync. What
 * only several voters show (delivery on every node, refusal while cut off, reconciliation) is
 * tested with three nodes in {@link RaftChatStoreClusterTest} and the cluster ITs.
 */
class RaftChatStoreTest extends ChatStoreContract implements ModerationContract, AccountContract {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private Vertx vertx;
  private RaftChatStore current;

  @Override
  public ChatStore store() throws Exception {
    return storeRetaining(1000);
  }

  @Override
  protected ChatStore peer() {
    return current;
  }

  /** One voter, one node: other nodes are {@link RaftChatStoreClusterTest}'s. */
  @Override
  public ChatStore peerOf(ChatStore store) {
    return store;
  }

  @Override
  protected ChatStore storeRetaining(int retain) throws Exception {
    close();
    vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("parley-raft-store");
    int port = LoopbackCluster.freePort();
    RaftCluster raft =
        RaftCluster.start(
            RaftCluster.Config.of("n1", List.of("n1=127.0.0.1:" + port), dir)
                .withRetain(retain)
                .withLeaseEvery(Duration.ZERO));
    opened.add(raft);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(raft::writable);
    raft.ensureEpoch().get(20, TimeUnit.SECONDS);
    current = new RaftChatStore(vertx, raft);
    opened.add(current);
    assertTrue(raft.writable());
    return current;
  }

  @AfterEach
  void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
      vertx = null;
    }
  }
}

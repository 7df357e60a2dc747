package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import parley.support.LoopbackCluster;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * Two Parley nodes ({@code --cluster}) and a witness ({@code --witness}): three Raft voters,
 * separate JVMs on loopback, ports picked at random for this run. With the witness, either Parley
 * node may die and the other still takes messages; the witness may die and the two nodes still do;
 * with only one of the three voters left, writes are refused.
 */
class WitnessIT {
  /** Small heaps and a quick JIT: three JVMs share two cores with everything else. */
  private static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private Path root;
  private Path config;
  private int raftBase;
  private final ParleyProcess[] nodes = new ParleyProcess[2];
  private ParleyProcess witness;
  private Vertx vertx;

  @AfterEach
  void stopAll() throws Exception {
    for (ParleyProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
    if (witness != null) {
      witness.close();
    }
    if (vertx != null) {
      vertx.close();
    }
    if (root != null) {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private void writeConfig() throws IOException {
    root = Files.createTempDirectory("parley-witness-it");
    int base = LoopbackCluster.freeBase(-1);
    raftBase = LoopbackCluster.freeBase(base);
    config = root.resolve("cluster.json");
    LoopbackCluster.writeConfig(config, "parley-witness-it-" + base, base, 2, raftBase);
  }

  /** Parley node 1 or 2: voter raftBase + 0 or + 1. */
  private ParleyProcess launchNode(int node) throws IOException {
    return ParleyProcess.launch(
        JVM,
        "--config",
        config.toString(),
        "--host",
        "127.0.0.1",
        "--telnet-port",
        "0",
        "--http-port",
        "0",
        "--data-dir",
        root.resolve("node" + node).toString(),
        "--raft-port",
        String.valueOf(raftBase + node - 1),
        "--cluster");
  }

  /** The witness: voter raftBase + 2. */
  private ParleyProcess launchWitness() throws IOException {
    return ParleyProcess.launch(
        JVM,
        "--witness",
        "--config",
        config.toString(),
        "--host",
        "127.0.0.1",
        "--data-dir",
        root.resolve("witness").toString(),
        "--raft-port",
        String.valueOf(raftBase + 2));
  }

  private void awaitWitness() {
    String expected =
        "witness: raft 127.0.0.1:" + (raftBase + 2) + " (voter 127.0.0.1_" + (raftBase + 2) + ")";
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertTrue(
                  witness.isAlive(),
                  () ->
                      "witness ended; stdout " + witness.stdout() + " stderr " + witness.stderr());
              assertTrue(
                  witness.stdout().contains(expected),
                  () -> "no \"" + expected + "\" yet; stdout " + witness.stdout());
            });
    assertEquals(List.of(expected), witness.stdout(), "one line on stdout");
  }

  private int http(int node) {
    return nodes[node - 1].httpPort();
  }

  private static JsonObject hello(String nick, long since) {
    return new JsonObject()
        .put("type", "hello")
        .put("nick", nick)
        .put("since", new JsonObject().put("lobby", since));
  }

  /** Logs in, retrying while the node refuses the nickname claim as read-only. */
  private WsClient login(int node, String nick) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      WsClient c = WsClient.connect(vertx, http(node));
      c.send(new JsonObject().put("type", "hello").put("nick", nick));
      JsonObject f =
          c.expect(
              m -> "joined".equals(m.getString("type")) || "error".equals(m.getString("type")),
              "joined or an error");
      if ("joined".equals(f.getString("type"))) {
        return c;
      }
      c.close();
      assertEquals("read_only", f.getString("code"), "login of " + nick + ": " + f);
      assertTrue(System.nanoTime() < deadline, "login of " + nick + " refused for 60 s: " + f);
      Thread.sleep(500);
    }
  }

  /** VmRSS of a process in kB, from /proc (Linux). */
  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmRSS for pid " + pid);
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void twoNodesAndAWitnessSurviveAnyOneFailure() throws Exception {
    writeConfig();
    vertx = Vertx.vertx();
    nodes[0] = launchNode(1);
    nodes[1] = launchNode(2);
    witness = launchWitness();
    awaitWitness();
    for (ParleyProcess p : nodes) {
      p.awaitPorts(Duration.ofMinutes(2));
    }

    WsClient alice = login(1, "alice");
    WsClient bob = login(2, "bob");
    try {
      // both nodes chat: a write through either reaches the other's user with its seq
      long first = alice.sayAcked("hello from node 1", Duration.ofMinutes(1));
      assertEquals(first, bob.expectMessage("hello from node 1").getLong("seq"));
      long second = bob.sayAcked("hello from node 2", Duration.ofSeconds(20));
      assertEquals(second, alice.expectMessage("hello from node 2").getLong("seq"));
      assertTrue(second > first, first + " then " + second);

      // node 2 dies: node 1 and the witness are 2 of 3 voters
      bob.close();
      nodes[1].kill9();
      long killedAt = System.nanoTime();
      List<Long> during = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        during.add(alice.sayAcked("while node 2 is down " + i, Duration.ofSeconds(30)));
      }
      System.out.println(
          "WitnessIT: node 1 wrote again "
              + (System.nanoTime() - killedAt) / 1_000_000
              + " ms after node 2 was killed");
      assertTrue(
          second < during.get(0) && during.get(0) < during.get(1) && during.get(1) < during.get(2),
          second + " then " + during);

      // node 2 comes back and has what it missed
      nodes[1] = launchNode(2);
      nodes[1].awaitPorts(Duration.ofMinutes(2));
      AtomicInteger attempt = new AtomicInteger();
      Awaitility.await()
          .atMost(Duration.ofMinutes(1))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                try (WsClient reader = WsClient.connect(vertx, http(2))) {
                  reader.send(hello("reader" + attempt.incrementAndGet(), 0));
                  JsonObject h =
                      reader.expect(
                          m ->
                              "history".equals(m.getString("type"))
                                  || "error".equals(m.getString("type")),
                          "history or an error");
                  assertEquals("history", h.getString("type"), h.encode());
                  JsonArray messages = h.getJsonArray("messages");
                  List<String> texts =
                      messages.stream().map(m -> ((JsonObject) m).getString("text")).toList();
                  List<Long> seqs =
                      messages.stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
                  for (int i = 0; i < seqs.size(); i++) {
                    assertEquals(i + 1L, seqs.get(i), "no gap in node 2's history: " + seqs);
                  }
                  assertTrue(seqs.contains(during.get(2)), seqs + " lacks " + during);
                  assertTrue(
                      texts.containsAll(
                          List.of(
                              "hello from node 1",
                              "hello from node 2",
                              "while node 2 is down 1",
                              "while node 2 is down 2",
                              "while node 2 is down 3")),
                      texts.toString());
                }
              });
      bob = login(2, "bob2");
      long back = bob.sayAcked("node 2 is back", Duration.ofSeconds(30));
      assertEquals(back, alice.expectMessage("node 2 is back").getLong("seq"));

      // the witness kept up with all of it: its memory now
      long witnessRss = rssKb(witness.pid());
      System.out.println(
          "WitnessIT: witness VmRSS "
              + witnessRss
              + " kB ("
              + witnessRss / 1024
              + " MB); Parley node 1 VmRSS "
              + rssKb(nodes[0].pid())
              + " kB, node 2 "
              + rssKb(nodes[1].pid())
              + " kB");

      // the witness dies: nodes 1 and 2 are 2 of 3 voters
      witness.kill9();
      long afterWitness = alice.sayAcked("the witness is gone", Duration.ofSeconds(30));
      assertEquals(afterWitness, bob.expectMessage("the witness is gone").getLong("seq"));
      long fromBob = bob.sayAcked("still here", Duration.ofSeconds(20));
      assertEquals(fromBob, alice.expectMessage("still here").getLong("seq"));

      // node 2 stops too: node 1 alone is 1 of 3 voters, and refuses writes
      bob.close();
      nodes[1].terminate();
      nodes[1].awaitExit(Duration.ofMinutes(1));
      JsonObject notice =
          alice.expect(
              f ->
                  "notice".equals(f.getString("type"))
                      && f.getString("text").contains("lost contact with the rest of the cluster"),
              "the cut-off notice");
      System.out.println("WitnessIT: node 1 alone: " + notice.getString("text"));
      alice.say("alone");
      JsonObject refused =
          alice.expect(
              f -> "error".equals(f.getString("type")) || "message".equals(f.getString("type")),
              "an error");
      assertEquals("error", refused.getString("type"), refused.encode());
      assertEquals("read_only", refused.getString("code"), refused.encode());
    } finally {
      alice.close();
      bob.close();
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import parley.support.LineClient;
import parley.support.LoopbackCluster;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * Accounts across real processes (issue 16): a nickname registered on node 1 of a three-node
 * cluster needs its password on node 3, also when node 3 was down at the time (and a password
 * changed meanwhile); an acknowledged registration survives kill -9 of a single node and of every
 * node of the cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccountsClusterIT {
  /** Small heaps and a quick JIT: three JVMs share two cores with everything else. */
  private static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** The lowest hash iterations allowed: hashing stays quick on a loaded machine. */
  private static final JsonObject ACCOUNTS = new JsonObject().put("hashIterations", 100_000);

  /** Replication, a node catching up after its start, and hashing on a loaded machine. */
  private static final Duration WITHIN = Duration.ofSeconds(90);

  private Path root;
  private Path config;
  private int raftBase;
  private final ParleyProcess[] nodes = new ParleyProcess[3];
  private Vertx vertx;

  @BeforeAll
  void startCluster() throws Exception {
    root = Files.createTempDirectory("parley-accounts-it");
    int base = LoopbackCluster.freeBase(-1);
    raftBase = LoopbackCluster.freeBase(base);
    config = root.resolve("cluster.json");
    LoopbackCluster.writeConfig(config, "parley-acc-it-" + base, base, 3, raftBase);
    Files.writeString(
        config, new JsonObject(Files.readString(config)).put("accounts", ACCOUNTS).encode());
    vertx = Vertx.vertx();
    for (int i = 0; i < 3; i++) {
      nodes[i] = launch(i);
    }
    for (ParleyProcess p : nodes) {
      p.awaitPorts(Duration.ofSeconds(150));
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (ParleyProcess p : nodes) {
      if (p != null) {
        p.close();
      }
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

  private ParleyProcess launch(int i) throws IOException {
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
        root.resolve("d" + (i + 1)).toString(),
        "--raft-port",
        String.valueOf(raftBase + i),
        "--cluster");
  }

  private static JsonObject hello(String nick, String password) {
    JsonObject h = new JsonObject().put("type", "hello").put("nick", nick);
    return password == null ? h : h.put("password", password);
  }

  /**
   * Sends {@code hello} until its answer is not one of {@code passing} (error codes, or {@code
   * welcome}: the cluster forming, the nick still held by a session that just closed, a node that
   * has not caught up yet), and returns that answer: a {@code welcome} or an {@code error}.
   */
  private JsonObject answer(ParleyProcess node, JsonObject hello, String... passing)
      throws Exception {
    List<String> transientCodes = List.of(passing);
    JsonObject[] last = new JsonObject[1];
    Awaitility.await()
        .atMost(WITHIN)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              try (WsClient c = WsClient.connect(vertx, node.httpPort())) {
                c.send(hello);
                last[0] =
                    c.expect(
                        f ->
                            "welcome".equals(f.getString("type"))
                                || "error".equals(f.getString("type")),
                        "welcome or error");
                String kind =
                    "welcome".equals(last[0].getString("type"))
                        ? "welcome"
                        : last[0].getString("code");
                return !transientCodes.contains(kind);
              }
            });
    return last[0];
  }

  /** Registers {@code nick} on {@code node} and returns once it was acknowledged. */
  private void register(ParleyProcess node, String nick, String password) throws Exception {
    Awaitility.await()
        .atMost(WITHIN)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              try (WsClient c = WsClient.login(vertx, node.httpPort(), nick)) {
                c.say("/register " + password);
                JsonObject f =
                    c.expect(
                        x ->
                            "error".equals(x.getString("type"))
                                || "notice".equals(x.getString("type"))
                                    && x.getString("text").contains("is registered to you"),
                        "the registration's answer");
                return "notice".equals(f.getString("type"));
              }
            });
  }

  private static void assertWelcome(JsonObject answer) {
    assertEquals("welcome", answer.getString("type"), answer.encode());
  }

  private static void assertError(String code, JsonObject answer) {
    assertEquals(code, answer.getString("code"), answer.encode());
  }

  @Test
  @Order(1)
  void registeredOnNodeOneTheNicknameNeedsItsPasswordOnNodeThree() throws Exception {
    register(nodes[0], "alice", "alices-cluster-password");
    // replicated: node 3 refuses the nick to a guest (a guest's welcome: not applied there yet)
    assertError(
        "nick_registered",
        answer(nodes[2], hello("alice", null), "welcome", "nick_taken", "unavailable"));
    assertError(
        "wrong_password",
        answer(nodes[2], hello("alice", "not alices password"), "nick_taken", "unavailable"));
    try (LineClient telnet = new LineClient(nodes[2].telnetPort())) {
      telnet.expectPrompt("Nickname:");
      telnet.send("alice");
      telnet.expectPrompt("Password for alice:");
    }
    assertWelcome(
        answer(
            nodes[2],
            hello("alice", "alices-cluster-password"),
            "nick_taken",
            "unavailable",
            "nick_registered"));
  }

  @Test
  @Order(2)
  void nodeThreeLearnsWhatHappenedWhileItWasDown() throws Exception {
    nodes[2].terminate();
    nodes[2].awaitExit(Duration.ofSeconds(60));
    register(nodes[0], "bob", "bobs-password-while-3-down");
    Awaitility.await()
        .atMost(WITHIN)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              try (WsClient alice = WsClient.connect(vertx, nodes[1].httpPort())) {
                alice.send(hello("alice", "alices-cluster-password"));
                alice.expect("welcome");
                alice.say("/password alices-cluster-password alices-new-password");
                JsonObject f =
                    alice.expect(
                        x ->
                            "error".equals(x.getString("type"))
                                || "notice".equals(x.getString("type"))
                                    && x.getString("text").contains("password is changed"),
                        "the change's answer");
                return "notice".equals(f.getString("type"));
              }
            });
    nodes[2] = launch(2);
    nodes[2].awaitPorts(Duration.ofSeconds(150));
    // node 3 catches up (until then it takes both nicks as a guest's) and knows both: bob's
    // account, and alice's new password (not the old one)
    assertError(
        "nick_registered",
        answer(nodes[2], hello("bob", null), "welcome", "nick_taken", "unavailable"));
    assertWelcome(
        answer(nodes[2], hello("bob", "bobs-password-while-3-down"), "nick_taken", "unavailable"));
    assertError(
        "wrong_password",
        answer(
            nodes[2],
            hello("alice", "alices-cluster-password"),
            "welcome",
            "nick_taken",
            "unavailable"));
    assertWelcome(
        answer(nodes[2], hello("alice", "alices-new-password"), "nick_taken", "unavailable"));
  }

  @Test
  @Order(3)
  void anAcknowledgedRegistrationSurvivesKillDashNineOfEveryNode() throws Exception {
    register(nodes[1], "carol", "carols-password-before-kill");
    for (ParleyProcess p : nodes) {
      p.kill9();
    }
    for (int i = 0; i < 3; i++) {
      nodes[i] = launch(i);
    }
    for (ParleyProcess p : nodes) {
      p.awaitPorts(Duration.ofSeconds(150));
    }
    for (ParleyProcess p : nodes) {
      assertError(
          "nick_registered",
          answer(p, hello("carol", null), "welcome", "nick_taken", "unavailable"));
    }
    assertWelcome(
        answer(
            nodes[0], hello("carol", "carols-password-before-kill"), "nick_taken", "unavailable"));
  }

  @Test
  @Order(4)
  void anAcknowledgedRegistrationSurvivesKillDashNineOfASingleNode(@TempDir Path data)
      throws Exception {
    Path single = data.resolve("single.json");
    Files.writeString(single, new JsonObject().put("accounts", ACCOUNTS).encode());
    String[] args = {
      "--config",
      single.toString(),
      "--host",
      "127.0.0.1",
      "--telnet-port",
      "0",
      "--http-port",
      "0",
      "--data-dir",
      data.resolve("d").toString()
    };
    try (ParleyProcess p = ParleyProcess.start(args)) {
      register(p, "dave", "daves-password-before-kill");
      p.kill9();
    }
    try (ParleyProcess p = ParleyProcess.start(args)) {
      assertError("nick_registered", answer(p, hello("dave", null)));
      assertError("wrong_password", answer(p, hello("dave", "not daves password")));
      assertWelcome(answer(p, hello("dave", "daves-password-before-kill")));
    }
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import parley.support.LineClient;
import parley.support.LoopbackCluster;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * Three real nodes ({@code java -jar parley.jar --cluster}, separate JVMs) on loopback, with their
 * own data directories and a cluster config listing three Hazelcast ports picked at random for this
 * run. The tests run in order on the same cluster: chat across nodes, one winner for a nickname,
 * kill -9 of node 1, then a full stop and start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  /** Small heaps and a quick JIT: three JVMs share two cores with everything else. */
  private static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /**
   * A dead node's claims go when the log's time is 30 s past its last lease (ParleyState
   * .LEASE_MILLIS; leases every 10 s), plus slack for a loaded machine.
   */
  private static final Duration FREED_WITHIN = Duration.ofSeconds(70);

  private Path root;
  private Path config;
  private int raftBase;
  private final ParleyProcess[] nodes = new ParleyProcess[3];
  private Vertx vertx;

  @BeforeAll
  void startCluster() throws Exception {
    root = Files.createTempDirectory("parley-cluster-it");
    int base = LoopbackCluster.freeBase(-1);
    raftBase = LoopbackCluster.freeBase(base);
    config = root.resolve("cluster.json");
    LoopbackCluster.writeConfig(config, "parley-it-" + base, base, 3, raftBase);
    vertx = Vertx.vertx();
    startAll();
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

  /** Starts the three nodes at once and waits until each sees the others' users. */
  private void startAll() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes[i] = launch(i);
    }
    for (ParleyProcess p : nodes) {
      p.awaitPorts(Duration.ofSeconds(150));
    }
    awaitFormed();
  }

  /** A user on each node; done when every node lists all three. */
  private void awaitFormed() throws Exception {
    List<WsClient> probes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        probes.add(WsClient.login(vertx, nodes[i].httpPort(), "probe" + (i + 1)));
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(90))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                for (WsClient probe : probes) {
                  probe.say("/who");
                  JsonArray users = probe.expect("who").getJsonArray("users");
                  Set<String> nicks = new HashSet<>();
                  users.forEach(u -> nicks.add(((JsonObject) u).getString("nick")));
                  assertTrue(
                      nicks.containsAll(Set.of("probe1", "probe2", "probe3")),
                      "the nodes did not form one cluster: " + users);
                }
              });
    } finally {
      probes.forEach(WsClient::close);
    }
  }

  private int telnet(int node) {
    return nodes[node - 1].telnetPort();
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

  private static List<Long> seqs(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
  }

  private static List<String> texts(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getString("text")).toList();
  }

  /** Everything in the lobby's history, read by a new user on that node. */
  private JsonArray lobbyHistory(int node, String nick) throws Exception {
    try (WsClient c = WsClient.connect(vertx, http(node))) {
      c.send(hello(nick, 0));
      return c.expect("history").getJsonArray("messages");
    }
  }

  @Test
  @Order(1)
  void telnetAndWebUsersOnDifferentNodesChat() throws Exception {
    try (LineClient alice = LineClient.login(telnet(1), "alice");
        WsClient bob = WsClient.login(vertx, http(2), "bob");
        LineClient carol = LineClient.login(telnet(3), "carol")) {
      alice.send("hello from telnet on node 1");
      assertEquals("alice", bob.expectMessage("hello from telnet on node 1").getString("nick"));
      carol.expectContaining("alice: hello from telnet on node 1");
      bob.say("hello from the web on node 2");
      alice.expectContaining("bob: hello from the web on node 2");
      carol.expectContaining("bob: hello from the web on node 2");

      alice.send("/msg bob just between us");
      JsonObject pm = bob.expect("private");
      assertEquals("just between us", pm.getString("text"));
      assertEquals("alice", pm.getString("nick"));
      bob.say("/msg carol psst");
      carol.expectContaining("psst");

      bob.say("/who");
      JsonArray users = bob.expect("who").getJsonArray("users");
      Set<String> nodesSeen = new HashSet<>();
      for (Object o : users) {
        JsonObject u = (JsonObject) o;
        if (Set.of("alice", "bob", "carol").contains(u.getString("nick"))) {
          nodesSeen.add(u.getString("node"));
        }
      }
      assertEquals(3, nodesSeen.size(), "each user is on their own node: " + users);
      carol.send("/who");
      carol.expectContaining("alice");
      bob.say("/who #lobby"); // room membership, kept per session of every node
      Set<String> inLobby = new HashSet<>();
      bob.expect("who")
          .getJsonArray("users")
          .forEach(u -> inLobby.add(((JsonObject) u).getString("nick")));
      assertTrue(inLobby.containsAll(Set.of("alice", "bob", "carol")), inLobby.toString());

      // a room new to node 3: other nodes learn of its consumer a moment later, and nothing is lost
      // meanwhile
      bob.say("/join #side");
      bob.expect("joined");
      carol.send("/join #side");
      carol.expectContaining("You are in #side");
      bob.send(new JsonObject().put("type", "say").put("room", "side").put("text", "right away"));
      carol.expectContaining("bob: right away");
      carol.send("/join #lobby"); // back to talking in the lobby
      bob.say("/join #lobby");
      bob.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("#lobby"),
          "back in #lobby");

      // join and leave notices arrive once on every node
      try (WsClient dora = WsClient.login(vertx, http(3), "dora")) {
        dora.say("dora is here");
        alice.expectContaining("dora: dora is here");
        carol.expectContaining("dora: dora is here");
      }
      alice.expectContaining("dora has left #lobby");
      carol.expectContaining("dora has left #lobby");
      bob.expect(
          f -> "leave".equals(f.getString("type")) && "dora".equals(f.getString("nick")),
          "dora's leave");
      bob.say("after dora");
      alice.expectContaining("bob: after dora");
      carol.expectContaining("bob: after dora");
      for (LineClient c : List.of(alice, carol)) {
        assertEquals(
            1,
            c.seen().stream().filter(l -> l.contains("dora (web) has joined #lobby")).count(),
            c.seen().toString());
        assertEquals(
            1,
            c.seen().stream().filter(l -> l.contains("dora has left #lobby")).count(),
            c.seen().toString());
      }
      assertEquals(
          1,
          bob.seen().stream()
              .filter(f -> "join".equals(f.getString("type")) && "dora".equals(f.getString("nick")))
              .count(),
          bob.seen().toString());
    }
  }

  @Test
  @Order(2)
  void theSameNicknameOnTwoNodesAtOnceHasOneWinner() throws Exception {
    for (int round = 0; round < 3; round++) {
      String nick = "zed" + round;
      try (WsClient a = WsClient.connect(vertx, http(1));
          WsClient b = WsClient.connect(vertx, http(2))) {
        a.send(new JsonObject().put("type", "hello").put("nick", nick));
        b.send(new JsonObject().put("type", "hello").put("nick", nick));
        int winners = 0;
        for (WsClient c : List.of(a, b)) {
          JsonObject outcome =
              c.expect(
                  f -> "joined".equals(f.getString("type")) || "error".equals(f.getString("type")),
                  "joined or error");
          if ("joined".equals(outcome.getString("type"))) {
            winners++;
          } else {
            assertEquals("nick_taken", outcome.getString("code"));
          }
        }
        assertEquals(1, winners, "round " + round);
      }
    }
  }

  /** Logs in with the password once the nickname's earlier session, anywhere, has let it go. */
  private WsClient loginWithPassword(int node, String nick, String password) throws Exception {
    WsClient c = WsClient.connect(vertx, http(node));
    Awaitility.await()
        .atMost(FREED_WITHIN)
        .pollInSameThread()
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              c.send(
                  new JsonObject()
                      .put("type", "hello")
                      .put("nick", nick)
                      .put("password", password));
              JsonObject f =
                  c.expect(
                      x ->
                          "welcome".equals(x.getString("type"))
                              || "error".equals(x.getString("type")),
                      "welcome or error");
              if ("error".equals(f.getString("type"))) {
                assertEquals("nick_taken", f.getString("code"), f.encode());
                return false;
              }
              return true;
            });
    return c;
  }

  /** Independent of the test before it (same order): both only need the cluster formed. */
  @Test
  @Order(2)
  void anAccountRejoinsItsRoomsAndGetsItsKeptMessageOnceOnAnotherNode() throws Exception {
    try (WsClient sam = WsClient.login(vertx, http(2), "sam");
        LineClient tom = LineClient.login(telnet(1), "tom")) {
      sam.say("/join garden");
      sam.expect("joined");
      try (WsClient olive = WsClient.login(vertx, http(1), "olive")) {
        olive.say("/register olives-password");
        olive.expect(
            f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
            "registered");
        olive.say("/join garden");
        olive.expect("joined");
        sam.send(new JsonObject().put("type", "say").put("room", "garden").put("text", "before"));
        olive.expectMessage("before");
      }
      // on node 1, once olive's session there is gone: kept for her account, not delivered
      Awaitility.await()
          .atMost(FREED_WITHIN)
          .pollInSameThread()
          .pollInterval(Duration.ofMillis(300))
          .until(
              () -> {
                tom.send("/msg olive kept for you on node 1");
                String line =
                    tom.expect(
                        l -> l.contains("kept for you on node 1") || l.startsWith("! "),
                        "the echo");
                return line.contains("(kept until olive logs in)");
              });
      tom.expectContaining("olive is offline: your message will be delivered when they log in.");
      sam.send(new JsonObject().put("type", "say").put("room", "garden").put("text", "while away"));
      sam.expectMessage("while away");
    }
    try (WsClient olive = loginWithPassword(2, "olive", "olives-password")) {
      JsonObject garden =
          olive.expect(
              f -> "history".equals(f.getString("type")) && "garden".equals(f.getString("room")),
              "the history of #garden");
      assertEquals(List.of("while away"), texts(garden.getJsonArray("messages")));
      JsonObject pm = olive.expect("private");
      assertEquals(Boolean.TRUE, pm.getBoolean("delayed"), pm.encode());
      assertEquals("tom", pm.getString("nick"));
      assertEquals("kept for you on node 1", pm.getString("text"));
    }
    try (WsClient olive = loginWithPassword(3, "olive", "olives-password")) {
      olive.expect(
          f -> "joined".equals(f.getString("type")) && "garden".equals(f.getString("room")),
          "#garden");
      olive.say("/rooms");
      olive.expect("rooms");
      assertTrue(
          olive.seen().stream().noneMatch(f -> "private".equals(f.getString("type"))),
          "delivered once: " + olive.seen());
    }
  }

  @Test
  @Order(2)
  void oneAccountWithAClientOnTwoNodes() throws Exception {
    String password = "amys-cluster-secret";
    try (LineClient bob = LineClient.login(telnet(3), "bobby");
        WsClient first = WsClient.login(vertx, http(1), "amy");
        WsClient second = WsClient.connect(vertx, http(2))) {
      first.say("/register " + password);
      first.expect(
          f -> "notice".equals(f.getString("type")) && f.getString("text").contains("registered"),
          "registered");
      bob.expectContaining("amy (web) has joined");
      // on node 2, the account's password attaches a second client (the claim is node 1's)
      String[] node2 = new String[1];
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInSameThread()
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                second.send(
                    new JsonObject()
                        .put("type", "hello")
                        .put("nick", "amy")
                        .put("password", password));
                JsonObject f =
                    second.expect(
                        x ->
                            "welcome".equals(x.getString("type"))
                                || "error".equals(x.getString("type")),
                        "welcome or error");
                // node 2 may not have applied the registration yet: the nick is a guest's there
                node2[0] = f.getString("node");
                return "welcome".equals(f.getString("type"));
              });
      second.expect("joined");

      // a private message from node 3 reaches both clients; one sent by node 2's is echoed on node
      // 1
      bob.send("/msg amy to both nodes");
      for (WsClient c : List.of(first, second)) {
        c.expect(
            f ->
                "private".equals(f.getString("type"))
                    && "to both nodes".equals(f.getString("text")),
            "the private message");
      }
      second.say("/msg bobby from node two");
      bob.expectContaining("*amy* from node two");
      first.expect(
          f -> "private".equals(f.getString("type")) && "from node two".equals(f.getString("text")),
          "the echo on node 1");
      bob.send("room talk");
      second.expect(
          f -> "message".equals(f.getString("type")) && "room talk".equals(f.getString("text")),
          "room talk on node 2");
      second.say("/who");
      JsonObject amy =
          second.expect("who").getJsonArray("users").stream()
              .map(JsonObject.class::cast)
              .filter(u -> "amy".equals(u.getString("nick")))
              .findFirst()
              .orElseThrow();
      assertEquals(List.of("web", "web"), amy.getJsonArray("transports").getList());

      // node 1's client (the holder) quits: node 2's claims the nickname, no one saw a leave
      first.say("/quit");
      first.expectClosed();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                bob.send("/who");
                String line =
                    bob.expect(l -> l.contains("amy") && l.contains("idle"), "amy in /who");
                assertTrue(line.contains("on " + node2[0]), line);
              });
      bob.send("/msg amy only node two now");
      second.expect(
          f ->
              "private".equals(f.getString("type"))
                  && "only node two now".equals(f.getString("text")),
          "the private message after the handover");
      assertEquals(
          0,
          bob.seen().stream().filter(l -> l.contains("amy has left")).count(),
          bob.seen().toString());
      // the last client leaves: now the room is told, once
      second.say("/quit");
      second.expectClosed();
      bob.expectContaining("amy has left #lobby");
    }
  }

  @Test
  @Order(3)
  void killingANodeFreesItsNicknamesAndLosesNoHistory() throws Exception {
    try (WsClient brian = WsClient.login(vertx, http(2), "brian");
        WsClient wendy = WsClient.login(vertx, http(1), "wendy");
        LineClient ghost = LineClient.login(telnet(1), "ghost")) {
      long lastSeen = 0;
      for (int i = 1; i <= 3; i++) {
        brian.say("before the crash " + i);
        lastSeen = wendy.expectMessage("before the crash " + i).getLong("seq");
      }
      nodes[0].kill9();
      long killedAt = System.nanoTime();
      List<Long> during = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        during.add(brian.sayAcked("while node 1 is down " + i, Duration.ofSeconds(30)));
      }
      assertEquals(
          List.of(lastSeen + 1, lastSeen + 2, lastSeen + 3), during, "seq goes on without a gap");

      // the dead node's nicknames are free again once Hazelcast has removed it
      Awaitility.await()
          .atMost(FREED_WITHIN.minusNanos(System.nanoTime() - killedAt))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () ->
                  assertTrue(
                      tryNick(telnet(3), "ghost"), "ghost still taken after " + FREED_WITHIN));
      long freedMs = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.println(
          "ClusterIT: nicknames of the killed node were free after " + freedMs + " ms");
      brian.expect(
          f -> "leave".equals(f.getString("type")) && "wendy".equals(f.getString("nick")),
          "wendy left");

      // nodes 2 and 3 have the whole history, seq 1 onwards with no hole
      for (int node : new int[] {2, 3}) {
        JsonArray all = lobbyHistory(node, "auditor" + node);
        List<Long> seqs = seqs(all);
        assertEquals(1L, seqs.get(0));
        for (int i = 1; i < seqs.size(); i++) {
          assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "history of node " + node + ": " + seqs);
        }
        assertEquals(during.get(2), seqs.get(seqs.size() - 1));
        assertTrue(
            texts(all)
                .containsAll(
                    List.of(
                        "hello from telnet on node 1",
                        "before the crash 3",
                        "while node 1 is down 3")),
            texts(all).toString());
      }

      // wendy comes back on node 3 and resumes where she was: no gap, no repeat
      try (WsClient back = WsClient.connect(vertx, http(3))) {
        back.send(hello("wendy", lastSeen));
        assertEquals(
            List.of("while node 1 is down 1", "while node 1 is down 2", "while node 1 is down 3"),
            texts(back.expect("history").getJsonArray("messages")));
        brian.say("welcome back");
        assertEquals(during.get(2) + 1, back.expectMessage("welcome back").getLong("seq"));
        List<Long> live =
            back.seen().stream()
                .filter(f -> "message".equals(f.getString("type")))
                .map(f -> f.getLong("seq"))
                .toList();
        assertEquals(List.of(during.get(2) + 1), live, "nothing twice");
      }
    }
  }

  /** Logs in with that nickname on telnet; true if it was free (the session is closed again). */
  private static boolean tryNick(int port, String nick) throws Exception {
    try (LineClient c = new LineClient(port)) {
      c.expectPrompt("Nickname:");
      c.send(nick);
      String line =
          c.expect(l -> l.contains("You are in #") || l.contains("already used"), "login outcome");
      return line.contains("You are in #");
    }
  }

  @Test
  @Order(4)
  void aFullStopAndStartKeepsTheHistory() throws Exception {
    JsonArray before = lobbyHistory(2, "auditor");
    for (int i = 1; i < 3; i++) {
      nodes[i].terminate();
    }
    for (int i = 1; i < 3; i++) {
      nodes[i].awaitExit(Duration.ofSeconds(60));
    }
    nodes[0].close();
    startAll(); // node 1 starts from its older journal (it was killed first)
    for (int node = 1; node <= 3; node++) {
      JsonArray after = lobbyHistory(node, "reader" + node);
      assertEquals(seqs(before), seqs(after), "node " + node);
      assertEquals(texts(before), texts(after), "node " + node);
    }
    try (WsClient erin = WsClient.connect(vertx, http(1))) {
      erin.send(new JsonObject().put("type", "hello").put("nick", "erin"));
      erin.expect("history");
      erin.say("after the restart");
      long last = seqs(before).get(before.size() - 1);
      assertEquals(last + 1, erin.expectMessage("after the restart").getLong("seq"), "seq goes on");
    }
  }

  @Test
  @Order(5)
  void aNodeThatCannotJoinSaysWhyAndExits() throws Exception {
    Path bad = root.resolve("unreachable.json");
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: Hazelcast can't bind there
    Files.writeString(
        bad,
        "{\"cluster\": {\"enabled\": true, \"host\": \"192.0.2.1\", \"port\": 5701,"
            + " \"voters\": [\"192.0.2.1:6701\", \"192.0.2.2:6701\", \"192.0.2.3:6701\"]}}");
    try (ParleyProcess p =
        ParleyProcess.launch(
            JVM,
            "--config",
            bad.toString(),
            "--telnet-port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            root.resolve("bad").toString(),
            "--cluster")) {
      int status = p.awaitExit(Duration.ofSeconds(90));
      assertNotEquals(0, status);
      List<String> reasons = p.stderr().stream().filter(l -> l.startsWith("parley: ")).toList();
      assertEquals(1, reasons.size(), p.stderr().toString());
      assertTrue(
          reasons
              .get(0)
              .startsWith("parley: could not start: the cluster's Raft node could not start: "),
          reasons.get(0));
      assertTrue(p.stdout().isEmpty(), p.stdout().toString());
    }
  }
}

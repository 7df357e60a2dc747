package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import parley.support.LineClient;
import parley.support.ParleyProcess;
import parley.support.WsClient;

/**
 * History survives kill -9 of a real server process, in two rooms, and resume works across the
 * restart.
 */
class HistoryRestartIT {

  @Test
  void everyAcknowledgedMessageSurvivesKillDashNine(@TempDir Path data) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> acknowledged = new ArrayList<>();
      long lastLobbySeq;
      String epoch;
      try (ParleyProcess p = ParleyProcess.startLocal(data);
          LineClient alice = LineClient.login(p.telnetPort(), "alice");
          WsClient bob = WsClient.login(vertx, p.httpPort(), "bob")) {
        epoch =
            bob.seen().stream()
                .filter(f -> "welcome".equals(f.getString("type")))
                .findFirst()
                .orElseThrow()
                .getString("epoch");
        alice.send("/join #dev");
        alice.expectContaining("You are in #dev");
        bob.say("/join #dev");
        bob.expect("joined");
        for (int i = 1; i <= 40; i++) {
          String room = i % 2 == 0 ? "dev" : "lobby";
          bob.send(new JsonObject().put("type", "say").put("room", room).put("text", "msg " + i));
          // acknowledged: the sender saw its own message come back with a seq
          JsonObject echo = bob.expectMessage("msg " + i);
          assertTrue(echo.getLong("seq") > 0);
          acknowledged.add(room + ":" + echo.getString("text"));
        }
        lastLobbySeq = 20;
        p.kill9();
      }
      try (ParleyProcess p = ParleyProcess.startLocal(data);
          WsClient carol = WsClient.connect(vertx, p.httpPort())) {
        carol.send(
            new JsonObject()
                .put("type", "hello")
                .put("nick", "carol")
                .put("since", new JsonObject().put("lobby", 0).put("dev", 0)));
        List<String> restored = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
          JsonObject h = carol.expect("history");
          JsonArray msgs = h.getJsonArray("messages");
          for (int i = 0; i < msgs.size(); i++) {
            restored.add(h.getString("room") + ":" + msgs.getJsonObject(i).getString("text"));
          }
        }
        assertTrue(restored.containsAll(acknowledged), "missing: " + minus(acknowledged, restored));
        // a client that was open before the kill resumes exactly after its last seq
        try (WsClient bob = WsClient.connect(vertx, p.httpPort())) {
          bob.send(
              new JsonObject()
                  .put("type", "hello")
                  .put("nick", "bob")
                  .put(
                      "since",
                      new JsonObject()
                          .put("epoch", epoch)
                          .put("rooms", new JsonObject().put("lobby", lastLobbySeq - 3))));
          assertEquals(epoch, bob.expect("welcome").getString("epoch"), "kill -9 keeps the epoch");
          JsonArray msgs = bob.expect("history").getJsonArray("messages");
          assertEquals(
              List.of(18L, 19L, 20L),
              msgs.stream().map(o -> ((JsonObject) o).getLong("seq")).toList());
          bob.say("after restart");
          assertEquals(
              21L,
              bob.expectMessage("after restart").getLong("seq"),
              "seq continues after the restart");
          assertTrue(
              bob.seen().stream().noneMatch(f -> "reset".equals(f.getString("type"))),
              "same epoch: no reset");
        }
      }
      assertTrue(
          Files.exists(data.resolve("chat.log")), "the transcript is written to data-dir/chat.log");
      String log = Files.readString(data.resolve("chat.log"));
      assertTrue(log.contains("#lobby <bob> msg 1"), log);
    } finally {
      vertx.close();
    }
  }

  private static List<String> minus(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.removeAll(b);
    return out;
  }
}

package parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import parley.support.ParleyServerExtension;
import parley.support.WsClient;

/**
 * The epoch of the history's numbering (docs/PROTOCOL.md, "Epoch"): the same across a restart with
 * the same data dir, a new one when the history is lost, and a resuming client from another epoch
 * is told {@code reset} and gets the usual replay, never messages under its old seqs.
 */
class EpochTest {

  @RegisterExtension
  static final ParleyServerExtension server =
      ParleyServerExtension.onDemand(
          new JsonObject().put("history", new JsonObject().put("replay", 3)));

  private void startOn(Path data) throws Exception {
    server.start(new JsonObject().put("dataDir", data.toString()));
  }

  private WsClient connect() throws Exception {
    return WsClient.connect(server.clientVertx(), server.httpPort());
  }

  private static JsonObject hello(String nick, Object since, String id) {
    JsonObject h = new JsonObject().put("type", "hello").put("nick", nick).put("since", since);
    return id == null ? h : h.put("id", id);
  }

  private static JsonObject since(String epoch, String room, long seq) {
    return new JsonObject().put("epoch", epoch).put("rooms", new JsonObject().put(room, seq));
  }

  /** Says "prefix 1" .. "prefix n" in the lobby; returns the welcome's epoch. */
  private String talk(String prefix, int n) throws Exception {
    try (WsClient alice = connect()) {
      alice.send(new JsonObject().put("type", "hello").put("nick", "alice"));
      String epoch = alice.expect("welcome").getString("epoch");
      alice.expect("joined");
      for (int i = 1; i <= n; i++) {
        alice.say(prefix + " " + i);
        alice.expectMessage(prefix + " " + i);
      }
      return epoch;
    }
  }

  private static List<Long> seqs(JsonObject history) {
    return history.getJsonArray("messages").stream()
        .map(o -> ((JsonObject) o).getLong("seq"))
        .toList();
  }

  private static List<String> texts(JsonArray messages) {
    return messages.stream().map(o -> ((JsonObject) o).getString("text")).toList();
  }

  private static boolean isReset(JsonObject f) {
    return "reset".equals(f.getString("type"));
  }

  @Test
  void theEpochIsKeptAcrossARestartAndResumeGetsExactlyWhatWasMissed(@TempDir Path data)
      throws Exception {
    startOn(data);
    String epoch = talk("before", 5);
    assertTrue(epoch.matches("[0-9a-f]{16}"), epoch);
    assertTrue(Files.exists(data.resolve("history").resolve("EPOCH")));
    server.stop();

    startOn(data);
    try (WsClient bob = connect()) {
      bob.send(hello("bob", since(epoch, "lobby", 3), "h1"));
      JsonObject welcome = bob.expect("welcome");
      assertEquals(epoch, welcome.getString("epoch"), "same data dir, same epoch");
      assertEquals("lobby", bob.expect("joined").getString("room"));
      JsonObject history = bob.expect("history");
      assertEquals(epoch, history.getString("epoch"));
      assertEquals(List.of(4L, 5L), seqs(history));
      assertEquals(List.of("before 4", "before 5"), texts(history.getJsonArray("messages")));
      bob.say("after");
      assertEquals(6L, bob.expectMessage("after").getLong("seq"), "seq continues");
      assertTrue(bob.seen().stream().noneMatch(EpochTest::isReset), "no reset: " + bob.seen());
    }
  }

  @Test
  void aLostHistoryHasANewEpochAndAResumingClientIsReset(
      @TempDir Path oldData, @TempDir Path newData) throws Exception {
    startOn(oldData);
    String oldEpoch = talk("old", 5);
    server.stop();

    // the data dir is gone: numbering starts at 1 again, under a new epoch
    startOn(newData);
    String newEpoch = talk("new", 4);
    assertNotEquals(oldEpoch, newEpoch);
    try (WsClient bob = connect()) {
      // bob saw old seqs 1..2; "after 2" would hand him new 3 and 4 as if they followed old 2
      bob.send(hello("bob", since(oldEpoch, "lobby", 2), "h1"));
      JsonObject welcome = bob.expect("welcome");
      assertEquals(newEpoch, welcome.getString("epoch"));
      JsonObject reset = bob.expect("reset");
      assertEquals(newEpoch, reset.getString("epoch"));
      assertEquals("h1", reset.getString("id"), "reset answers the hello");
      assertTrue(reset.getString("reason").contains("history"), reset.encode());
      bob.expect("joined");
      JsonObject history = bob.expect("history");
      assertEquals(newEpoch, history.getString("epoch"));
      // the usual replay (the last history.replay = 3 lines), not "after seq 2"
      assertEquals(List.of(2L, 3L, 4L), seqs(history));
      assertEquals(List.of("new 2", "new 3", "new 4"), texts(history.getJsonArray("messages")));
      assertTrue(
          bob.seen().stream().noneMatch(f -> "missed".equals(f.getString("type"))),
          "nothing counted missed: " + bob.seen());
      // the order: welcome, reset, then the room
      List<String> types = bob.seen().stream().map(f -> f.getString("type")).toList();
      assertEquals(List.of("welcome", "reset", "joined", "history"), types.subList(0, 4));
    }
  }

  @Test
  void theOldSinceFormStillResumesAfterTheSeq(@TempDir Path data) throws Exception {
    startOn(data);
    talk("msg", 4);
    server.stop();
    startOn(data);
    try (WsClient bob = connect()) {
      bob.send(hello("bob", new JsonObject().put("lobby", 1), null));
      bob.expect("welcome");
      assertEquals(List.of(2L, 3L, 4L), seqs(bob.expect("history")));
      assertTrue(bob.seen().stream().noneMatch(EpochTest::isReset));
    }
  }

  @Test
  void theNewFormWithoutRoomsJoinsTheDefaultRoom(@TempDir Path data) throws Exception {
    startOn(data);
    String epoch = talk("msg", 2);
    try (WsClient bob = connect()) {
      bob.send(hello("bob", new JsonObject().put("epoch", epoch), null));
      assertEquals(epoch, bob.expect("welcome").getString("epoch"));
      assertEquals("lobby", bob.expect("joined").getString("room"));
      assertEquals(List.of(1L, 2L), seqs(bob.expect("history")));
    }
  }

  @Test
  void aBadSinceIsRefused(@TempDir Path data) throws Exception {
    startOn(data);
    try (WsClient bob = connect()) {
      for (JsonObject bad :
          List.of(
              new JsonObject().put("epoch", 5).put("rooms", new JsonObject()),
              new JsonObject().put("epoch", "").put("rooms", new JsonObject()),
              new JsonObject().put("epoch", "abc").put("rooms", new JsonObject().put("lobby", "x")),
              new JsonObject().put("epoch", "abc").put("rooms", 3),
              new JsonObject()
                  .put("epoch", "abc")
                  .put("rooms", new JsonObject())
                  .put("lobby", 3))) {
        bob.send(hello("bob", bad, null));
        assertEquals("bad_hello", bob.expect("error").getString("code"), bad.encode());
      }
      // the socket stays usable
      bob.send(hello("bob", null, null));
      bob.expect("welcome");
    }
  }

  @Test
  void aRoomJournalDiscardedAsCorruptChangesTheEpoch(@TempDir Path data) throws Exception {
    startOn(data);
    String epoch = talk("msg", 3);
    server.stop();
    Files.write(data.resolve("history").resolve("lobby.journal"), new byte[64]); // not a journal

    startOn(data);
    try (WsClient bob = connect()) {
      bob.send(hello("bob", since(epoch, "lobby", 3), null));
      String now = bob.expect("welcome").getString("epoch");
      assertNotEquals(epoch, now, "the lobby's numbering starts again: a new epoch says so");
      bob.expect("reset");
      bob.say("first again");
      assertEquals(1L, bob.expectMessage("first again").getLong("seq"));
    }
  }
}

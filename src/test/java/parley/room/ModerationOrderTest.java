package parley.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModerationOrderTest {
  private static final List<ModerationOrder> SAMPLES =
      List.of(
          new ModerationOrder.Kick("bob", "alice", "spam"),
          new ModerationOrder.Mute("bob", "alice", 600),
          new ModerationOrder.Ban(
              "bob", "10.0.0.7", Instant.parse("2026-11-21T12:00:00Z"), "alice"),
          new ModerationOrder.Ban(null, "10.0.0.8", null, "alice"),
          new ModerationOrder.Unban("10.0.0.7"));

  /**
   * Every kind of order survives the trip over the event bus; a kind without a sample fails here.
   */
  @Test
  void everyKindRoundTripsThroughJson() {
    Set<Class<?>> kinds =
        Arrays.stream(ModerationOrder.class.getPermittedSubclasses()).collect(Collectors.toSet());
    assertEquals(
        kinds,
        SAMPLES.stream().map(Object::getClass).collect(Collectors.toSet()),
        "a sample of each kind");
    for (ModerationOrder o : SAMPLES) {
      JsonObject wire = new JsonObject(o.toJson().encode());
      assertEquals(o, ModerationOrder.fromJson(wire));
    }
  }

  /** The JSON is what nodes sent before the orders had types. */
  @Test
  void wireFormIsUnchanged() {
    assertEquals(
        new JsonObject()
            .put("op", "kick")
            .put("nick", "bob")
            .put("by", "alice")
            .put("reason", "spam"),
        SAMPLES.get(0).toJson());
    assertEquals("mute", SAMPLES.get(1).op());
    assertEquals("2026-11-21T12:00:00Z", SAMPLES.get(2).toJson().getString("until"));
    assertEquals(
        new JsonObject().put("op", "unban").put("target", "10.0.0.7"), SAMPLES.get(4).toJson());
    assertEquals(
        new ModerationOrder.Mute("bob", "alice", 600),
        ModerationOrder.fromJson(
            new JsonObject().put("op", "mute").put("nick", "bob").put("by", "alice")),
        "a mute without seconds lasts ten minutes");
  }

  @Test
  void unknownOrdersAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ModerationOrder.fromJson(new JsonObject().put("op", "smite").put("nick", "bob")));
  }
}

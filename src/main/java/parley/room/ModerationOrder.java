package parley.room;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * What an operator orders, as it travels on the event bus to the node of the user concerned ({@code
 * parley.node.<id>.control}): a kick, and a ban by nickname (that node knows the address, writes
 * the ban to the store and answers). Mutes, unbans and address bans go to the store instead; their
 * orders are still read (and ignored) so that older nodes' JSON parses. {@link #toJson} and {@link
 * #fromJson} are the one place that converts them.
 */
public sealed interface ModerationOrder {

  <R> R accept(Visitor<R> visitor);

  /** The name of the order, as in the command and the JSON's {@code op}. */
  default String op() {
    return toJson().getString("op");
  }

  record Kick(String nick, String by, String reason) implements ModerationOrder {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.kick(this);
    }
  }

  /**
   * @param seconds 0 lifts a mute
   */
  record Mute(String nick, String by, long seconds) implements ModerationOrder {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.mute(this);
    }
  }

  /**
   * A ban of an address.
   *
   * @param nick the user banned by nickname, or null when an address was banned
   * @param address null while a ban by nickname is on its way to the user's node
   * @param until null for a ban until it is lifted
   */
  record Ban(String nick, String address, Instant until, String by) implements ModerationOrder {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.ban(this);
    }
  }

  /**
   * @param target an address or a nickname
   */
  record Unban(String target) implements ModerationOrder {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.unban(this);
    }
  }

  /** One method per kind of order. */
  interface Visitor<R> {
    R kick(Kick k);

    R mute(Mute m);

    R ban(Ban b);

    R unban(Unban u);
  }

  default JsonObject toJson() {
    return accept(
        new Visitor<>() {
          @Override
          public JsonObject kick(Kick k) {
            return new JsonObject()
                .put("op", "kick")
                .put("nick", k.nick())
                .put("by", k.by())
                .put("reason", k.reason());
          }

          @Override
          public JsonObject mute(Mute m) {
            return new JsonObject()
                .put("op", "mute")
                .put("nick", m.nick())
                .put("by", m.by())
                .put("seconds", m.seconds());
          }

          @Override
          public JsonObject ban(Ban b) {
            return new JsonObject()
                .put("op", "ban")
                .put("nick", b.nick())
                .put("address", b.address())
                .put("until", b.until() == null ? null : b.until().toString())
                .put("by", b.by());
          }

          @Override
          public JsonObject unban(Unban u) {
            return new JsonObject().put("op", "unban").put("target", u.target());
          }
        });
  }

  /**
   * @throws IllegalArgumentException for an unknown {@code op}
   */
  static ModerationOrder fromJson(JsonObject json) {
    String op = json.getString("op", "");
    return switch (op) {
      case "kick" ->
          new Kick(json.getString("nick"), json.getString("by"), json.getString("reason"));
      case "mute" ->
          new Mute(json.getString("nick"), json.getString("by"), json.getLong("seconds", 600L));
      case "ban" -> {
        String until = json.getString("until");
        yield new Ban(
            json.getString("nick"),
            json.getString("address"),
            until == null ? null : Instant.parse(until),
            json.getString("by"));
      }
      case "unban" -> new Unban(json.getString("target"));
      default -> throw new IllegalArgumentException("unknown moderation order " + json.encode());
    };
  }
}

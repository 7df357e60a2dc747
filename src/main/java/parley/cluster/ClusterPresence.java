package parley.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import parley.chat.UserRecord;

/**
 * Who is online in the cluster: nickname claims (map {@code parley.nicks}: nickname key to the
 * holder's {@link UserRecord} as JSON) and room memberships (map {@code parley.members}: room to
 * {@link Room}). Every claim and membership names the node of its session, so that when a node is
 * gone the survivors can drop what it held ({@link DropNick}, {@link DropMembers}). All changes are
 * entry processors: atomic per key, run where the key lives.
 */
public final class ClusterPresence {
  private ClusterPresence() {}

  static String toJson(UserRecord u) {
    return new JsonObject()
        .put("nick", u.nick())
        .put("via", u.via())
        .put("node", u.node())
        .put("session", u.sessionId())
        .put("connected", u.connectedAt().toEpochMilli())
        .put("active", u.lastActive().toEpochMilli())
        .encode();
  }

  static UserRecord fromJson(String json) {
    JsonObject j = new JsonObject(json);
    return new UserRecord(
        j.getString("nick"),
        j.getString("via"),
        j.getString("node"),
        j.getString("session"),
        Instant.ofEpochMilli(j.getLong("connected")),
        Instant.ofEpochMilli(j.getLong("active")));
  }

  /**
   * The claim, parsed, if it is that session's; otherwise null. Session ids are only unique within
   * a node, so the node is compared too (a claim's node is the node that made it; see
   * ClusteredChatStore#claimNick).
   */
  private static JsonObject heldBy(String json, String node, String sessionId) {
    if (json == null) {
      return null;
    }
    JsonObject j = new JsonObject(json);
    return sessionId.equals(j.getString("session")) && node.equals(j.getString("node")) ? j : null;
  }

  // ---- nickname claims -----------------------------------------------------------------------

  /** Takes the nickname if no one holds it; true when taken. */
  public static final class Claim
      implements EntryProcessor<String, String, Boolean>, DataSerializable {
    private String user;

    public Claim() {}

    public Claim(String userJson) {
      this.user = userJson;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null) {
        return false;
      }
      entry.setValue(user);
      return true;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(user);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      user = in.readString();
    }
  }

  /** Frees the nickname if that session (of that node) holds it. */
  public static final class Release
      implements EntryProcessor<String, String, Void>, DataSerializable {
    private String node;
    private String sessionId;

    public Release() {}

    public Release(String node, String sessionId) {
      this.node = node;
      this.sessionId = sessionId;
    }

    @Override
    public Void process(Map.Entry<String, String> entry) {
      if (heldBy(entry.getValue(), node, sessionId) != null) {
        entry.setValue(null);
      }
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(node);
      out.writeString(sessionId);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      node = in.readString();
      sessionId = in.readString();
    }
  }

  /**
   * Records the holder's last activity, if that session holds the nickname; never moves it back.
   */
  public static final class Touch
      implements EntryProcessor<String, String, Void>, DataSerializable {
    private String node;
    private String sessionId;
    private long at;

    public Touch() {}

    public Touch(String node, String sessionId, long at) {
      this.node = node;
      this.sessionId = sessionId;
      this.at = at;
    }

    @Override
    public Void process(Map.Entry<String, String> entry) {
      JsonObject j = heldBy(entry.getValue(), node, sessionId);
      if (j != null && j.getLong("active") < at) {
        entry.setValue(j.put("active", at).encode());
      }
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(node);
      out.writeString(sessionId);
      out.writeLong(at);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      node = in.readString();
      sessionId = in.readString();
      at = in.readLong();
    }
  }

  /**
   * Frees every nickname held by sessions of {@code node}; returns the nickname when it freed one.
   */
  public static final class DropNick
      implements EntryProcessor<String, String, String>, DataSerializable {
    private String node;

    public DropNick() {}

    public DropNick(String node) {
      this.node = node;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
      if (entry.getValue() == null) {
        return null;
      }
      JsonObject j = new JsonObject(entry.getValue());
      if (!node.equals(j.getString("node"))) {
        return null;
      }
      entry.setValue(null);
      return j.getString("nick");
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(node);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      node = in.readString();
    }
  }

  // ---- room memberships ----------------------------------------------------------------------

  /**
   * The members of one room, in joining order: {@code node/sessionId} (session ids are only unique
   * within a node) to nickname and node.
   */
  public static final class Room implements DataSerializable {
    private final LinkedHashMap<String, String[]> members = new LinkedHashMap<>();

    public Room() {}

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(members.size());
      for (Map.Entry<String, String[]> e : members.entrySet()) {
        out.writeString(e.getKey());
        out.writeString(e.getValue()[0]);
        out.writeString(e.getValue()[1]);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        members.put(in.readString(), new String[] {in.readString(), in.readString()});
      }
    }
  }

  static String member(String node, String sessionId) {
    return node + "/" + sessionId;
  }

  /** Adds the session to the room, or renames it there. */
  public static final class Join implements EntryProcessor<String, Room, Void>, DataSerializable {
    private String sessionId;
    private String nick;
    private String node;

    public Join() {}

    public Join(String node, String sessionId, String nick) {
      this.sessionId = sessionId;
      this.nick = nick;
      this.node = node;
    }

    @Override
    public Void process(Map.Entry<String, Room> entry) {
      Room r = entry.getValue() == null ? new Room() : entry.getValue();
      r.members.put(member(node, sessionId), new String[] {nick, node});
      entry.setValue(r);
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(sessionId);
      out.writeString(nick);
      out.writeString(node);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      sessionId = in.readString();
      nick = in.readString();
      node = in.readString();
    }
  }

  /** Takes the session out of the room; an empty room's entry is removed. */
  public static final class Leave implements EntryProcessor<String, Room, Void>, DataSerializable {
    private String sessionId;

    public Leave() {}

    public Leave(String node, String sessionId) {
      this.sessionId = member(node, sessionId);
    }

    @Override
    public Void process(Map.Entry<String, Room> entry) {
      Room r = entry.getValue();
      if (r != null && r.members.remove(sessionId) != null) {
        entry.setValue(r.members.isEmpty() ? null : r);
      }
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(sessionId);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      sessionId = in.readString();
    }
  }

  /** The first {@code limit} members' nicknames (sorted) and the member count. */
  public static final class Members
      implements EntryProcessor<String, Room, Members.Result>, DataSerializable, ReadOnly {
    private int limit;

    public Members() {}

    public Members(int limit) {
      this.limit = limit;
    }

    /** Nicknames and the count. */
    public static final class Result implements DataSerializable {
      private List<String> names = List.of();
      private int count;

      public Result() {}

      Result(List<String> names, int count) {
        this.names = names;
        this.count = count;
      }

      public List<String> names() {
        return names;
      }

      public int count() {
        return count;
      }

      @Override
      public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(count);
        out.writeStringArray(names.toArray(new String[0]));
      }

      @Override
      public void readData(ObjectDataInput in) throws IOException {
        count = in.readInt();
        names = Arrays.asList(in.readStringArray());
      }
    }

    @Override
    public Result process(Map.Entry<String, Room> entry) {
      Room r = entry.getValue();
      if (r == null) {
        return new Result(List.of(), 0);
      }
      List<String> names = new ArrayList<>(Math.min(limit, r.members.size()));
      for (String[] m : r.members.values()) {
        if (names.size() >= limit) {
          break;
        }
        names.add(m[0]);
      }
      names.sort(String.CASE_INSENSITIVE_ORDER);
      return new Result(names, r.members.size());
    }

    @Override
    public EntryProcessor<String, Room, Result> getBackupProcessor() {
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(limit);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      limit = in.readInt();
    }
  }

  /**
   * Removes the sessions of {@code node} from the room; returns their nicknames, or null for none.
   */
  public static final class DropMembers
      implements EntryProcessor<String, Room, ArrayList<String>>, DataSerializable {
    private String node;

    public DropMembers() {}

    public DropMembers(String node) {
      this.node = node;
    }

    @Override
    public ArrayList<String> process(Map.Entry<String, Room> entry) {
      Room r = entry.getValue();
      if (r == null) {
        return null;
      }
      ArrayList<String> dropped = new ArrayList<>();
      r.members
          .values()
          .removeIf(
              m -> {
                if (node.equals(m[1])) {
                  dropped.add(m[0]);
                  return true;
                }
                return false;
              });
      if (dropped.isEmpty()) {
        return null;
      }
      entry.setValue(r.members.isEmpty() ? null : r);
      return dropped;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(node);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      node = in.readString();
    }
  }
}

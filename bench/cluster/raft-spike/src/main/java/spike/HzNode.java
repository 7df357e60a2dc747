package spike;

import com.hazelcast.config.*;
import com.hazelcast.core.*;
import com.hazelcast.map.*;
import java.io.Serializable;
import java.util.*;

/** Today's approach for comparison: AP IMap, backup 1, an entry processor numbers the message on the key owner. args: id host cmdPort */
public final class HzNode {
  public static final class Room implements Serializable {
    final ArrayList<String> msgs = new ArrayList<>();
  }

  public static final class Append implements EntryProcessor<String, Room, Long> {
    final String text;
    Append(String text) { this.text = text; }
    @Override public Long process(Map.Entry<String, Room> e) {
      Room r = e.getValue() == null ? new Room() : e.getValue();
      r.msgs.add(text);
      e.setValue(r);
      return (long) r.msgs.size();
    }
  }

  public static void main(String[] a) throws Exception {
    Config c = new Config();
    c.setClusterName("spike");
    c.setProperty("hazelcast.logging.type", "none");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.getNetworkConfig().setPort(5701).getInterfaces().setEnabled(true).addInterface(a[1]);
    JoinConfig j = c.getNetworkConfig().getJoin();
    j.getMulticastConfig().setEnabled(false);
    j.getAutoDetectionConfig().setEnabled(false);
    j.getTcpIpConfig().setEnabled(true).setMembers(List.of("10.199.0.1", "10.199.0.2", "10.199.0.3"));
    c.addMapConfig(new MapConfig("rooms").setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT));
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(c);
    IMap<String, Room> rooms = hz.getMap("rooms");
    Cmd.serve(a[1], Integer.parseInt(a[2]), new Cmd.Backend() {
      public long append(String room, String text) throws Exception {
        return rooms.submitToKey(room, new Append(text)).toCompletableFuture().get();
      }
      public List<String> dump(String room) {
        Room r = rooms.get(room);
        List<String> out = new ArrayList<>();
        if (r != null) for (int i = 0; i < r.msgs.size(); i++) out.add((i + 1) + " " + r.msgs.get(i));
        return out;
      }
      public String status() { return "members=" + hz.getCluster().getMembers().size() + " writable=yes"; }
    });
  }
}

package spike;

import org.infinispan.Cache;
import org.infinispan.AdvancedCache;
import org.infinispan.configuration.cache.*;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.partitionhandling.PartitionHandling;
import org.infinispan.conflict.MergePolicy;
import java.util.*;

/**
 * Infinispan 14.0.25 embedded (the version vertx-infinispan 5.0.7 brings): DIST_SYNC owners=2, DENY_READ_WRITES (or
 * ALLOW_READS with -Dspike.allowReads), SoftIndexFileStore write-through, global state persistence.
 * Append = CAS on the counter key "room#" (replace(old,new)), then put "room:seq". args: id host dir cmdPort
 */
public final class IspnNode {
  public static void main(String[] a) throws Exception {
    System.setProperty("jgroups.bind_addr", a[1]);
    String dir = a[2];
    GlobalConfigurationBuilder g = GlobalConfigurationBuilder.defaultClusteredBuilder();
    g.transport().clusterName("spike").nodeName(a[0]).addProperty("configurationFile", System.getProperty("spike.dir", ".") + "/res/jgroups-spike.xml");
    g.globalState().enable().persistentLocation(dir);
    DefaultCacheManager cm = new DefaultCacheManager(g.build());
    ConfigurationBuilder b = new ConfigurationBuilder();
    b.clustering().cacheMode(CacheMode.DIST_SYNC).hash().numOwners(2)
        .partitionHandling().whenSplit(Boolean.getBoolean("spike.allowReads") ? PartitionHandling.ALLOW_READS : PartitionHandling.DENY_READ_WRITES)
        .mergePolicy(MergePolicy.NONE);
    b.persistence().addSoftIndexFileStore().dataLocation(dir + "/data").indexLocation(dir + "/index").syncWrites(true);
    cm.defineConfiguration("rooms", b.build());
    Cache<String, String> c = cm.getCache("rooms");
    AdvancedCache<String, String> ac = c.getAdvancedCache();
    Cmd.serve(a[1], Integer.parseInt(a[3]), new Cmd.Backend() {
      public long append(String room, String text) {
        while (true) {
          String cur = c.get(room + "#");
          long next = cur == null ? 1 : Long.parseLong(cur) + 1;
          boolean won = cur == null ? c.putIfAbsent(room + "#", "1") == null : c.replace(room + "#", cur, Long.toString(next));
          if (won) {
            c.put(room + ":" + next, text);
            return next;
          }
        }
      }
      public List<String> dump(String room) {
        String cur = c.get(room + "#");
        long n = cur == null ? 0 : Long.parseLong(cur);
        List<String> out = new ArrayList<>();
        for (long i = 1; i <= n; i++) { String t = c.get(room + ":" + i); if (t != null) out.add(i + " " + t); }
        return out;
      }
      public String status() {
        return "members=" + cm.getMembers() + " availability=" + ac.getAvailability()
            + " writable=" + (ac.getAvailability().toString().equals("AVAILABLE") ? "yes" : "no");
      }
    });
  }
}

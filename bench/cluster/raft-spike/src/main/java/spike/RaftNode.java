package spike;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.*;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;

/**
 * One node of a 3-voter Ratis group. State machine: per room, an ordered list of messages; seq = position.
 * args: id peers(n1=host:port,...) dataDir cmdHost cmdPort
 */
public final class RaftNode {
  static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.fromString("0a0b0c0d-0000-4000-8000-00000000cafe"));

  /** The replicated state: rooms -> messages; a node's copy, rebuilt from the log at start. */
  static final class ChatSM extends BaseStateMachine {
    final Map<String, List<String>> rooms = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      RaftProtos.LogEntryProto e = trx.getLogEntry();
      String cmd = e.getStateMachineLogEntry().getLogData().toStringUtf8();
      String[] p = cmd.split(" ", 3);
      long seq = -1;
      if (p[0].equals("APPEND")) {
        List<String> l = rooms.computeIfAbsent(p[1], k -> Collections.synchronizedList(new ArrayList<>()));
        l.add(p[2]);
        seq = l.size();
        Cmd.sample(p[2]);
      }
      updateLastAppliedTermIndex(e.getTerm(), e.getIndex());
      return CompletableFuture.completedFuture(Message.valueOf(Long.toString(seq)));
    }
  }

  public static void main(String[] a) throws Exception {
    String me = a[0];
    List<RaftPeer> peers = new ArrayList<>();
    for (String s : a[1].split(",")) {
      String[] kv = s.split("=");
      peers.add(RaftPeer.newBuilder().setId(kv[0]).setAddress(kv[1]).build());
    }
    RaftGroup group = RaftGroup.valueOf(GROUP, peers);
    RaftPeer self = peers.stream().filter(p -> p.getId().toString().equals(me)).findFirst().orElseThrow();
    RaftProperties props = new RaftProperties();
    RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(self.getAddress().split(":")[1]));
    GrpcConfigKeys.Server.setHost(props, self.getAddress().split(":")[0]);
    File dir = new File(a[2]);
    RaftServerConfigKeys.setStorageDir(props, List.of(dir));
    // election timeout 1-2 s (default 150-300 ms is too twitchy on a loaded 2-core box)
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
    ChatSM sm = new ChatSM();
    boolean exists = new File(dir, GROUP.getUuid().toString()).exists();
    RaftServer server = RaftServer.newBuilder().setServerId(self.getId()).setGroup(group).setProperties(props)
        .setStateMachine(sm).setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT).build();
    server.start();
    RaftProperties cprops = new RaftProperties();
    RaftConfigKeys.Rpc.setType(cprops, SupportedRpcType.GRPC);
    RaftClient client = RaftClient.newBuilder().setProperties(cprops).setRaftGroup(group).setLeaderId(null)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(30, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
    long leaderTimeoutMs = 2500;
    Cmd.serve(a[3], Integer.parseInt(a[4]), new Cmd.Backend() {
      DivisionInfo info() {
        try { return server.getDivision(GROUP).getInfo(); } catch (Exception e) { throw new RuntimeException(e); }
      }

      /** Writable when leader and ready, or a follower that heard from its leader recently. */
      String refuse() {
        DivisionInfo i = info();
        if (i.isLeader()) {
          if (!i.isLeaderReady()) return "leader not ready";
          // a leader must have heard from a majority (itself included) within the timeout, else it is a minority
          int fresh = 1;
          for (var f : i.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
            if (f.getLastRpcElapsedTimeMs() < leaderTimeoutMs) fresh++;
          }
          int voters = 3;
          return fresh * 2 > voters ? null : "leader without a majority (" + fresh + "/" + voters + ")";
        }
        if (i.isFollower() && i.getLeaderId() != null) {
          long since = i.getRoleInfoProto().getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
          return since < leaderTimeoutMs ? null : "no leader contact for " + since + " ms";
        }
        return "no leader (" + i.getCurrentRole() + ")";
      }

      @Override
      public long append(String room, String text) throws Exception {
        String why = refuse();
        if (why != null) throw new IllegalStateException("read-only: cut off from the cluster majority: " + why);
        RaftClientReply r = client.async().send(Message.valueOf("APPEND " + room + " " + text)).get(3, TimeUnit.SECONDS);
        if (!r.isSuccess()) throw r.getException();
        return Long.parseLong(r.getMessage().getContent().toString(StandardCharsets.UTF_8));
      }

      @Override
      public List<String> dump(String room) {
        List<String> l = sm.rooms.getOrDefault(room, List.of());
        List<String> out = new ArrayList<>();
        synchronized (l) { for (int i = 0; i < l.size(); i++) out.add((i + 1) + " " + l.get(i)); }
        return out;
      }

      @Override
      public String status() {
        DivisionInfo i = info();
        String why = refuse();
        return "role=" + i.getCurrentRole() + " leader=" + i.getLeaderId() + " term=" + i.getCurrentTerm()
            + " applied=" + i.getLastAppliedIndex() + " writable=" + (why == null ? "yes" : "no(" + why + ")");
      }
    });
  }
}

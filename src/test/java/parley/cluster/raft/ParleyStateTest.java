package parley.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import parley.chat.ChatEvent;
import parley.chat.OfflineMessage;
import parley.cluster.raft.Commands.Append;
import parley.cluster.raft.Commands.Appended;
import parley.cluster.raft.Commands.Ban;
import parley.cluster.raft.Commands.Claim;
import parley.cluster.raft.Commands.ClaimResult;
import parley.cluster.raft.Commands.ClaimStatus;
import parley.cluster.raft.Commands.Command;
import parley.cluster.raft.Commands.Done;
import parley.cluster.raft.Commands.Entry;
import parley.cluster.raft.Commands.Init;
import parley.cluster.raft.Commands.Join;
import parley.cluster.raft.Commands.Kind;
import parley.cluster.raft.Commands.Leave;
import parley.cluster.raft.Commands.Mute;
import parley.cluster.raft.Commands.NodeLease;
import parley.cluster.raft.Commands.Release;
import parley.cluster.raft.Commands.Result;
import parley.cluster.raft.Commands.Unban;
import parley.cluster.raft.Commands.Unmute;
import parley.cluster.raft.ParleyState.Holder;
import parley.cluster.raft.ParleyState.Membership;
import parley.cluster.raft.ParleyState.Outcome;
import parley.cluster.raft.ParleyState.RestrictionKind;
import parley.store.ChatStore.Members;
import parley.store.ChatStore.Slice;

class ParleyStateTest {
  private ParleyState state = new ParleyState(5);
  private long index;
  private final List<Applied> changes = new ArrayList<>();

  private Result at(long time, Command c) {
    Outcome o = state.apply(++index, new Entry(time, c));
    changes.addAll(o.changes());
    return o.result();
  }

  private static Append msg(String room, String session, String id, String text) {
    return new Append(room, "n1", session, id, Kind.MESSAGE, "ann", "telnet", text);
  }

  private long seq(Result r) {
    return ((Appended) r).seq();
  }

  static byte[] bytes(ParleyState s) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      s.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /**
   * A log touching every rule: messages with repeats, claims, leases, restarts, bans, mutes, joins
   * and leaves.
   */
  static List<Entry> randomLog(long seed, int n) {
    Random r = new Random(seed);
    List<Entry> log = new ArrayList<>();
    log.add(new Entry(1000, new Init(seed)));
    long t = 1000;
    String[] rooms = {"lobby", "dev", "x"};
    String[] nodes = {"n1", "n2", "n3"};
    String[] nicks = {"ann", "Ann", "bob", "cy", "dee"};
    for (int i = 0; i < n; i++) {
      t += r.nextInt(4000) - 500; // sometimes a leader with a clock behind
      String node = nodes[r.nextInt(3)];
      long inc = 1 + r.nextInt(2);
      String session = "s" + r.nextInt(4);
      Command c =
          switch (r.nextInt(13)) {
            case 0, 1, 2 ->
                new Append(
                    rooms[r.nextInt(3)],
                    node,
                    session,
                    r.nextBoolean() ? null : "m" + r.nextInt(20),
                    Kind.values()[r.nextInt(3)],
                    nicks[r.nextInt(5)],
                    "telnet",
                    "text " + i);
            case 3 -> new Claim(nicks[r.nextInt(5)], session, node, inc, "web");
            case 4 -> new Release(nicks[r.nextInt(5)], session, node);
            case 5 -> new NodeLease(node, inc);
            case 6 ->
                new Ban(
                    rooms[r.nextInt(3)],
                    "10.0.0." + r.nextInt(3),
                    null,
                    "op",
                    r.nextBoolean() ? 0 : t + r.nextInt(20_000));
            case 7 -> new Mute("*", nicks[r.nextInt(5)], "op", t + r.nextInt(20_000));
            case 8 -> new Join(rooms[r.nextInt(3)], session, node, nicks[r.nextInt(5)]);
            case 9 -> new Leave(rooms[r.nextInt(3)], session, node);
            case 10 ->
                new Commands.Register(
                    nicks[r.nextInt(5)], "pbkdf2-sha256$100000$c2FsdA==$a2V5" + "MQ==", t);
            case 11 -> accountCommand(r, nicks[r.nextInt(5)], rooms[r.nextInt(3)], t);
            default ->
                r.nextBoolean()
                    ? new Unban(rooms[r.nextInt(3)], "10.0.0." + r.nextInt(3))
                    : new Unmute("*", nicks[r.nextInt(5)]);
          };
      log.add(new Entry(t, c));
    }
    return log;
  }

  /** One of the account commands other than Register, on {@code name}. */
  private static Command accountCommand(Random r, String name, String room, long t) {
    return switch (r.nextInt(10)) {
      case 0 -> new Commands.SetPassword(name, "pbkdf2-sha256$100000$c2FsdA==$" + "Mg==");
      case 1 -> new Commands.DropAccount(name);
      case 2 ->
          new Commands.SetRole(name, r.nextBoolean() ? "admin" : "moderator", r.nextBoolean());
      case 3 -> new Commands.AddToken(name, "tok" + r.nextInt(30), "web", t);
      case 4 -> new Commands.DropToken(name, "tok" + r.nextInt(30));
      case 5 -> new Commands.Seen(name, room, r.nextInt(100));
      case 6 -> new Commands.ForgetRoom(name, room);
      case 7 -> new Commands.TakeOffline(name);
      default -> new Commands.QueueOffline(name, "bob", "telnet", "pm " + t, t);
    };
  }

  static List<Result> applyAll(ParleyState s, List<Entry> log, int from, int to) {
    List<Result> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(s.apply(i + 1, log.get(i)).result());
    }
    return out;
  }

  @Test
  void theSameLogAppliedTwiceGivesTheSameStateAndAnswers() {
    List<Entry> log = randomLog(7, 3000);
    ParleyState a = new ParleyState(50);
    ParleyState b = new ParleyState(50);
    List<Result> ra = applyAll(a, log, 0, log.size());
    List<Result> rb = applyAll(b, log, 0, log.size());
    assertEquals(ra, rb);
    assertArrayEquals(bytes(a), bytes(b));
    assertFalse(a.holders().isEmpty() && a.restrictions().isEmpty(), "the log exercised the rules");
    long joins = 0;
    long drops = 0;
    ParleyState c = new ParleyState(50);
    for (int i = 0; i < log.size(); i++) {
      for (Applied x : c.apply(i + 1, log.get(i)).changes()) {
        joins += x instanceof Applied.Joined ? 1 : 0;
        drops += x instanceof Applied.Left l && !l.reason().equals("left") ? 1 : 0;
      }
    }
    assertTrue(joins > 0 && drops > 0, "the log exercised memberships: " + joins + ", " + drops);
  }

  @Test
  void aSnapshotPlusTheTailGivesTheSameStateAsTheWholeLog() throws IOException {
    List<Entry> log = randomLog(11, 3000);
    ParleyState whole = new ParleyState(50);
    List<Result> all = applyAll(whole, log, 0, log.size());
    for (int cut : new int[] {0, 1, 777, 2999}) {
      ParleyState head = new ParleyState(50);
      applyAll(head, log, 0, cut);
      ParleyState restored = new ParleyState(50);
      restored.apply(1, new Entry(5, new Init(99))); // some state of its own, replaced
      restored.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(head))));
      List<Result> tail = applyAll(restored, log, cut, log.size());
      assertEquals(all.subList(cut, log.size()), tail, "answers after cut " + cut);
      assertArrayEquals(bytes(whole), bytes(restored), "state after cut " + cut);
    }
  }

  @Test
  void version1And2SnapshotsAreStillRead() throws IOException {
    // Version 2 was version 3 without the accounts (two empty sections: two ints 0 at the end),
    // version 1 was version 2 without the memberships (one more int 0 before them).
    List<Entry> log =
        randomLog(13, 2000).stream()
            .filter(
                e ->
                    !(e.command() instanceof Join
                        || e.command() instanceof Leave
                        || e.command() instanceof Commands.Register))
            .toList();
    ParleyState old = new ParleyState(50);
    applyAll(old, log, 0, log.size());
    assertTrue(old.memberCounts().isEmpty());
    byte[] v3 = bytes(old);
    assertEquals(3, v3[0]);
    byte[] v2 = Arrays.copyOf(v3, v3.length - 8);
    v2[0] = 2;
    byte[] v1 = Arrays.copyOf(v3, v3.length - 12);
    v1[0] = 1;
    assertArrayEquals(new byte[12], Arrays.copyOfRange(v3, v1.length, v3.length));
    for (byte[] older : List.of(v1, v2)) {
      ParleyState read = new ParleyState(50);
      read.apply(1, new Entry(1, new Claim("ann", "s1", "n1", 1, "web")));
      read.apply(2, new Entry(2, new Join("lobby", "s1", "n1", "ann")));
      read.apply(3, new Entry(3, new Commands.Register("ann", HASH, 3)));
      read.readFrom(new DataInputStream(new ByteArrayInputStream(older)));
      assertArrayEquals(v3, bytes(read), "the same state; its members and accounts are gone");
      assertTrue(read.memberCounts().isEmpty());
      assertNull(read.account("ann"));
    }
  }

  private static final String HASH = "pbkdf2-sha256$100000$c2FsdA==$a2V5";

  @Test
  void aSnapshotKeepsTheAccountsAndTheirMail() throws IOException {
    at(1, new Commands.Register("Ann", HASH, 1));
    at(2, new Commands.SetRole("ann", "admin", true));
    at(3, new Commands.AddToken("ann", "t1", "web", 3));
    at(4, new Commands.Seen("ann", "lobby", 17));
    at(5, new Commands.QueueOffline("ann", "bob", "telnet", "one", 5));
    at(5, new Commands.QueueOffline("ann", "bob", "telnet", "two", 5));
    assertEquals(2, ((Commands.Mail) at(6, new Commands.TakeOffline("ann"))).messages().size());
    at(7, new Commands.QueueOffline("ann", "cy", "web", "three", 7));
    ParleyState restored = new ParleyState(5);
    restored.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(state))));
    assertArrayEquals(bytes(state), bytes(restored));
    assertEquals(state.account("ann"), restored.account("ANN"));
    assertEquals("Ann", restored.accountByToken("t1").name());
    assertEquals(Map.of("lobby", 17L), restored.account("ann").rooms());
    // the same answers afterwards: the mail ids go on from 3, the token index came back
    for (ParleyState s : List.of(state, restored)) {
      Commands.Results rs =
          (Commands.Results)
              s.apply(
                      9,
                      new Entry(
                          9,
                          new Commands.Batch(
                              List.of(
                                  new Commands.QueueOffline("ann", "dee", "web", "four", 8),
                                  new Commands.TakeOffline("ann"),
                                  new Commands.SetPassword("ann", HASH)))))
                  .result();
      assertEquals(
          List.of(
              new OfflineMessage(3, "cy", "web", "three", Instant.ofEpochMilli(7)),
              new OfflineMessage(4, "dee", "web", "four", Instant.ofEpochMilli(8))),
          ((Commands.Mail) rs.results().get(1)).messages());
      assertNull(s.accountByToken("t1"), "a new password revokes the token");
    }
    assertArrayEquals(bytes(state), bytes(restored));
  }

  @Test
  void aSnapshotKeepsTheMembers() throws IOException {
    at(1, new Claim("bob", "s1", "n1", 1, "web"));
    at(1, new Claim("Ann", "s2", "n2", 1, "web"));
    at(2, new Join("lobby", "s1", "n1", "bob"));
    at(2, new Join("lobby", "s2", "n2", "Ann"));
    at(2, new Join("dev", "s2", "n2", "Ann"));
    ParleyState restored = new ParleyState(5);
    restored.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(state))));
    assertArrayEquals(bytes(state), bytes(restored));
    assertEquals(new Members(List.of("Ann", "bob"), 2), restored.members("lobby", 10));
    assertEquals(
        List.of(
            new Membership("dev", "s2", "n2", "Ann"), new Membership("lobby", "s2", "n2", "Ann")),
        restored.memberships("n2"));
    // the indexes behind the reads came back too: a leave, a rename and a drop work the same
    for (ParleyState s : List.of(state, restored)) {
      s.apply(3, new Entry(3, new Leave("dev", "s2", "n2")));
      s.apply(4, new Entry(4, new Join("lobby", "s1", "n1", "Cy")));
      s.apply(5, new Entry(5, new NodeLease("n2", 2)));
      s.apply(6, new Entry(6, new Claim("dee", "s2", "n2", 2, "web")));
      s.apply(7, new Entry(7, new Join("lobby", "s2", "n2", "dee")));
    }
    assertArrayEquals(bytes(state), bytes(restored));
    assertEquals(new Members(List.of("Cy", "dee"), 2), restored.members("lobby", 10));
  }

  @Test
  void onlyASessionHoldingAClaimJoins() {
    assertEquals(new Done(0), at(1, new Join("lobby", "s1", "n1", "ann")));
    at(2, new Claim("ann", "s1", "n1", 1, "web"));
    at(3, new Join("lobby", "s1", "n2", "ann")); // the same session id on another node
    at(4, new Join("lobby", "s2", "n1", "ann"));
    assertEquals(new Members(List.of(), 0), state.members("lobby", 10));
    assertTrue(changes.stream().noneMatch(c -> c instanceof Applied.Joined));
    assertEquals(new Done(0), at(5, new Join("lobby", "s1", "n1", "ann")));
    assertEquals(new Members(List.of("ann"), 1), state.members("lobby", 10));
    assertEquals(
        new Applied.Joined(5, "lobby", "ann", "s1", "n1"), changes.get(changes.size() - 1));
    at(6, new Release("ann", "s1", "n1"));
    assertEquals(
        new Members(List.of("ann"), 1), state.members("lobby", 10), "a release leaves it in");
    at(7, new Join("dev", "s1", "n1", "ann"));
    assertEquals(Map.of("lobby", 1), state.memberCounts(), "no claim, no join");
  }

  @Test
  void joiningAgainWithAnotherNickRenames() {
    at(1, new Claim("ann", "s1", "n1", 1, "web"));
    at(2, new Join("lobby", "s1", "n1", "ann"));
    at(3, new Join("lobby", "s1", "n1", "ann"));
    assertEquals(1, changes.stream().filter(c -> c instanceof Applied.Joined).count());
    at(4, new Claim("zed", "s1", "n1", 1, "web"));
    at(5, new Join("lobby", "s1", "n1", "zed"));
    at(6, new Release("ann", "s1", "n1"));
    assertEquals(new Members(List.of("zed"), 1), state.members("lobby", 10));
    assertEquals(
        new Applied.Joined(5, "lobby", "zed", "s1", "n1"), changes.get(changes.size() - 2));
    assertEquals(List.of(new Membership("lobby", "s1", "n1", "zed")), state.memberships("n1"));
  }

  @Test
  void aLeaveRemovesOnlyThatSessionOfThatNode() {
    at(1, new Claim("ann", "s1", "n1", 1, "web"));
    at(1, new Claim("bob", "s1", "n2", 1, "web"));
    at(2, new Join("lobby", "s1", "n1", "ann"));
    at(2, new Join("lobby", "s1", "n2", "bob"));
    at(3, new Leave("lobby", "s1", "n3"));
    at(3, new Leave("dev", "s1", "n1"));
    assertEquals(new Members(List.of("ann", "bob"), 2), state.members("lobby", 10));
    assertEquals(new Done(0), at(4, new Leave("lobby", "s1", "n1")));
    assertEquals(new Members(List.of("bob"), 1), state.members("lobby", 10));
    assertEquals(
        new Applied.Left(index, "lobby", "ann", "s1", "n1", "left"),
        changes.get(changes.size() - 1));
    at(5, new Leave("lobby", "s1", "n2"));
    assertEquals(new Members(List.of(), 0), state.members("lobby", 10));
    assertEquals(Map.of(), state.memberCounts(), "an empty room is not counted");
    assertEquals(List.of(), state.memberships("n2"));
  }

  @Test
  void namesAreSortedCaseInsensitivelyUpToTheLimitWithTheFullCount() {
    String[] nicks = {"dee", "Bob", "alice", "Cy", "bob"};
    for (int i = 0; i < nicks.length; i++) {
      String session = "s" + (9 - i); // the two bobs tie: by session id
      at(1, new Claim(nicks[i] + i, session, "n1", 1, "web"));
      at(2, new Join("lobby", session, "n1", nicks[i]));
    }
    assertEquals(
        new Members(List.of("alice", "bob", "Bob", "Cy", "dee"), 5), state.members("lobby", 10));
    assertEquals(new Members(List.of("alice", "bob"), 5), state.members("lobby", 2));
    assertEquals(new Members(List.of(), 5), state.members("lobby", 0));
    assertEquals(new Members(List.of(), 0), state.members("nowhere", 3));
    assertEquals(Map.of("lobby", 5), state.memberCounts());
    assertTrue(state.rooms().isEmpty(), "rooms() is still the rooms with history");
  }

  @Test
  void anExpiredLeaseTakesTheMembershipsAfterEachDrop() {
    at(0, new Claim("ann", "s1", "n1", 1, "web"));
    at(0, new Claim("bob", "s2", "n1", 1, "web"));
    at(0, new Claim("cy", "s1", "n2", 1, "web"));
    at(1, new Join("lobby", "s1", "n1", "ann"));
    at(1, new Join("dev", "s1", "n1", "ann"));
    at(1, new Join("lobby", "s2", "n1", "bob"));
    at(1, new Join("lobby", "s1", "n2", "cy"));
    at(20_000, new NodeLease("n2", 1));
    Holder ann = state.holder("ann");
    Holder bob = state.holder("bob");
    changes.clear();
    at(30_001, msg("lobby", "s", null, "past 30 s"));
    assertEquals(
        List.of(
            new Applied.Dropped(index, ann, "lease expired"),
            new Applied.Left(index, "dev", "ann", "s1", "n1", "lease expired"),
            new Applied.Left(index, "lobby", "ann", "s1", "n1", "lease expired"),
            new Applied.Dropped(index, bob, "lease expired"),
            new Applied.Left(index, "lobby", "bob", "s2", "n1", "lease expired")),
        changes.subList(0, 5));
    assertEquals(new Members(List.of("cy"), 1), state.members("lobby", 10));
    assertEquals(List.of(), state.memberships("n1"));
  }

  @Test
  void aRestartedNodesSessionsLeaveTheirRooms() {
    at(0, new Claim("ann", "t1", "n1", 1, "telnet"));
    at(1, new Join("lobby", "t1", "n1", "ann"));
    changes.clear();
    at(2, new Claim("bob", "t1", "n1", 2, "telnet")); // the new process counts ids from 1 again
    assertEquals(3, changes.size(), changes.toString());
    assertEquals("ann", ((Applied.Dropped) changes.get(0)).holder().nick());
    assertEquals("node restarted", ((Applied.Dropped) changes.get(0)).reason());
    assertEquals(new Applied.Left(3, "lobby", "ann", "t1", "n1", "node restarted"), changes.get(1));
    assertEquals("bob", ((Applied.Claimed) changes.get(2)).holder().nick());
    at(3, new Join("lobby", "t1", "n1", "bob"));
    assertEquals(new Members(List.of("bob"), 1), state.members("lobby", 10));
  }

  @Test
  void appendsGetEachRoomsNextSeqAndTheEntryTime() {
    assertEquals(1, seq(at(10, msg("lobby", "s1", null, "a"))));
    assertEquals(2, seq(at(11, msg("lobby", "s1", null, "b"))));
    assertEquals(1, seq(at(12, msg("dev", "s1", null, "c"))));
    assertEquals(3, seq(at(13, msg("lobby", "s2", null, "d"))));
    Slice h = state.history("lobby", 10);
    assertEquals(List.of("a", "b", "d"), h.events().stream().map(ChatEvent::text).toList());
    assertEquals(List.of(1L, 2L, 3L), h.events().stream().map(ChatEvent::seq).toList());
    assertEquals(13, h.events().get(2).ts().toEpochMilli());
    assertEquals(3, state.lastSeq("lobby"));
    assertEquals(0, state.lastSeq("nowhere"));
    long events = changes.stream().filter(c -> c instanceof Applied.Event).count();
    assertEquals(4, events);
  }

  @Test
  void timeNeverGoesBackEvenWhenALeaderClockDoes() {
    at(5000, msg("lobby", "s1", null, "a"));
    Appended r = (Appended) at(4000, msg("lobby", "s1", null, "b"));
    assertEquals(5000, r.time());
    assertEquals(5000, state.logTime());
  }

  @Test
  void aRepeatedClientMessageIdFromTheSameSessionGetsTheEarlierSeq() {
    Appended first = (Appended) at(10, msg("lobby", "s1", "m1", "hello"));
    at(11, msg("lobby", "s2", null, "other"));
    Appended again = (Appended) at(12, msg("lobby", "s1", "m1", "hello"));
    assertEquals(1, first.seq());
    assertFalse(first.duplicate());
    assertEquals(1, again.seq());
    assertTrue(again.duplicate());
    assertEquals(10, again.time());
    assertEquals(2, state.lastSeq("lobby"), "the repeat added nothing");
    // the same id from another session, another node, or in another room is another message
    assertEquals(3, seq(at(13, msg("lobby", "s2", "m1", "x"))));
    assertEquals(
        4, seq(at(14, new Append("lobby", "n2", "s1", "m1", Kind.MESSAGE, "ann", "web", "y"))));
    assertEquals(1, seq(at(15, msg("dev", "s1", "m1", "z"))));
    assertEquals(
        1,
        changes.stream()
            .filter(
                c ->
                    c instanceof Applied.Event e
                        && e.event().seq() == 1
                        && e.event().room().equals("lobby"))
            .count());
  }

  @Test
  void historyKeepsTheLastNPerRoomAndCountsWhatIsGone() {
    for (int i = 1; i <= 8; i++) {
      at(i, msg("lobby", "s1", null, "t" + i));
    }
    Slice last = state.history("lobby", 100);
    assertEquals(List.of(4L, 5L, 6L, 7L, 8L), last.events().stream().map(ChatEvent::seq).toList());
    Slice since = state.since("lobby", 1, 100);
    assertEquals(5, since.events().size());
    assertEquals(2, since.missed(), "seqs 2 and 3 are no longer retained");
    Slice newest = state.since("lobby", 5, 2);
    assertEquals(List.of(7L, 8L), newest.events().stream().map(ChatEvent::seq).toList());
    assertEquals(1, newest.missed());
    assertEquals(8, state.read("lobby", 6, 10).lastSeq());
  }

  @Test
  void aTopicAppendSetsTheTopic() {
    at(1, new Append("lobby", "n1", "s1", null, Kind.TOPIC, "ann", "web", "welcome"));
    assertEquals("welcome", state.topic("lobby"));
    assertEquals("welcome", state.rooms().get("lobby"));
    at(2, new Append("lobby", "n1", "s1", null, Kind.TOPIC, "ann", "web", ""));
    assertNull(state.topic("lobby"));
    assertEquals(ChatEvent.Type.TOPIC, state.history("lobby", 1).events().get(0).type());
  }

  @Test
  void theFirstInitSetsTheEpochForGood() {
    assertEquals(0, state.epoch());
    assertEquals(new Done(17), at(1, new Init(17)));
    assertEquals(new Done(17), at(2, new Init(18)));
    assertEquals(17, ((Appended) at(3, msg("r", "s", null, "x"))).epoch());
  }

  @Test
  void aNickIsClaimedCaseInsensitivelyAndReleasedOnlyByItsSession() {
    assertEquals(new ClaimResult(ClaimStatus.OK), at(1, new Claim("Ann", "s1", "n1", 1, "web")));
    assertEquals(new ClaimResult(ClaimStatus.OK), at(2, new Claim("ann", "s1", "n1", 1, "web")));
    assertEquals(new ClaimResult(ClaimStatus.TAKEN), at(3, new Claim("ANN", "s2", "n1", 1, "web")));
    assertEquals(new ClaimResult(ClaimStatus.TAKEN), at(4, new Claim("ann", "s1", "n2", 1, "web")));
    at(5, new Release("ann", "s2", "n1"));
    at(6, new Release("ann", "s1", "n2"));
    assertEquals("s1", state.holder("aNN").sessionId());
    assertEquals("Ann", state.holder("ann").nick());
    at(7, new Release("ANN", "s1", "n1"));
    assertNull(state.holder("ann"));
    assertEquals(new ClaimResult(ClaimStatus.OK), at(8, new Claim("ann", "s2", "n2", 1, "web")));
  }

  @Test
  void claimsOfANodeWhoseLeaseRanOutAreDroppedByLogTime() {
    at(0, new Claim("ann", "s1", "n1", 1, "web"));
    at(0, new Claim("bob", "s1", "n2", 1, "web"));
    at(20_000, new NodeLease("n2", 1));
    at(30_000, msg("lobby", "s", null, "exactly 30 s: still held"));
    assertNotNull(state.holder("ann"));
    at(30_001, msg("lobby", "s", null, "past 30 s"));
    assertNull(state.holder("ann"), "n1 sent no lease for more than 30 s");
    assertNotNull(state.holder("bob"), "n2 renewed at 20 s");
    Applied.Dropped d =
        (Applied.Dropped)
            changes.stream().filter(c -> c instanceof Applied.Dropped).findFirst().orElseThrow();
    assertEquals("ann", d.holder().nick());
    assertEquals("lease expired", d.reason());
    assertEquals(
        new ClaimResult(ClaimStatus.OK), at(30_002, new Claim("ann", "s9", "n3", 1, "web")));
    at(50_001, new NodeLease("n3", 1));
    assertNull(state.holder("bob"), "n2's lease of 20 s ran out at 50 s");
    assertEquals(List.of("n3"), List.copyOf(state.leases().keySet()));
  }

  @Test
  void aRestartedNodeLosesTheClaimsOfItsEarlierIncarnation() {
    at(0, new Claim("ann", "s1", "n1", 1, "web"));
    at(1, new NodeLease("n1", 2));
    assertNull(state.holder("ann"));
    assertEquals(new ClaimResult(ClaimStatus.STALE), at(2, new Claim("bob", "s1", "n1", 1, "web")));
    assertNull(state.holder("bob"));
    assertEquals(new ClaimResult(ClaimStatus.OK), at(3, new Claim("bob", "s1", "n1", 2, "web")));
    at(4, new NodeLease("n1", 1)); // a stale lease changes nothing
    assertEquals(2, state.leases().get("n1"));
    assertNotNull(state.holder("bob"));
  }

  @Test
  void bansAndMutesEndByTheLogsTime() {
    at(0, new Ban("*", "10.0.0.1", "eve", "op", 10_000));
    at(0, new Ban("lobby", "10.0.0.2", null, "op", 0));
    at(0, new Mute("lobby", "Eve", "op", 5_000));
    at(1, new Ban("*", "10.0.0.3", null, "op", 1)); // over before it began
    assertEquals(3, state.restrictions().size());
    at(4_999, msg("r", "s", null, "x"));
    assertEquals(3, state.restrictions().size());
    at(5_000, msg("r", "s", null, "x"));
    assertEquals(2, state.restrictions().size(), "the mute ended at 5 s");
    at(9_999, msg("r", "s", null, "x"));
    assertEquals(2, state.restrictions().size());
    at(10_000, msg("r", "s", null, "x"));
    assertEquals(1, state.restrictions().size());
    assertEquals("10.0.0.2", state.restrictions().get(0).mask());
    assertEquals(
        2, changes.stream().filter(c -> c instanceof Applied.Lifted l && l.expired()).count());
    at(10_001, new Unban("lobby", "10.0.0.2"));
    assertTrue(state.restrictions().isEmpty());
    at(10_002, new Mute("*", "Bob", "op", 0));
    at(10_003, new Unmute("*", "bob"));
    assertTrue(state.restrictions().isEmpty(), "mutes are by nick, case-insensitively");
    at(10_004, new Mute("*", "Bob", "op", 0));
    assertEquals(RestrictionKind.MUTE, state.restrictions().get(0).kind());
  }

  @Test
  void aBatchAppliesLikeItsCommandsOneByOne() {
    // chunks of up to 7 entries with one time, as a batch gets one leader time
    List<Entry> random = randomLog(7, 600);
    List<List<Entry>> chunks = new ArrayList<>();
    for (int i = 0; i < random.size(); i += 1 + (i % 7)) {
      int end = Math.min(random.size(), i + 1 + (i % 7));
      long time = random.get(i).time();
      chunks.add(random.subList(i, end).stream().map(e -> new Entry(time, e.command())).toList());
    }
    ParleyState one = new ParleyState(50);
    ParleyState batched = new ParleyState(50);
    List<Result> expected = new ArrayList<>();
    List<Result> got = new ArrayList<>();
    long index = 1;
    for (List<Entry> chunk : chunks) {
      for (Entry e : chunk) {
        expected.add(one.apply(index, e).result());
      }
      Commands.Batch b = new Commands.Batch(chunk.stream().map(Entry::command).toList());
      got.addAll(
          ((Commands.Results) batched.apply(index, new Entry(chunk.get(0).time(), b)).result())
              .results());
      index++;
    }
    assertEquals(expected, got);
    assertArrayEquals(bytes(one), bytes(batched));
  }
}

package parley.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
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

class CommandsTest {
  static final List<Command> ALL =
      List.of(
          new Init(-42L),
          new Append("lobby", "n1", "s1", "m1", Kind.MESSAGE, "ann", "telnet", "héllo ✓ 👋"),
          new Append("lobby", "n1", null, null, Kind.ACTION, "ann", null, null),
          new Append("r", "n2", "s2", "", Kind.TOPIC, "bob", "web", ""),
          new Claim("Ann", "s1", "n1", 7, "telnet"),
          new Release("ann", "s1", "n1"),
          new NodeLease("n3", Long.MAX_VALUE),
          new Ban("*", "10.0.0.1", "eve", "op", 123_456),
          new Ban("lobby", "10.0.0.2", null, "op", 0),
          new Unban("*", "10.0.0.1"),
          new Mute("lobby", "Eve", "op", 99),
          new Unmute("lobby", "eve"),
          new Join("lobby", "s1", "n1", "Ann ✓"),
          new Join("r", null, "n2", ""),
          new Leave("lobby", "s1", "n1"),
          new Commands.Batch(
              List.of(
                  new Append("lobby", "n1", "s1", null, Kind.MESSAGE, "ann", "telnet", "one"),
                  new Join("lobby", "s1", "n1", "ann"),
                  new Append("lobby", "n1", "s1", null, Kind.MESSAGE, "ann", "telnet", "two"))),
          new Commands.Register("Ann", "pbkdf2-sha256$600000$c2FsdA==$a2V5", 1_700_000_000_000L),
          new Commands.SetPassword("ann", "pbkdf2-sha256$100000$c2FsdA==$a2V5"),
          new Commands.DropAccount("ann"),
          new Commands.SetRole("ann", "admin", true),
          new Commands.SetRole("ann", "moderator", false),
          new Commands.AddToken("ann", "ab12", "web", 5),
          new Commands.DropToken("ann", "ab12"),
          new Commands.Seen("ann", "lobby", Long.MAX_VALUE),
          new Commands.ForgetRoom("ann", "lobby"),
          new Commands.QueueOffline("ann", "bob", "telnet", "héllo ✓", 7),
          new Commands.QueueOffline("ann", "bob", null, "", 0),
          new Commands.TakeOffline("ann"));

  @Test
  void everyCommandRoundTripsWithItsTime() {
    for (Command c : ALL) {
      Entry e = new Entry(1_700_000_000_123L, c);
      assertEquals(e, Commands.decode(Commands.encode(e)), c.toString());
      assertEquals(new Entry(0, c), Commands.decode(Commands.encode(c)), c.toString());
    }
  }

  @Test
  void stampingKeepsTheCommand() {
    Entry e = Commands.decode(Commands.encode(ALL.get(1))).stamped(55);
    assertEquals(new Entry(55, ALL.get(1)), Commands.decode(Commands.encode(e)));
  }

  @Test
  void theFirstByteIsTheFormatVersion() {
    for (Command c : ALL) {
      assertEquals(Commands.VERSION, Commands.encode(c)[0]);
    }
    assertEquals(Commands.VERSION, Commands.encodeResult(new Done(1))[0]);
  }

  @Test
  void anUnknownVersionIsRefusedNotGuessed() {
    byte[] b = Commands.encode(ALL.get(1));
    b[0] = (byte) (Commands.VERSION + 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Commands.decode(b));
    assertTrue(e.getMessage().contains("version"), e.getMessage());
    byte[] r = Commands.encodeResult(new Done(1));
    r[0] = 9;
    assertThrows(IllegalArgumentException.class, () -> Commands.decodeResult(r));
  }

  @Test
  void truncatedOrUnknownBytesAreRefused() {
    byte[] b = Commands.encode(ALL.get(1));
    for (int n = 0; n < b.length; n++) {
      byte[] cut = Arrays.copyOf(b, n);
      assertThrows(IllegalArgumentException.class, () -> Commands.decode(cut), "length " + n);
    }
    byte[] tag = Commands.encode(new Init(1));
    tag[9] = 99;
    assertThrows(IllegalArgumentException.class, () -> Commands.decode(tag));
    byte[] longer = Arrays.copyOf(b, b.length + 1);
    assertThrows(IllegalArgumentException.class, () -> Commands.decode(longer));
  }

  @Test
  void aBatchHoldsNoBatch() {
    Command inner = new Commands.Batch(List.of(new Init(1)));
    assertThrows(IllegalArgumentException.class, () -> new Commands.Batch(List.of(inner)));
  }

  @Test
  void resultsRoundTrip() {
    for (Result r :
        List.<Result>of(
            new Appended(-5, 17, 1234, false),
            new Appended(5, 1, 0, true),
            new ClaimResult(ClaimStatus.OK),
            new ClaimResult(ClaimStatus.TAKEN),
            new ClaimResult(ClaimStatus.STALE),
            new Done(0),
            new Commands.Flag(true),
            new Commands.Flag(false),
            new Commands.Mail(List.of()),
            new Commands.Mail(
                List.of(
                    new OfflineMessage(1, "bob", "telnet", "héllo ✓", Instant.ofEpochMilli(7)),
                    new OfflineMessage(2, "cy", null, "", Instant.ofEpochMilli(0)))),
            new Commands.Results(
                List.of(new Appended(1, 2, 3, false), new ClaimResult(ClaimStatus.OK))))) {
      assertEquals(r, Commands.decodeResult(Commands.encodeResult(r)));
    }
  }
}

package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatCoreTest {
  private final ChatCore core = new ChatCore();

  private static SessionState session() {
    SessionState s = new SessionState("telnet", Instant.parse("2026-11-21T10:00:00Z"));
    s.nick = "alice";
    s.rooms.add("lobby");
    s.currentRoom = "lobby";
    return s;
  }

  @Test
  void plainTextIsSaidToTheCurrentRoom() {
    assertEquals(new Action.Say("lobby", "hello"), core.interpret("  hello  ", session()));
    assertEquals(
        new Action.Say("lobby", "/not a command"), core.interpret("//not a command", session()));
    assertInstanceOf(Action.None.class, core.interpret("   ", session()));
  }

  @Test
  void withoutARoomTextIsRefused() {
    SessionState s = session();
    s.rooms.clear();
    s.currentRoom = null;
    Action a = core.interpret("hello", s);
    assertEquals("no_room", ((Action.Error) a).code());
  }

  @Test
  void commandsAndAliasesParse() {
    SessionState s = session();
    assertEquals(new Action.ChangeNick("bob"), core.interpret("/nick bob", s));
    assertEquals(new Action.ChangeNick("bob"), core.interpret("/NICK bob", s));
    assertEquals(new Action.Me("lobby", "waves hello"), core.interpret("/me waves hello", s));
    assertEquals(new Action.Who(null), core.interpret("/who", s));
    assertEquals(new Action.Who("dev"), core.interpret("/who #Dev", s));
    assertEquals(new Action.Quit("quit"), core.interpret("/quit", s));
    assertEquals(new Action.Quit("bye all"), core.interpret("/exit bye all", s));
    assertEquals(new Action.Quit("quit"), core.interpret("/q", s));
    assertEquals(new Action.Join("dev"), core.interpret("/join #dev", s));
    assertEquals(new Action.Leave("lobby"), core.interpret("/leave", s));
    assertEquals(new Action.Msg("bob", "psst there"), core.interpret("/msg bob psst there", s));
    assertEquals(new Action.History("lobby", 50), core.interpret("/history 50", s));
    assertEquals(new Action.Topic("lobby", null), core.interpret("/topic", s));
    assertEquals(new Action.Topic("lobby", "new topic"), core.interpret("/topic new topic", s));
    assertEquals(new Action.Preference("color", false), core.interpret("/color off", s));
    assertInstanceOf(Action.Notice.class, core.interpret("/?", s));
  }

  @Test
  void badArgumentsGiveUsage() {
    SessionState s = session();
    assertEquals("usage", ((Action.Error) core.interpret("/nick", s)).code());
    assertEquals("usage", ((Action.Error) core.interpret("/msg bob", s)).code());
    assertEquals("usage", ((Action.Error) core.interpret("/history lots", s)).code());
    assertEquals("usage", ((Action.Error) core.interpret("/color maybe", s)).code());
    assertEquals("nick_invalid", ((Action.Error) core.interpret("/nick b@d", s)).code());
    assertEquals(
        "nick_invalid", ((Action.Error) core.interpret("/nick " + "x".repeat(25), s)).code());
    assertEquals("room_invalid", ((Action.Error) core.interpret("/join #no/slash", s)).code());
    assertEquals("unknown_command", ((Action.Error) core.interpret("/frobnicate", s)).code());
  }

  @Test
  void helpIsGeneratedFromTheTable() {
    SessionState s = session();
    List<String> help = ((Action.Notice) core.interpret("/help", s)).lines();
    for (Command c : core.commands()) {
      boolean listed =
          help.stream().anyMatch(l -> l.contains(c.synopsis()) && l.contains(c.summary()));
      assertEquals(c.needs() == null, listed, c.name());
    }
    s.roles = Set.of(Role.MODERATOR);
    List<String> modHelp = core.help(s);
    assertTrue(modHelp.stream().anyMatch(l -> l.contains("/kick")));
    assertTrue(modHelp.stream().noneMatch(l -> l.contains("/grant")));
    s.roles = Set.of(Role.ADMIN);
    List<String> adminHelp = core.help(s);
    assertTrue(adminHelp.stream().anyMatch(l -> l.contains("/kick")));
    assertTrue(adminHelp.stream().anyMatch(l -> l.contains("/grant")));
  }

  @Test
  void operatorCommandsNeedOperators() {
    SessionState s = session();
    assertEquals("not_operator", ((Action.Error) core.interpret("/kick bob", s)).code());
    s.roles = Set.of(Role.MODERATOR);
    assertEquals(new Action.Kick("bob", "spam"), core.interpret("/kick bob spam", s));
    assertEquals(new Action.Ban("bob", 7200), core.interpret("/ban bob 2h", s));
    assertEquals(new Action.Ban("10.0.0.1", 0), core.interpret("/ban 10.0.0.1", s));
    assertEquals(new Action.Mute("bob", 600), core.interpret("/mute bob", s));
    assertEquals(new Action.Mute("bob", 30), core.interpret("/mute bob 30s", s));
    assertEquals(new Action.Ban("account:Bob", 3600), core.interpret("/ban account:Bob 1h", s));
    assertEquals("Bob", Account.masked("ACCOUNT:Bob"));
    assertEquals("account:bob", Account.mask("Bob"));
    assertNull(Account.masked("10.0.0.1"));
  }

  @Test
  void rolesAreGrantedAndRevokedByAdminsOnly() {
    SessionState s = session();
    s.roles = Set.of(Role.MODERATOR);
    Action.Error refused = (Action.Error) core.interpret("/grant bob moderator", s);
    assertEquals("not_operator", refused.code());
    assertTrue(refused.message().contains("for admins"), refused.message());
    s.roles = Set.of(Role.ADMIN);
    assertEquals(
        new Action.SetRole("bob", Role.MODERATOR, true), core.interpret("/grant bob Moderator", s));
    assertEquals(
        new Action.SetRole("bob", Role.ADMIN, false), core.interpret("/revoke bob admin", s));
    assertEquals("usage", ((Action.Error) core.interpret("/grant bob king", s)).code());
    assertEquals("usage", ((Action.Error) core.interpret("/revoke bob", s)).code());
    assertEquals("nick_invalid", ((Action.Error) core.interpret("/grant b@d admin", s)).code());
    // an admin may do what a moderator may
    assertEquals(new Action.Kick("bob", "kicked"), core.interpret("/kick bob", s));
  }

  @Test
  void nickRules() {
    assertNull(Nick.problem("a", 24));
    assertNull(Nick.problem("Alice_the-2nd", 24));
    assertNull(Nick.problem("x".repeat(24), 24));
    assertTrue(Nick.problem("", 24).contains("at least"));
    assertTrue(Nick.problem("x".repeat(25), 24).contains("at most 24"));
    assertTrue(Nick.problem("al ice", 24).contains("only"));
    assertTrue(Nick.problem("émile", 24).contains("only"));
    assertEquals(Nick.key("ALICE"), Nick.key("alice"));
  }

  @Test
  void roomRules() {
    assertEquals("dev", RoomName.normalize("#Dev"));
    assertNull(RoomName.problem("dev-ops_2", 32));
    assertTrue(RoomName.problem("x".repeat(33), 32).contains("at most"));
    assertTrue(RoomName.problem("", 32).contains("at least"));
  }

  @Test
  void durations() {
    assertEquals(30, Durations.parseSeconds("30s"));
    assertEquals(600, Durations.parseSeconds("10"));
    assertEquals(7200, Durations.parseSeconds("2h"));
    assertEquals(86400 * 7, Durations.parseSeconds("7d"));
    assertEquals(-1, Durations.parseSeconds("soon"));
    assertEquals("45s", Durations.format(45));
    assertEquals("3m", Durations.format(200));
    assertEquals("2h05m", Durations.format(7500));
  }
}

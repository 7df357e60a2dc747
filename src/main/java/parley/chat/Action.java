package parley.chat;

import java.util.List;

/** What the chat core decided a line of input means. The transport-independent service carries it out. */
public sealed interface Action {

  /** Nothing to do (an empty line). */
  record None() implements Action {
  }

  /** Reply to the sender only, with notice lines. */
  record Notice(List<String> lines) implements Action {
  }

  /** Reply to the sender only, with an error. */
  record Error(String code, String message) implements Action {
  }

  record Say(String room, String text) implements Action {
  }

  record Me(String room, String text) implements Action {
  }

  record ChangeNick(String nick) implements Action {
  }

  record Who(String room) implements Action {
  }

  record Quit(String reason) implements Action {
  }

  record Join(String room) implements Action {
  }

  record Leave(String room) implements Action {
  }

  record Rooms() implements Action {
  }

  /** Show ({@code text == null}) or set the topic. */
  record Topic(String room, String text) implements Action {
  }

  record Msg(String nick, String text) implements Action {
  }

  record History(String room, int count) implements Action {
  }

  /** A display preference of the sender's own session: {@code color}, {@code ascii}. */
  record Preference(String name, boolean on) implements Action {
  }

  record Op(String password) implements Action {
  }

  record Kick(String nick, String reason) implements Action {
  }

  /** Ban a nickname's address, or an address; {@code seconds == 0} means until unbanned. */
  record Ban(String target, long seconds) implements Action {
  }

  record Unban(String target) implements Action {
  }

  record Mute(String nick, long seconds) implements Action {
  }
}

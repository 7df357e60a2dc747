package parley.chat;

import java.time.Instant;
import java.util.List;

/** Something said to one session only. Each transport renders it its own way. */
public sealed interface Reply {

  /** Server text for the user: command output, confirmations. */
  record Notice(List<String> lines) implements Reply {
    public Notice(String line) {
      this(List.of(line));
    }
  }

  record Error(String code, String message) implements Reply {
  }

  record Welcome(String nick, String node, String motd) implements Reply {
  }

  /** You are now in {@code room}: its topic, some of its members (all in a small room) and how many there are. */
  record Joined(String room, String topic, List<String> members, int count) implements Reply {
  }

  record Left(String room) implements Reply {
  }

  /** @param room null for everyone on the server */
  record Who(String room, List<UserRecord> users, Instant now) implements Reply {
  }

  /** @param missed how many older messages asked for are no longer retained */
  record History(String room, List<ChatEvent> events, long missed) implements Reply {
  }

  record Rooms(List<RoomInfo> rooms) implements Reply {
  }
}

package parley.room;

import java.util.ArrayList;
import java.util.List;
import parley.chat.ChatEvent;

/** Joins and leaves of one big room, waiting for the next summary. */
final class Crowd {
  private static final int NAMES = 5;
  final String room;
  private final List<String> joined = new ArrayList<>();
  private final List<String> left = new ArrayList<>();
  private int joins;
  private int leaves;

  Crowd(String room) {
    this.room = room;
  }

  synchronized void add(ChatEvent e) {
    if (e.type() == ChatEvent.Type.JOIN) {
      if (joined.size() < NAMES) {
        joined.add(e.nick());
      }
      joins++;
    } else {
      if (left.size() < NAMES) {
        left.add(e.nick());
      }
      leaves++;
    }
  }

  /** The summary since the last one, or null when nobody came or went. */
  synchronized String take() {
    if (joins == 0 && leaves == 0) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    if (joins > 0) {
      b.append(joins)
          .append(joins == 1 ? " user" : " users")
          .append(" joined: ")
          .append(names(joined, joins));
    }
    if (leaves > 0) {
      b.append(joins > 0 ? "; " : "")
          .append(leaves)
          .append(leaves == 1 ? " user" : " users")
          .append(" left: ")
          .append(names(left, leaves));
    }
    joined.clear();
    left.clear();
    joins = 0;
    leaves = 0;
    return b.toString();
  }

  private static String names(List<String> some, int all) {
    return String.join(", ", some)
        + (all > some.size() ? " and " + (all - some.size()) + " more" : "");
  }
}

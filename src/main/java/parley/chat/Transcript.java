package parley.chat;

/** One event as a line of the human-readable chat log: {@code #lobby <alice> hello}. */
public final class Transcript {
  private Transcript() {}

  public static String line(ChatEvent e) {
    String room = e.room() == null ? "" : RoomName.display(e.room()) + " ";
    String text = e.text() == null ? "" : e.text().replace("\n", "\n    ");
    return switch (e.type()) {
      case MESSAGE -> room + "<" + e.nick() + "> " + text;
      case ACTION -> room + "* " + e.nick() + " " + text;
      case TOPIC -> room + "-- " + e.nick() + " set the topic: " + text;
      case JOIN -> room + "-- " + e.nick() + " (" + e.via() + ") joined";
      case LEAVE -> room + "-- " + e.nick() + " left (" + text + ")";
      case SUMMARY -> room + "-- " + text;
      case NICK -> room + "-- " + e.target() + " is now " + e.nick();
      case PRIVATE -> "(private) " + e.nick() + " -> " + e.target();
      case NOTICE -> room + "*** " + text;
    };
  }
}

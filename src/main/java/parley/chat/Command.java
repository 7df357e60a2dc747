package parley.chat;

import java.util.List;

/**
 * One entry of the command table: the verb, its aliases, its argument usage, a one-line summary,
 * the role it needs (null: anyone's), and the handler that turns the argument text into an {@link
 * Action}. {@code /help} is generated from the table.
 */
public record Command(
    String name, List<String> aliases, String usage, String summary, Role needs, Handler handler) {

  @FunctionalInterface
  public interface Handler {
    /**
     * @param args the text after the verb, trimmed; empty when there is none
     */
    Action apply(SessionState session, String args);
  }

  public String synopsis() {
    return "/" + name + (usage.isEmpty() ? "" : " " + usage);
  }

  public Action.Error usageError() {
    return new Action.Error(ErrorCode.USAGE, "usage: " + synopsis());
  }
}

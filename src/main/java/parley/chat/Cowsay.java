package parley.chat;

import java.util.ArrayList;
import java.util.List;

/** The classic cow and its speech bubble, as plain text lines joined with '\n'. */
public final class Cowsay {
  private static final int WIDTH = 40;

  private Cowsay() {}

  public static String render(String text) {
    List<String> lines = wrap(text, WIDTH);
    int w = lines.stream().mapToInt(String::length).max().orElse(0);
    StringBuilder b = new StringBuilder();
    b.append(' ').append("_".repeat(w + 2)).append('\n');
    if (lines.size() == 1) {
      b.append("< ").append(lines.get(0)).append(" >\n");
    } else {
      for (int i = 0; i < lines.size(); i++) {
        char l = i == 0 ? '/' : i == lines.size() - 1 ? '\\' : '|';
        char r = i == 0 ? '\\' : i == lines.size() - 1 ? '/' : '|';
        String line = lines.get(i);
        b.append(l)
            .append(' ')
            .append(line)
            .append(" ".repeat(w - line.length()))
            .append(' ')
            .append(r)
            .append('\n');
      }
    }
    b.append(' ').append("-".repeat(w + 2)).append('\n');
    b.append("        \\   ^__^\n");
    b.append("         \\  (oo)\\_______\n");
    b.append("            (__)\\       )\\/\\\n");
    b.append("                ||----w |\n");
    b.append("                ||     ||");
    return b.toString();
  }

  static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.strip().split("\\s+")) {
      while (word.length() > width) {
        if (line.length() > 0) {
          out.add(line.toString());
          line.setLength(0);
        }
        out.add(word.substring(0, width));
        word = word.substring(width);
      }
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        out.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0 || out.isEmpty()) {
      out.add(line.toString());
    }
    return out;
  }
}

package parley.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4): {@code # HELP} and {@code #
 * TYPE} lines, and samples {@code name{label="value",...} value [timestamp]} with the format's
 * escapes. No maintained Java parser of this format is on Maven Central (the Prometheus Java client
 * only writes it), so the tests use this one, and {@code promtool check metrics} as the reference
 * validator. A malformed line is an {@link IllegalArgumentException} naming it.
 */
public final class PromText {
  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PromText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  public static PromText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      try {
        if (line.startsWith("#")) {
          String[] parts = line.split(" ", 4);
          if (parts.length >= 4 && parts[1].equals("TYPE")) {
            if (types.put(parts[2], parts[3]) != null) {
              throw new IllegalArgumentException("a second TYPE for " + parts[2]);
            }
          }
          continue;
        }
        samples.add(sample(line));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("line " + n + " \"" + line + "\": " + e.getMessage(), e);
      }
    }
    return new PromText(samples, types);
  }

  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && nameChar(line.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("no metric name");
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int start = i;
        while (nameChar(line.charAt(i), i == start)) {
          i++;
        }
        String label = line.substring(start, i);
        if (label.isEmpty() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
          throw new IllegalArgumentException("bad label at column " + i);
        }
        i += 2;
        StringBuilder value = new StringBuilder();
        for (char c; (c = line.charAt(i)) != '"'; i++) {
          if (c == '\\') {
            char e = line.charAt(++i);
            value.append(e == 'n' ? '\n' : e);
          } else {
            value.append(c);
          }
        }
        i++;
        if (labels.put(label, value.toString()) != null) {
          throw new IllegalArgumentException("label " + label + " twice");
        }
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String[] rest = line.substring(i).strip().split(" +");
    if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
      throw new IllegalArgumentException("expected a value and an optional timestamp");
    }
    return new Sample(name, Map.copyOf(labels), number(rest[0]));
  }

  private static double number(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static boolean nameChar(char c, boolean first) {
    return c == '_'
        || c == ':'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The declared type of a metric family ({@code counter}, {@code gauge}, ...), or null. */
  public String type(String family) {
    return types.get(family);
  }

  /** The samples of that name whose labels include {@code labels} (pairs of name and value). */
  public List<Sample> find(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      if (s.name.equals(name) && has(s, labels)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The value of the one sample of that name with those labels; fails if there is not one. */
  public double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError(
          found.size() + " samples of " + name + " " + List.of(labels) + ": " + found);
    }
    return found.get(0).value;
  }

  private static boolean has(Sample s, String[] labels) {
    for (int i = 0; i + 1 < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
        return false;
      }
    }
    return true;
  }
}

package parley.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one JSON object of the configuration, checking types and ranges, and naming the full key in
 * every error. Keys it was not asked for are reported as unknown, so a typo never passes silently.
 *
 * <p>Every key can also come from an environment variable named by {@link #variable}: {@code
 * telnet.port} from {@code PARLEY_TELNET_PORT}. A value is taken from the command-line flags, else
 * the environment, else the config file, else the default. A variable's text is converted to the
 * type asked for (a list is comma-separated) and checked like the file's value; its errors name
 * both the variable and the key. An unknown {@code PARLEY_*} variable is an error like an unknown
 * key.
 */
final class ConfigReader {
  static final String ENV_PREFIX = "PARLEY_";

  /** {@code PARLEY_*} variables that launch scripts read (bin/test, bench/), not settings. */
  static final Set<String> LAUNCHER_VARIABLES =
      Set.of("PARLEY_JVM_OPTS", "PARLEY_JVM_FLAGS", "PARLEY_JAR", "PARLEY_SKIP_BENCH");

  private final JsonObject json;
  private final JsonObject flags;
  private final Map<String, String> env;

  /** The variables of every key asked for so far, in every section. */
  private final Set<String> known;

  private final String prefix;
  private final Set<String> seen = new HashSet<>();

  /** The names whose value came from the environment. */
  private final Set<String> fromEnv = new HashSet<>();

  /**
   * @param file the config file's object
   * @param flags the command-line flags' values, in the same shape
   * @param env the environment (System.getenv() in Main)
   */
  ConfigReader(JsonObject file, JsonObject flags, Map<String, String> env) {
    this(file, flags, env, new HashSet<>(), "");
  }

  private ConfigReader(
      JsonObject json,
      JsonObject flags,
      Map<String, String> env,
      Set<String> known,
      String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.flags = flags == null ? new JsonObject() : flags;
    this.env = env;
    this.known = known;
    this.prefix = prefix;
  }

  /**
   * The environment variable of a key: {@code PARLEY_}, then the key with each camelCase word and
   * each dot part separated by {@code _}, upper-cased: {@code limits.maxConnectionsPerIp} is {@code
   * PARLEY_LIMITS_MAX_CONNECTIONS_PER_IP}.
   */
  static String variable(String key) {
    StringBuilder v = new StringBuilder(ENV_PREFIX);
    char previous = '.';
    for (char c : key.toCharArray()) {
      if (c == '.') {
        v.append('_');
      } else {
        if (Character.isUpperCase(c)
            && (Character.isLowerCase(previous) || Character.isDigit(previous))) {
          v.append('_');
        }
        v.append(Character.toUpperCase(c));
      }
      previous = c;
    }
    return v.toString();
  }

  private String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  /** The key, and the variable too when the value came from the environment. */
  private String label(String name) {
    return fromEnv.contains(name) ? variable(key(name)) + " (" + key(name) + ")" : key(name);
  }

  /**
   * The value of a key: from the flags, the environment (its text converted by {@code fromText}),
   * or the file; null when none has it.
   */
  private Object raw(String name, Function<String, Object> fromText) {
    seen.add(name);
    String variable = variable(key(name));
    known.add(variable);
    if (flags.containsKey(name)) {
      return flags.getValue(name);
    }
    String text = env.get(variable);
    if (text != null) {
      fromEnv.add(name);
      return fromText.apply(text);
    }
    return json.getValue(name);
  }

  ConfigReader section(String name) {
    seen.add(name);
    Object v = json.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name) + " must be an object, like {\"...\": ...}");
    }
    return new ConfigReader((JsonObject) v, flags.getJsonObject(name), env, known, key(name));
  }

  int integer(String name, int def, int min, int max) {
    Object v = raw(name, ConfigReader::wholeNumber);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < min
        || n.longValue() > max) {
      throw new ConfigException(
          label(name)
              + " must be a whole number from "
              + min
              + " to "
              + max
              + " (got "
              + show(v)
              + ")");
    }
    return n.intValue();
  }

  String string(String name, String def) {
    Object v = raw(name, text -> text);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(label(name) + " must be a string (got " + show(v) + ")");
    }
    return s;
  }

  boolean bool(String name, boolean def) {
    Object v =
        raw(
            name,
            text -> text.equals("true") || text.equals("false") ? Boolean.valueOf(text) : text);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Boolean b)) {
      throw new ConfigException(label(name) + " must be true or false (got " + show(v) + ")");
    }
    return b;
  }

  String oneOf(String name, String def, String... allowed) {
    String s = string(name, def);
    for (String a : allowed) {
      if (a.equals(s)) {
        return s;
      }
    }
    throw new ConfigException(
        label(name) + " must be one of " + String.join(", ", allowed) + " (got \"" + s + "\")");
  }

  List<String> strings(String name, List<String> def) {
    Object v =
        raw(
            name,
            text ->
                new JsonArray(
                    text.isBlank()
                        ? List.of()
                        : Arrays.stream(text.split(",", -1)).map(String::strip).toList()));
    if (v == null) {
      return def;
    }
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(label(name) + " must be a list of strings (got " + show(v) + ")");
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw new ConfigException(
            label(name) + " must be a list of strings (got " + show(o) + " in it)");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  ConfigException invalid(String name, String why) {
    return new ConfigException(label(name) + " " + why);
  }

  /**
   * Fails on any key of this object that no one read; for the whole configuration (called last),
   * also on any {@code PARLEY_*} variable that names no key.
   */
  void rejectUnknown() {
    for (String name : json.fieldNames()) {
      if (!seen.contains(name)) {
        throw new ConfigException(
            key(name) + " is not a known setting (see README.md, Configuration)");
      }
    }
    if (!prefix.isEmpty()) {
      return;
    }
    for (String variable : new TreeSet<>(env.keySet())) {
      if (variable.startsWith(ENV_PREFIX)
          && !known.contains(variable)
          && !LAUNCHER_VARIABLES.contains(variable)) {
        throw new ConfigException(
            "environment variable "
                + variable
                + " is not a known setting"
                + didYouMean(variable)
                + " (see README.md, Configuration)");
      }
    }
  }

  /** {@code ; did you mean X?} for the known variable nearest to a misspelt one, if near. */
  private String didYouMean(String variable) {
    String best = null;
    int bestDistance = 4; // more edits than 3: no suggestion
    for (String k : new TreeSet<>(known)) {
      int d = distance(variable, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean " + best + "?";
  }

  /** The Levenshtein edit distance. */
  private static int distance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int above = row[j];
        int substitute = diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        row[j] = Math.min(substitute, Math.min(above, row[j - 1]) + 1);
        diagonal = above;
      }
    }
    return row[b.length()];
  }

  /** A variable's text as a whole number if it is one, else the text (which then fails). */
  private static Object wholeNumber(String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return text;
    }
  }

  private static String show(Object v) {
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }
}

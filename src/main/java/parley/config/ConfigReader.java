package parley.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one JSON object of the configuration, checking types and ranges, and naming the full key in
 * every error. Keys it was not asked for are reported as unknown, so a typo never passes silently.
 */
final class ConfigReader {
  private final JsonObject json;
  private final String prefix;
  private final Set<String> seen = new HashSet<>();

  ConfigReader(JsonObject json, String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.prefix = prefix;
  }

  private String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  private Object raw(String name) {
    seen.add(name);
    return json.getValue(name);
  }

  ConfigReader section(String name) {
    Object v = raw(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name) + " must be an object, like {\"...\": ...}");
    }
    return new ConfigReader((JsonObject) v, key(name));
  }

  int integer(String name, int def, int min, int max) {
    Object v = raw(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < min
        || n.longValue() > max) {
      throw new ConfigException(
          key(name)
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
    Object v = raw(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(key(name) + " must be a string (got " + show(v) + ")");
    }
    return s;
  }

  boolean bool(String name, boolean def) {
    Object v = raw(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Boolean b)) {
      throw new ConfigException(key(name) + " must be true or false (got " + show(v) + ")");
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
        key(name) + " must be one of " + String.join(", ", allowed) + " (got \"" + s + "\")");
  }

  List<String> strings(String name, List<String> def) {
    Object v = raw(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(key(name) + " must be a list of strings (got " + show(v) + ")");
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw new ConfigException(
            key(name) + " must be a list of strings (got " + show(o) + " in it)");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  ConfigException invalid(String name, String why) {
    return new ConfigException(key(name) + " " + why);
  }

  /** Fails on any key of this object that no one read. */
  void rejectUnknown() {
    for (String name : json.fieldNames()) {
      if (!seen.contains(name)) {
        throw new ConfigException(
            key(name) + " is not a known setting (see README.md, Configuration)");
      }
    }
  }

  private static String show(Object v) {
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }
}

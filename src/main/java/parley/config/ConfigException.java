package parley.config;

/**
 * A configuration or command-line problem; its message is one line meant for the person starting
 * Parley.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}

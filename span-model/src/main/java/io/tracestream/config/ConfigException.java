package io.tracestream.config;

/** A configuration value that cannot be used; the message names the key and what is expected. */
public final class ConfigException extends IllegalArgumentException {
  private final String key;

  public ConfigException(String key, String message) {
    super(key == null ? message : key + ": " + message);
    this.key = key;
  }

  /** The offending key, or null when the problem is not one key (an unreadable file, say). */
  public String key() {
    return key;
  }
}

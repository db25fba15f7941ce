package io.tracestream.config;

import java.util.Locale;

/** A documented configuration key: its name, default (null when unset by default) and meaning. */
public record ConfigKey(String name, String defaultValue, String description) {

  /** The environment form: TRACESTREAM_ + the key upper-cased with '.' and '-' as '_'. */
  public String environmentName() {
    return environmentName(name);
  }

  public static String environmentName(String key) {
    return "TRACESTREAM_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}

package io.tracestream.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolved configuration: the properties file, then environment variables, then {@code --set}, later
 * wins. Typed getters fail with a {@link ConfigException} that names the key.
 */
public final class Settings {
  private static final String KAFKA_PREFIX = "kafka.";
  private static final String KAFKA_ENV_PREFIX = "TRACESTREAM_KAFKA_";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)(|B|KiB|MiB|GiB)");

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static Settings of(Map<String, String> values) {
    return new Settings(values);
  }

  /**
   * @param configFile properties file, or null
   * @param environment the process environment; a known key's environment form, and any
   *     {@code TRACESTREAM_KAFKA_*} (as {@code kafka.*} with '_' read as '.'), override the file
   * @param sets {@code key=value} strings from {@code --set}, applied last
   * @param knownKeys the keys whose environment form is looked up
   */
  public static Settings resolve(Path configFile, Map<String, String> environment, List<String> sets,
      Collection<ConfigKey> knownKeys) {
    Map<String, String> values = new LinkedHashMap<>();
    if (configFile != null) {
      Properties file = new Properties();
      try (Reader reader = Files.newBufferedReader(configFile)) {
        file.load(reader);
      } catch (IOException e) {
        throw new ConfigException(null, "cannot read config file " + configFile + ": " + e);
      }
      file.stringPropertyNames().forEach(k -> values.put(k.trim(), file.getProperty(k).trim()));
    }
    environment.forEach((name, value) -> {
      if (name.startsWith(KAFKA_ENV_PREFIX)) {
        values.put(KAFKA_PREFIX + name.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
            value);
      }
    });
    for (ConfigKey key : knownKeys) {
      String value = environment.get(key.environmentName());
      if (value != null) {
        values.put(key.name(), value.trim());
      }
    }
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(null, "--set expects key=value, got '" + set + "'");
      }
      values.put(set.substring(0, eq).trim(), set.substring(eq + 1).trim());
    }
    return new Settings(values);
  }

  /** Fails naming the first key under {@code prefix} that is not one of {@code known}: a typo must not pass. */
  public void requireKnown(String prefix, Collection<ConfigKey> known) {
    Set<String> names = new TreeSet<>();
    known.stream().map(ConfigKey::name).filter(n -> n.startsWith(prefix)).forEach(names::add);
    for (String key : new TreeSet<>(values.keySet())) {
      if (key.startsWith(prefix) && !names.contains(key)) {
        throw new ConfigException(key, "unknown key; known keys under '" + prefix + "' are " + names);
      }
    }
  }

  public Optional<String> optional(String key) {
    String value = values.get(key);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  public String string(String key, String defaultValue) {
    return optional(key).orElse(defaultValue);
  }

  public int integer(String key, int defaultValue, int min, int max) {
    Optional<String> raw = optional(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected an integer, got '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(key, "expected a value in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  /** A TCP port; 0 asks the OS for a free one (tests). */
  public int port(String key, int defaultValue) {
    return integer(key, defaultValue, 0, 65535);
  }

  /** A duration written {@code 500ms}, {@code 30s}, {@code 1m}, {@code 2h} or {@code 1d}; must be positive. */
  public Duration duration(String key, Duration defaultValue) {
    Optional<String> raw = optional(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    Matcher m = DURATION.matcher(raw.get());
    String expected = "expected a positive duration such as 500ms, 30s, 1m, 2h; got '" + raw.get() + "'";
    if (!m.matches()) {
      throw new ConfigException(key, expected);
    }
    Duration duration;
    try {
      long n = Long.parseLong(m.group(1));
      duration = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } catch (NumberFormatException | ArithmeticException e) { // more digits than a long or a Duration holds
      throw new ConfigException(key, expected);
    }
    if (duration.isZero()) {
      throw new ConfigException(key, expected);
    }
    return duration;
  }

  /** A byte size written as a number of bytes or with KiB, MiB or GiB; within [min, max]. */
  public long bytes(String key, long defaultValue, long min, long max) {
    Optional<String> raw = optional(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    Matcher m = SIZE.matcher(raw.get());
    if (!m.matches()) {
      throw new ConfigException(key, "expected a size such as 1048576, 512KiB, 16MiB; got '" + raw.get() + "'");
    }
    long unit = switch (m.group(2)) {
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      default -> 1L;
    };
    long value;
    try {
      value = Math.multiplyExact(Long.parseLong(m.group(1)), unit); // a plain * would wrap round into range
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(key, "expected a size in [" + min + ", " + max + "] bytes, got '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(key, "expected a size in [" + min + ", " + max + "] bytes, got " + value);
    }
    return value;
  }

  /** The {@code kafka.*} keys with the prefix removed, for the Kafka clients as they are. */
  public Map<String, Object> kafkaClientProperties() {
    Map<String, Object> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(KAFKA_PREFIX)) {
        out.put(k.substring(KAFKA_PREFIX.length()), v);
      }
    });
    out.putIfAbsent("bootstrap.servers", "127.0.0.1:9092");
    return out;
  }

  public Map<String, String> asMap() {
    return values;
  }
}

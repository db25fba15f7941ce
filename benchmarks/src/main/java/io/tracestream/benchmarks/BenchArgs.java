package io.tracestream.benchmarks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A benchmark's options, given as {@code --name value} pairs or {@code -Dbench.name=value}, the
 * arguments first. Unknown names fail at start, naming the known ones.
 */
final class BenchArgs {
  private final Map<String, String> given = new HashMap<>();

  private BenchArgs() {}

  static BenchArgs parse(String[] args, List<String> known) {
    BenchArgs parsed = new BenchArgs();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs (" + String.join(", ", known)
            + "), got '" + args[i] + "'");
      }
      parsed.given.put(args[i].substring(2), args[++i]);
    }
    Set<String> unknown = new java.util.TreeSet<>(parsed.given.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown options " + unknown + "; known: " + String.join(", ", known));
    }
    return parsed;
  }

  String value(String name, String defaultValue) {
    String value = given.get(name);
    return value != null ? value : System.getProperty("bench." + name, defaultValue);
  }

  /** A whole number of at least {@code min}. */
  int number(String name, int defaultValue, int min) {
    String value = value(name, Integer.toString(defaultValue));
    int parsed;
    try {
      parsed = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected a whole number, got '" + value + "'");
    }
    if (parsed < min) {
      throw new IllegalArgumentException(name + ": must be at least " + min + ", got " + parsed);
    }
    return parsed;
  }
}

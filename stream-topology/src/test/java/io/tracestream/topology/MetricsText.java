package io.tracestream.topology;

import io.tracestream.testkit.AdminPort;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a topology instance's /metrics samples (and, through {@link AdminPort}, its /api/dependencies). */
final class MetricsText {
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private MetricsText() {}

  static String scrape(TopologyApp app) {
    return AdminPort.scrape(app.adminPort());
  }

  /** The value of the sample of {@code name} whose labels include all of {@code labels} (a comma-separated list). */
  static OptionalDouble value(String text, String name, String labels) {
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      String have = m.group(3) == null ? "" : m.group(3);
      if (m.group(1).equals(name)
          && (labels.isEmpty() || Arrays.stream(labels.split(",(?=[a-z_]+=)")).allMatch(have::contains))) {
        return OptionalDouble.of(Double.parseDouble(m.group(4)));
      }
    }
    return OptionalDouble.empty();
  }

  /** Every sample of {@code name}: its labels (in the order written) to its value. */
  static Map<Map<String, String>, Double> samples(String text, String name) {
    Map<Map<String, String>, Double> samples = new LinkedHashMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher l = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
        samples.put(labels, Double.parseDouble(m.group(4)));
      }
    }
    return samples;
  }

  /** Every sample whose metric name starts with {@code prefix}, as {@code name{labels}} to value. */
  static Map<String, Double> startingWith(String text, String prefix) {
    Map<String, Double> found = new TreeMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (m.group(1).startsWith(prefix)) {
        found.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(4)));
      }
    }
    return found;
  }

  /** {@code parent->child} to callCount over the last hour; empty while the instance answers other than 200. */
  static Map<String, Long> dependencies(TopologyApp app) {
    return AdminPort.dependencies(app.adminPort(), System.currentTimeMillis(), Duration.ofHours(1));
  }
}

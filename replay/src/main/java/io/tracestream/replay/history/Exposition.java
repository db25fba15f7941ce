package io.tracestream.replay.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the Prometheus text format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format) as the topology's
 * exporters write it: {@code # HELP} and {@code # TYPE} before each family's samples, one sample a
 * line, label values escaped, no timestamps.
 */
final class Exposition {
  /** A family's metadata. */
  record Family(String name, String type, String help) {}

  /**
   * One sample. {@code labels} holds {@code __name__} and every label, sorted by name, as remote write
   * wants them; {@code family} is the family it belongs to.
   */
  record Sample(Family family, Map<String, String> labels, double value) {
    /** The series' identity: its sorted labels. */
    String id() {
      return labels.toString();
    }
  }

  private Exposition() {}

  static List<Sample> parse(String text, Map<String, Family> families) {
    List<Sample> samples = new ArrayList<>();
    String help = "";
    Family current = null;
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        int space = line.indexOf(' ', 7);
        help = space < 0 ? "" : line.substring(space + 1).replace("\\n", "\n").replace("\\\\", "\\");
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        current = families.computeIfAbsent(parts[0], name -> new Family(name, parts[1], ""));
        if (current.help().isEmpty() && !help.isEmpty()) {
          current = new Family(current.name(), current.type(), help);
          families.put(current.name(), current);
        }
        help = "";
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      samples.add(sample(line, current));
    }
    return samples;
  }

  private static Sample sample(String line, Family family) {
    Map<String, String> labels = new TreeMap<>();
    int brace = line.indexOf('{');
    int valueStart;
    if (brace < 0) {
      int space = line.indexOf(' ');
      labels.put("__name__", line.substring(0, space));
      valueStart = space + 1;
    } else {
      labels.put("__name__", line.substring(0, brace));
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String name = line.substring(i, eq);
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char next = line.charAt(++j);
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(c);
          }
        }
        labels.put(name, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      valueStart = i + 2; // past "} "
    }
    return new Sample(family, labels, parseValue(line.substring(valueStart).trim()));
  }

  private static double parseValue(String value) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }
}

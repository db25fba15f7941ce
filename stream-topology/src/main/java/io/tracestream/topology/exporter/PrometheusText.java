package io.tracestream.topology.exporter;

import io.tracestream.topology.model.Exemplar;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), or OpenMetrics 1.0.0
 * (https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md) with exemplars: one
 * {@code # HELP} and one {@code # TYPE} line per family, then its samples, never interleaved with
 * another family. In OpenMetrics a counter's family is named without its samples' {@code _total}, help text
 * escapes double quotes too, and the writer of the whole exposition ends it with {@code # EOF}. Misuse
 * (a family twice, a sample outside its family, a bad name) is a programming error and throws
 * {@link IllegalStateException} or {@link IllegalArgumentException}.
 */
final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
  /** Largest magnitude below which an integral double is written as a plain integer (2^53). */
  private static final double EXACT_INTEGERS = 9_007_199_254_740_992d;

  private final Appendable out;
  private final boolean openMetrics;
  private final Set<String> families = new HashSet<>();
  private String family;
  private String type;

  /** The Prometheus text format, without exemplars. */
  PrometheusText(Appendable out) {
    this(out, false);
  }

  /** @param openMetrics OpenMetrics 1.0.0 with exemplars, instead of the Prometheus text format */
  PrometheusText(Appendable out, boolean openMetrics) {
    this.out = out;
    this.openMetrics = openMetrics;
  }

  /** Starts a family: its {@code # HELP} and {@code # TYPE} lines. Each name at most once. */
  PrometheusText family(String name, String type, String help) throws IOException {
    requireName(METRIC_NAME, name);
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("unknown metric type '" + type + "'");
    }
    if (!families.add(name)) {
      throw new IllegalStateException("family " + name + " written twice");
    }
    this.family = name;
    this.type = type;
    String metadata = openMetrics && type.equals("counter") && name.endsWith("_total")
        ? name.substring(0, name.length() - "_total".length()) : name;
    String typeName = openMetrics && type.equals("untyped") ? "unknown" : type;
    out.append("# HELP ").append(metadata).append(' ').append(escape(help, openMetrics)).append('\n');
    out.append("# TYPE ").append(metadata).append(' ').append(typeName).append('\n');
    return this;
  }

  /**
   * One sample of the current family.
   *
   * @param name the family name, or for a histogram (summary) the family name + {@code _bucket}
   *     ({@code _sum}, {@code _count})
   * @param labels label names and values, alternating
   */
  PrometheusText sample(String name, double value, String... labels) throws IOException {
    return sample(name, value, null, 1, labels);
  }

  /**
   * One sample with an exemplar, written only in OpenMetrics: {@code # {trace_id="..."} value timestamp},
   * the value in the sample's unit, the timestamp in seconds.
   *
   * @param exemplar the exemplar, or null for none
   * @param secondsPerUnit what one unit of the family is in seconds (0.001 for milliseconds)
   */
  PrometheusText sample(String name, double value, Exemplar exemplar, double secondsPerUnit, String... labels)
      throws IOException {
    if (family == null || !belongsToFamily(name)) {
      throw new IllegalStateException("sample " + name + " outside its family (current: " + family + ")");
    }
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels must alternate names and values, got " + labels.length);
    }
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        requireName(LABEL_NAME, labels[i]);
        if (labels[i + 1] == null) {
          throw new IllegalArgumentException("label " + labels[i] + " of " + name + " has no value");
        }
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"").append(escapeLabelValue(labels[i + 1])).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(formatValue(value));
    if (openMetrics && exemplar != null) {
      long ms = exemplar.timestampMs();
      out.append(" # {trace_id=\"").append(escapeLabelValue(exemplar.traceId())).append("\"} ")
          .append(formatValue(exemplar.seconds() / secondsPerUnit)).append(' ')
          .append(Long.toString(Math.floorDiv(ms, 1000))).append('.')
          .append(String.format("%03d", Math.floorMod(ms, 1000)));
    }
    out.append('\n');
    return this;
  }

  private boolean belongsToFamily(String name) {
    if (name.equals(family)) {
      return true;
    }
    boolean histogram = type.equals("histogram");
    boolean summary = type.equals("summary");
    return (histogram && name.equals(family + "_bucket"))
        || ((histogram || summary) && (name.equals(family + "_sum") || name.equals(family + "_count")));
  }

  /**
   * A sample value or {@code le} bound as Prometheus writes it: {@code +Inf}, {@code -Inf},
   * {@code NaN}, integral values without a fraction or exponent ({@code 15000}), others as Java's
   * shortest round-trip decimal, which Go's {@code ParseFloat} reads back exactly.
   */
  static String formatValue(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < EXACT_INTEGERS) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  /** Label values escape backslash, double quote and line feed. */
  static String escapeLabelValue(String value) {
    return escape(value, true);
  }

  /** Help text escapes backslash and line feed only. */
  static String escapeHelp(String help) {
    return escape(help, false);
  }

  /** Escapes backslash and line feed, and double quotes when {@code quote}. */
  private static String escape(String s, boolean quote) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '"' -> b.append(quote ? "\\\"" : "\"");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static void requireName(Pattern pattern, String name) {
    if (name == null || !pattern.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid name '" + name + "'");
    }
  }
}

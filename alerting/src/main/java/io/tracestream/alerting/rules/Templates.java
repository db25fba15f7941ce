package io.tracestream.alerting.rules;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Annotation templates: {@code {{name}}} is replaced by a series label ({@code {{service}}}), the
 * window's value ({@code {{value}}}), the threshold ({@code {{threshold}}}), the rule name
 * ({@code {{rule}}}) or the severity ({@code {{severity}}}). Nothing else is allowed, so a typo fails
 * when the file is loaded rather than showing up in a page.
 */
public final class Templates {
  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");
  static final Set<String> BUILT_IN = Set.of("value", "threshold", "rule", "severity");

  private Templates() {}

  /** The placeholders of {@code template} that are neither built in nor in {@code labels}, sorted. */
  static Set<String> unknown(String template, Iterable<String> labels) {
    Set<String> known = new TreeSet<>(BUILT_IN);
    labels.forEach(known::add);
    Set<String> unknown = new TreeSet<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      if (!known.contains(m.group(1))) {
        unknown.add(m.group(1));
      }
    }
    return unknown;
  }

  /** {@code template} with each placeholder replaced by its value in {@code values} (empty if missing). */
  public static String render(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A value in the signal's unit, as people read it: {@code 734.2ms}, {@code 1.25s}, {@code 7.3%}, {@code 12.5/s}. */
  public static String format(Signal.Unit unit, double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    return switch (unit) {
      case LATENCY -> value < 1000 ? trim(String.format(Locale.ROOT, "%.1f", value)) + "ms"
          : trim(String.format(Locale.ROOT, "%.3f", value / 1000)) + "s";
      case RATIO -> trim(String.format(Locale.ROOT, "%.2f", value * 100)) + "%";
      case RATE -> trim(String.format(Locale.ROOT, "%.2f", value)) + "/s";
    };
  }

  private static String trim(String number) {
    if (!number.contains(".")) {
      return number;
    }
    String t = number.replaceAll("0+$", "");
    return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
  }
}

package io.tracestream.alerting.rules;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One alerting rule, validated: the signal of each matching series is compared with the threshold on
 * every closed window; the alert fires once the condition held for {@code forDuration} of event
 * time, and resolves once it was clear for {@code keepFiringFor}.
 *
 * @param name unique in its file; the {@code alertname} label and the rule's id in alert keys
 * @param line where the rule starts in its file, for messages
 * @param quantile for latency signals, in (0, 1); NaN otherwise
 * @param groupBy the series labels an alert is kept per (the signal's labels by default); series that
 *     differ only in other labels are merged
 * @param threshold in the signal's base unit: milliseconds, a ratio in [0, 1], or calls per second
 * @param thresholdText the threshold as written, for messages and annotations
 * @param minCount windows with fewer spans, traces or calls than this count as clear
 */
public record AlertRule(
    String name,
    int line,
    Signal signal,
    double quantile,
    List<LabelMatcher> matchers,
    List<String> groupBy,
    Operator operator,
    double threshold,
    String thresholdText,
    Duration forDuration,
    Duration keepFiringFor,
    long minCount,
    String severity,
    Map<String, String> labels,
    Map<String, String> annotations) {

  /** Whether a series with these labels (all of the signal's) is evaluated by this rule. */
  public boolean matches(Map<String, String> seriesLabels) {
    for (LabelMatcher m : matchers) {
      if (!m.matches(seriesLabels)) {
        return false;
      }
    }
    return true;
  }

  /** The labels of the alert series a series belongs to: its {@link #groupBy} labels. */
  public Map<String, String> group(Map<String, String> seriesLabels) {
    Map<String, String> out = new TreeMap<>();
    for (String label : groupBy) {
      out.put(label, seriesLabels.getOrDefault(label, ""));
    }
    return out;
  }

  public boolean breached(double value) {
    return operator.holds(value, threshold);
  }
}

package io.tracestream.alerting;

import io.tracestream.alerting.state.AlertStatus;
import java.util.Map;

/**
 * One transition of one alert, the value of {@code tracestream.alerts} records (key: {@link #alertId}),
 * as JSON. Times are epoch milliseconds; window times are event time.
 *
 * @param idempotencyKey {@code alertId@activeSince:status}: the same for the same transition of the
 *     same episode however often it is computed, so a receiver can drop a repeat
 * @param alertId the rule and the series labels, {@code rule{label="value",...}}
 * @param status pending, firing, resolved, or inactive (a pending alert that cleared)
 * @param value the value of the window that caused the transition, in the signal's base unit
 *     (milliseconds, ratio, calls per second); null when that window had no data
 * @param valueText the value as people read it ({@code 734ms}, {@code 7.3%})
 * @param threshold the threshold in the signal's base unit
 * @param labels {@code alertname}, {@code severity}, the rule's labels and the series labels
 * @param annotations the rule's annotations, rendered
 * @param activeSince start of the episode's first breached window
 * @param firedAt end of the window at which the alert fired; -1 before it fired
 * @param page whether the notifier pages it: a firing whose window was not older than
 *     {@code alerting.page.max.age} when evaluated, and the resolve of a firing that was paged
 * @param evaluatedAt wall-clock time of the evaluation
 */
public record AlertTransition(
    String idempotencyKey,
    String alertId,
    String rule,
    AlertStatus status,
    String signal,
    Double value,
    String valueText,
    String operator,
    double threshold,
    String thresholdText,
    Map<String, String> labels,
    Map<String, String> annotations,
    long windowStart,
    long windowEnd,
    long activeSince,
    long firedAt,
    boolean page,
    long evaluatedAt) {

  public static String idempotencyKey(String alertId, long activeSince, AlertStatus status) {
    return alertId + "@" + activeSince + ":" + status.name().toLowerCase(java.util.Locale.ROOT);
  }
}

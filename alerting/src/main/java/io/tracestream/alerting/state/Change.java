package io.tracestream.alerting.state;

/**
 * A transition of one (rule, series), from the window that caused it.
 *
 * @param status the new status
 * @param windowStart start of the window that caused it (epoch ms, event time)
 * @param windowEnd end of that window
 * @param value that window's value; NaN when the window had no data
 * @param activeSince start of the episode's first window: with the rule and the series, what the
 *     idempotency key is made of
 * @param firedAt end of the window at which the alert fired, -1 if it did not
 */
public record Change(AlertStatus status, long windowStart, long windowEnd, double value, long activeSince,
    long firedAt) {}

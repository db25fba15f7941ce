package io.tracestream.alerting.state;

/** Where one (rule, series) stands between windows. */
public enum Phase {
  /** The condition does not hold (or no longer: a resolved alert is inactive again). */
  INACTIVE,
  /** The condition holds, not yet for the rule's {@code for}. */
  PENDING,
  /** The condition held for {@code for}; it has not been clear for longer than {@code keep_firing_for}. */
  FIRING
}

package io.tracestream.alerting.state;

/**
 * What the state machine keeps for one (rule, series) between windows; times are event times, epoch ms.
 * Stored as JSON in the evaluator's state store.
 *
 * @param phase where the alert stands
 * @param activeSince start of the first window of the current episode (pending or firing), else -1; it
 *     makes the transitions' idempotency keys
 * @param firedAt end of the window at which the alert fired, else -1
 * @param lastBreachEnd end of the last window in which the condition held, else -1
 * @param lastSeenEnd end of the last window evaluated (seen, or known to be missing), else -1; an
 *     earlier window arriving later is ignored
 * @param value the value of the last window seen, NaN when none
 */
public record AlertState(Phase phase, long activeSince, long firedAt, long lastBreachEnd, long lastSeenEnd,
    double value) {

  /** Nothing seen yet. */
  public static AlertState initial() {
    return new AlertState(Phase.INACTIVE, -1, -1, -1, -1, Double.NaN);
  }

  AlertState inactiveAt(long seenEnd, double lastValue) {
    return new AlertState(Phase.INACTIVE, -1, -1, -1, seenEnd, lastValue);
  }
}

package io.tracestream.alerting.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The alert state machine of one rule, free of Kafka: inactive → pending → firing → resolved
 * (inactive again), driven by closed windows in event time. A window is "breached" when the rule's
 * condition holds for its value.
 *
 * <ul>
 *   <li>It fires once the condition has held for {@code for}: at the end of the window when
 *       {@code windowEnd - activeSince >= for} (so {@code for: 0} and {@code for} up to one window fire
 *       on the first breached window).
 *   <li>A firing alert resolves once the condition has been clear for longer than
 *       {@code keep_firing_for}: {@code windowEnd - lastBreachEnd > keep_firing_for}.
 *   <li>A window with no data (missing from the input) counts as clear: a pending alert is dropped, a
 *       firing one resolves as it would on a clear window. Absent data never fires an alert.
 *   <li>A window that ends at or before the last one evaluated is ignored: replays and duplicates
 *       cannot move the state back or emit twice.
 * </ul>
 */
public final class AlertStateMachine {
  private final long forMs;
  private final long keepFiringMs;

  public AlertStateMachine(Duration forDuration, Duration keepFiringFor) {
    if (forDuration.isNegative() || keepFiringFor.isNegative()) {
      throw new IllegalArgumentException("for and keep_firing_for must not be negative");
    }
    this.forMs = forDuration.toMillis();
    this.keepFiringMs = keepFiringFor.toMillis();
  }

  /** The next state and the transitions, if any, after one closed window. */
  public record Result(AlertState state, List<Change> changes, boolean late) {}

  /** Evaluates one closed window [windowStart, windowEnd) of the series. */
  public Result observe(AlertState state, long windowStart, long windowEnd, double value, boolean breached) {
    if (windowEnd <= state.lastSeenEnd()) {
      return new Result(state, List.of(), true); // already evaluated (or known missing): never twice
    }
    List<Change> changes = new ArrayList<>();
    AlertState s = state;
    if (s.phase() != Phase.INACTIVE && windowStart > s.lastSeenEnd()) {
      Result gap = noData(s, windowStart, windowEnd - windowStart); // the windows in between had no data
      s = gap.state();
      changes.addAll(gap.changes());
    }
    switch (s.phase()) {
      case INACTIVE -> {
        if (!breached) {
          s = s.inactiveAt(windowEnd, value);
          break;
        }
        if (windowEnd - windowStart >= forMs) {
          s = new AlertState(Phase.FIRING, windowStart, windowEnd, windowEnd, windowEnd, value);
          changes.add(new Change(AlertStatus.FIRING, windowStart, windowEnd, value, windowStart, windowEnd));
        } else {
          s = new AlertState(Phase.PENDING, windowStart, -1, windowEnd, windowEnd, value);
          changes.add(new Change(AlertStatus.PENDING, windowStart, windowEnd, value, windowStart, -1));
        }
      }
      case PENDING -> {
        if (!breached) {
          changes.add(new Change(AlertStatus.INACTIVE, windowStart, windowEnd, value, s.activeSince(), -1));
          s = s.inactiveAt(windowEnd, value);
        } else if (windowEnd - s.activeSince() >= forMs) {
          changes.add(new Change(AlertStatus.FIRING, windowStart, windowEnd, value, s.activeSince(), windowEnd));
          s = new AlertState(Phase.FIRING, s.activeSince(), windowEnd, windowEnd, windowEnd, value);
        } else {
          s = new AlertState(Phase.PENDING, s.activeSince(), -1, windowEnd, windowEnd, value);
        }
      }
      case FIRING -> {
        if (breached) {
          s = new AlertState(Phase.FIRING, s.activeSince(), s.firedAt(), windowEnd, windowEnd, value);
        } else if (windowEnd - s.lastBreachEnd() > keepFiringMs) {
          changes.add(new Change(AlertStatus.RESOLVED, windowStart, windowEnd, value, s.activeSince(), s.firedAt()));
          s = s.inactiveAt(windowEnd, value);
        } else {
          s = new AlertState(Phase.FIRING, s.activeSince(), s.firedAt(), s.lastBreachEnd(), windowEnd, value);
        }
      }
    }
    return new Result(s, List.copyOf(changes), false);
  }

  /**
   * Takes the time from the last window evaluated up to {@code until} as known to have no data for the
   * series (the input has moved past it), which counts as clear, window by window of {@code windowMs}.
   *
   * <p>A transition it causes is dated by the first missing window that decides it, not by
   * {@code until}: a pending alert clears at the end of the first missing window, a firing one resolves
   * at the end of the first missing window that ends more than {@code keep_firing_for} after its last
   * breach. So the times depend on the windows alone, not on when the caller learnt they were missing
   * (a later window of the series, or the event time of other series), and a backtest of the same
   * windows gives the same times as live evaluation did.
   */
  public Result noData(AlertState s, long until, long windowMs) {
    if (windowMs <= 0) {
      throw new IllegalArgumentException("windowMs must be positive, got " + windowMs);
    }
    if (until <= s.lastSeenEnd()) {
      return new Result(s, List.of(), false);
    }
    long from = s.lastSeenEnd();
    long first = Math.min(from + windowMs, until);
    return switch (s.phase()) {
      case INACTIVE -> new Result(s.inactiveAt(until, s.value()), List.of(), false);
      case PENDING -> new Result(s.inactiveAt(until, Double.NaN),
          List.of(new Change(AlertStatus.INACTIVE, from, first, Double.NaN, s.activeSince(), -1)), false);
      case FIRING -> {
        // the first window end from + k * windowMs (k >= 1) with end - lastBreachEnd > keep_firing_for
        long k = Math.max(1, Math.floorDiv(s.lastBreachEnd() + keepFiringMs - from, windowMs) + 1);
        long resolvedAt = from + k * windowMs;
        yield resolvedAt <= until
            ? new Result(s.inactiveAt(until, Double.NaN), List.of(new Change(AlertStatus.RESOLVED,
                resolvedAt - windowMs, resolvedAt, Double.NaN, s.activeSince(), s.firedAt())), false)
            : new Result(new AlertState(Phase.FIRING, s.activeSince(), s.firedAt(), s.lastBreachEnd(), until,
                s.value()), List.of(), false);
      }
    };
  }
}

package io.tracestream.alerting;

import io.tracestream.alerting.state.AlertStatus;

/** What the evaluator counts; a no-op for tests that do not look, one Micrometer implementation. */
interface EvaluatorMetrics {
  EvaluatorMetrics NOOP = new EvaluatorMetrics() {
    @Override
    public void transition(AlertStatus status, boolean paged) {}

    @Override
    public void skipped(String reason) {}
  };

  /** A transition written to the alerts topic; {@code paged} when it will be paged. */
  void transition(AlertStatus status, boolean paged);

  /**
   * An input record or window left out: {@code undecodable} input, a {@code late} window (one already
   * evaluated), an observation of an {@code unknown_rule}, a {@code bad_sketch}.
   */
  void skipped(String reason);
}

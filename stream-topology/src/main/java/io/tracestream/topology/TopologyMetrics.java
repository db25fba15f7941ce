package io.tracestream.topology;

import java.util.function.LongSupplier;

/** What the topology counts in-process (pipeline health), exported on the admin port. */
public interface TopologyMetrics {
  /** An input record that could not be decoded went to the DLQ. */
  void poisonRecord();

  /** Inputs that arrived after their window had closed (end + grace); counted, not aggregated. */
  void late(WindowedInput input, String service, long count);

  /** Inputs of an operation (a server, for edges) past the per-service limit, folded into the overflow series. */
  void overflow(WindowedInput input, String service, long count);

  /**
   * Inputs whose value of {@code dimension} was past its limit of distinct values for the service
   * ({@code topology.dimensions.max.values}) and was folded into {@code __overflow__}.
   */
  void dimensionOverflow(WindowedInput input, String service, String dimension, long count);

  /** Spans whose end time was ahead of wall-clock time by more than the allowed skew, and was clamped. */
  void clampedSpans(long count);

  /**
   * Spans left out of trace assembly: {@code invalid_ids} (not placeable in a trace), {@code trace_too_large}
   * (past the span cap).
   */
  void droppedSpans(String reason, long count);

  /** Spans that arrived for a trace that had already been completed; in span metrics, not in the trace. */
  void lateTraceSpans(long count);

  /** Spans that arrived for a trace completed a short while ago (topology.trace.rejoin) and were joined to it. */
  void rejoinedTraceSpans(long count);

  /** Traces completed and summarized. */
  void tracesCompleted(long count);

  /** Client, server, producer or consumer spans of completed traces that are in no edge, by reason. */
  void unpairedSpans(String reason, long count);

  /**
   * Dependency edges (calls) inferred from a parent and a child span in two services whose kinds do not pair,
   * by {@link io.tracestream.topology.traces.EdgeRule#tag() rule}; counted as trace assembly sends them.
   */
  void inferredEdges(String rule, long count);

  /**
   * Traces trace assembly let go of early because its traces took {@code topology.trace.max.held.bytes}:
   * {@code held="open"} completed early (their summary may miss spans still to come, which then count as late),
   * {@code held="kept"} forgotten before {@code topology.trace.rejoin} (their stragglers count as late).
   */
  void evictedTraces(String held, long count);

  /**
   * Spans whose sampling information was unusable, by {@code source}: {@code trace_state} (an {@code ot=th:}
   * threshold that is not 1 to 14 lowercase hex digits), {@code jaeger} ({@code sampler.type=probabilistic}
   * without a {@code sampler.param} in (0, 1]). They count as 1 span (or as their other source says).
   */
  default void invalidSampling(String source, long count) {}

  /** Registers what reads the bytes the traces held by trace assembly take (a gauge). */
  void heldTraceBytes(LongSupplier bytes);

  TopologyMetrics NOOP = new TopologyMetrics() {
    @Override public void droppedSpans(String reason, long count) {}
    @Override public void lateTraceSpans(long count) {}
    @Override public void rejoinedTraceSpans(long count) {}
    @Override public void tracesCompleted(long count) {}
    @Override public void unpairedSpans(String reason, long count) {}
    @Override public void inferredEdges(String rule, long count) {}
    @Override public void poisonRecord() {}
    @Override public void late(WindowedInput input, String service, long count) {}
    @Override public void overflow(WindowedInput input, String service, long count) {}
    @Override public void dimensionOverflow(WindowedInput input, String service, String dimension, long count) {}
    @Override public void clampedSpans(long count) {}
    @Override public void evictedTraces(String held, long count) {}
    @Override public void heldTraceBytes(LongSupplier bytes) {}
  };
}

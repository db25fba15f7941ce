package io.tracestream.topology;

/** What the topology counts in-process (pipeline health), exported on the admin port. */
public interface TopologyMetrics {
  /** An input record that could not be decoded went to the DLQ. */
  void poisonRecord();

  /** Spans that arrived after their window had closed (end + grace); counted, not aggregated. */
  void lateSpans(String service, long count);

  /** Spans of an operation past the per-service limit, folded into the overflow series. */
  void overflowSpans(String service, long count);

  /** Spans whose end time was ahead of wall-clock time by more than the allowed skew, and was clamped. */
  void clampedSpans(long count);

  /** Spans left out of trace assembly: {@code invalid_ids} (not placeable in a trace), {@code trace_too_large} (past the span cap). */
  void droppedSpans(String reason, long count);

  /** Spans that arrived for a trace that had already been completed; in span metrics, not in the trace. */
  void lateTraceSpans(long count);

  /** Trace summaries that arrived after their trace-metrics window had closed; counted, not aggregated. */
  void lateTraces(String rootService, long count);

  /** Trace summaries of a root operation past the per-service limit, folded into the overflow series. */
  void overflowTraces(String rootService, long count);

  /** Traces completed and summarized. */
  void tracesCompleted(long count);

  /** Dependency edges that arrived after their window had closed; counted, not aggregated. */
  void lateEdges(String client, long count);

  /** Edges from a client to servers past the per-client limit, folded into server {@code __overflow__}. */
  void overflowEdges(String client, long count);

  /** Client, server, producer or consumer spans of completed traces that are in no edge, by reason. */
  void unpairedSpans(String reason, long count);

  TopologyMetrics NOOP = new TopologyMetrics() {
    @Override public void droppedSpans(String reason, long count) {}
    @Override public void lateTraceSpans(long count) {}
    @Override public void tracesCompleted(long count) {}
    @Override public void lateEdges(String client, long count) {}
    @Override public void overflowEdges(String client, long count) {}
    @Override public void unpairedSpans(String reason, long count) {}
    @Override public void lateTraces(String rootService, long count) {}
    @Override public void overflowTraces(String rootService, long count) {}
    @Override public void poisonRecord() {}
    @Override public void lateSpans(String service, long count) {}
    @Override public void overflowSpans(String service, long count) {}
    @Override public void clampedSpans(long count) {}
  };
}

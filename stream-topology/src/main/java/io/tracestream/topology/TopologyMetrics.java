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

  TopologyMetrics NOOP = new TopologyMetrics() {
    @Override public void poisonRecord() {}
    @Override public void lateSpans(String service, long count) {}
    @Override public void overflowSpans(String service, long count) {}
    @Override public void clampedSpans(long count) {}
  };
}

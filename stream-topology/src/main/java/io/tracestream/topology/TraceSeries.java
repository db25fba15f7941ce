package io.tracestream.topology;

import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.traces.TraceSummary;
import java.util.List;

/**
 * Whole-trace SLA metrics: a series per (root service, root operation), duration of the trace; a
 * trace is an error when any of its spans is. The cardinality guard limits root operations per root
 * service.
 */
final class TraceSeries extends LatencySeries<TraceSummary, TraceSeriesKey> {
  static final String WINDOWS_STORE = "trace-metrics-windows";
  static final String STATE_STORE = "trace-metrics-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(TraceSummary trace) { return trace.rootService(); }

  @Override public String operation(TraceSummary trace) { return trace.rootOperation(); }

  @Override
  public TraceSeriesKey series(TraceSummary trace, String admittedService, String admittedOperation) {
    return new TraceSeriesKey(admittedService, admittedOperation);
  }

  @Override double durationMs(TraceSummary trace) { return trace.durationNanos() / 1e6; }

  @Override boolean error(TraceSummary trace) { return trace.error(); }

  @Override public WindowedInput input() { return WindowedInput.TRACES; }

  @Override
  public List<String> parts(TraceSeriesKey key) {
    return List.of(key.rootService(), key.rootOperation());
  }

  @Override
  public TraceSeriesKey fromParts(List<String> p) {
    return new TraceSeriesKey(p.get(0), p.get(1));
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.util.List;
import java.util.Map;

/**
 * Whole-trace SLA metrics: a series per (root service, root operation, trace dimensions), duration of the trace; a
 * trace is an error when any of its spans is. The inputs are partials summed in the trace assembly
 * tasks ({@link TracePreAggregator}), merged here. The cardinality guard limits root operations per root
 * service.
 */
final class TraceSeries implements WindowSeries<TracePartial, TraceSeriesKey, WindowResult> {
  static final String WINDOWS_STORE = "trace-metrics-windows";
  static final String STATE_STORE = "trace-metrics-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(TracePartial traces) { return traces.rootService(); }

  @Override public String operation(TracePartial traces) { return traces.rootOperation(); }

  @Override public long count(TracePartial traces) { return traces.window().count(); }

  @Override public Map<String, String> dimensions(TracePartial traces) { return traces.dimensions(); }

  @Override
  public TraceSeriesKey series(TracePartial traces, String admittedService, String admittedOperation,
      Map<String, String> admittedDimensions) {
    return new TraceSeriesKey(admittedService, admittedOperation, admittedDimensions);
  }

  @Override
  public byte[] add(byte[] window, TracePartial traces) {
    if (window == null) {
      return traces.window().toBytes();
    }
    WindowAccumulator accumulator = WindowAccumulator.fromBytes(window);
    accumulator.merge(traces.window());
    return accumulator.toBytes();
  }

  @Override
  public WindowResult result(byte[] window, long windowStart, long windowEnd) {
    return WindowAccumulator.fromBytes(window).result(windowStart, windowEnd);
  }

  @Override public WindowedInput input() { return WindowedInput.TRACES; }

  @Override
  public List<String> parts(TraceSeriesKey key) {
    return SpanSeries.withDimensions(List.of(key.rootService(), key.rootOperation()), key.dimensions());
  }

  @Override
  public TraceSeriesKey fromParts(List<String> p) {
    return new TraceSeriesKey(p.get(0), p.get(1), SpanSeries.dimensions(p, 2));
  }
}

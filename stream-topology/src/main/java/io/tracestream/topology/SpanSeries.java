package io.tracestream.topology;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Span metrics: a series per (service, span name, span kind, status code, dimensions), duration of the span. The
 * inputs are partial windows summed in the input tasks ({@link SpanPreAggregator}), merged here.
 */
final class SpanSeries implements WindowSeries<SpanPartial, SeriesKey, WindowResult> {
  static final String WINDOWS_STORE = "span-metrics-windows";
  static final String STATE_STORE = "span-metrics-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(SpanPartial spans) { return spans.service(); }

  @Override public String operation(SpanPartial spans) { return spans.operation(); }

  @Override public long count(SpanPartial spans) { return spans.window().count(); }

  @Override public Map<String, String> dimensions(SpanPartial spans) { return spans.dimensions(); }

  @Override
  public SeriesKey series(SpanPartial spans, String admittedService, String admittedOperation,
      Map<String, String> admittedDimensions) {
    return new SeriesKey(admittedService, admittedOperation, kindName(spans.kind()), statusName(spans.status()),
        admittedDimensions);
  }

  @Override
  public byte[] add(byte[] window, SpanPartial spans) {
    if (window == null) {
      return spans.window().toBytes();
    }
    WindowAccumulator accumulator = WindowAccumulator.fromBytes(window);
    accumulator.merge(spans.window());
    return accumulator.toBytes();
  }

  @Override
  public WindowResult result(byte[] window, long windowStart, long windowEnd) {
    return WindowAccumulator.fromBytes(window).result(windowStart, windowEnd);
  }

  @Override public WindowedInput input() { return WindowedInput.SPANS; }

  /** Service, operation, kind, status, then each dimension's name and value (none in a key written before them). */
  @Override
  public List<String> parts(SeriesKey key) {
    return withDimensions(List.of(key.service(), key.operation(), key.kind(), key.status()), key.dimensions());
  }

  @Override
  public SeriesKey fromParts(List<String> p) {
    return new SeriesKey(p.get(0), p.get(1), p.get(2), p.get(3), dimensions(p, 4));
  }

  /** {@code parts} followed by the name and value of each dimension. */
  static List<String> withDimensions(List<String> parts, Map<String, String> dimensions) {
    if (dimensions.isEmpty()) {
      return parts;
    }
    List<String> all = new ArrayList<>(parts);
    dimensions.forEach((name, value) -> {
      all.add(name);
      all.add(value);
    });
    return all;
  }

  /** The dimensions written from {@code from} on by {@link #withDimensions}. */
  static Map<String, String> dimensions(List<String> parts, int from) {
    Map<String, String> dimensions = new TreeMap<>();
    for (int i = from; i + 1 < parts.size(); i += 2) {
      dimensions.put(parts.get(i), parts.get(i + 1));
    }
    return dimensions;
  }

  static String kindName(int kind) {
    Span.SpanKind k = Span.SpanKind.forNumber(kind);
    return (k == null ? Span.SpanKind.SPAN_KIND_UNSPECIFIED : k).name();
  }

  static String statusName(int code) {
    Status.StatusCode c = Status.StatusCode.forNumber(code);
    return (c == null ? Status.StatusCode.STATUS_CODE_UNSET : c).name();
  }
}

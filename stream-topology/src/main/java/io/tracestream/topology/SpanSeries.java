package io.tracestream.topology;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.topology.model.SeriesKey;
import java.util.List;

/** Span metrics: a series per (service, span name, span kind, status code), duration of the span. */
final class SpanSeries extends LatencySeries<SpanSample, SeriesKey> {
  static final String WINDOWS_STORE = "span-metrics-windows";
  static final String STATE_STORE = "span-metrics-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(SpanSample span) { return span.service(); }

  @Override public String operation(SpanSample span) { return span.operation(); }

  @Override
  public SeriesKey series(SpanSample span, String admittedOperation) {
    return new SeriesKey(span.service(), admittedOperation, kindName(span.kind()), statusName(span.status()));
  }

  @Override double durationMs(SpanSample span) { return span.durationNanos() / 1e6; }

  @Override boolean error(SpanSample span) { return span.status() == Status.StatusCode.STATUS_CODE_ERROR_VALUE; }

  @Override public WindowedInput input() { return WindowedInput.SPANS; }

  @Override
  public List<String> parts(SeriesKey key) {
    return List.of(key.service(), key.operation(), key.kind(), key.status());
  }

  @Override
  public SeriesKey fromParts(List<String> p) {
    return new SeriesKey(p.get(0), p.get(1), p.get(2), p.get(3));
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

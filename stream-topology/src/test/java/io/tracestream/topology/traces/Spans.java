package io.tracestream.topology.traces;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link TraceSpan}s for tests: {@code Spans.server("b").parent("a").service("app").build()}. */
final class Spans {
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  private String traceId = TRACE;
  private final String spanId;
  private String parentSpanId = "";
  private String service = "svc";
  private String name = "op";
  private final int kind;
  private boolean error;
  private long startNanos = 1_000;
  private long endNanos = 2_000;
  private final Map<String, String> attributes = new LinkedHashMap<>();
  private final List<TraceSpan.LinkRef> links = new ArrayList<>();

  private Spans(String spanId, SpanKind kind) {
    this.spanId = spanId;
    this.kind = kind.getNumber();
  }

  static Spans server(String spanId) {
    return new Spans(spanId, SpanKind.SPAN_KIND_SERVER);
  }

  static Spans client(String spanId) {
    return new Spans(spanId, SpanKind.SPAN_KIND_CLIENT);
  }

  static Spans producer(String spanId) {
    return new Spans(spanId, SpanKind.SPAN_KIND_PRODUCER);
  }

  static Spans consumer(String spanId) {
    return new Spans(spanId, SpanKind.SPAN_KIND_CONSUMER);
  }

  static Spans internal(String spanId) {
    return new Spans(spanId, SpanKind.SPAN_KIND_INTERNAL);
  }

  Spans trace(String traceId) {
    this.traceId = traceId;
    return this;
  }

  Spans parent(String parentSpanId) {
    this.parentSpanId = parentSpanId;
    return this;
  }

  Spans service(String service) {
    this.service = service;
    return this;
  }

  Spans name(String name) {
    this.name = name;
    return this;
  }

  Spans error() {
    return error(true);
  }

  Spans error(boolean error) {
    this.error = error;
    return this;
  }

  Spans time(long startNanos, long endNanos) {
    this.startNanos = startNanos;
    this.endNanos = endNanos;
    return this;
  }

  Spans attr(String key, String value) {
    attributes.put(key, value);
    return this;
  }

  Spans link(String spanId) {
    return link(TRACE, spanId);
  }

  Spans link(String traceId, String spanId) {
    links.add(new TraceSpan.LinkRef(traceId, spanId));
    return this;
  }

  TraceSpan build() {
    return new TraceSpan(traceId, spanId, parentSpanId, service, name, kind, error, startNanos, endNanos,
        attributes, links);
  }
}

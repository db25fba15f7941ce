package io.tracestream.topology;

import io.tracestream.topology.traces.AdjustedCount;
import io.tracestream.topology.traces.TraceSpan;
import java.util.List;
import java.util.Map;

/**
 * What the topology reads of one span of an otlp_spans record ({@link OtlpSpanReader}): the fields
 * {@link SpanSample} and {@link TraceSpan} are built from, as the OTLP {@code Span} getters return them.
 *
 * @param service the resource's {@code service.name}, cut to {@link SpanDecoder#MAX_NAME_CHARS}, or
 *     {@link SpanDecoder#UNKNOWN_SERVICE}
 * @param name the span name, not cut
 * @param kind {@code Span.getKindValue()}; @param statusCode {@code Status.getCodeValue()}
 * @param traceId lowercase hex of the trace id bytes, whatever their length (so "" when absent)
 * @param validIds what {@code RejectReason.checkIds(span) == null} says: a span that trace assembly can place
 * @param attributes the attributes {@link TraceSpan} keeps, already cut
 * @param traceStateCount the adjusted count its {@code trace_state} gives ({@link AdjustedCount#ofTraceState})
 * @param jaegerCount the adjusted count its {@code sampler.type} and {@code sampler.param} attributes give
 *     ({@link AdjustedCount#ofJaeger})
 */
record WireSpan(
    String service,
    String name,
    int kind,
    int statusCode,
    long startNanos,
    long endNanos,
    String traceId,
    String spanId,
    String parentSpanId,
    boolean validIds,
    Map<String, String> attributes,
    List<TraceSpan.LinkRef> links,
    double traceStateCount,
    double jaegerCount) {

  /** What {@code TraceSpan.from(span, service)} makes of the same span (which keeps no adjusted count). */
  TraceSpan toTraceSpan() {
    String cut = name.length() <= TraceSpan.MAX_VALUE_CHARS ? name : name.substring(0, TraceSpan.MAX_VALUE_CHARS);
    return new TraceSpan(traceId, spanId, parentSpanId, service, cut, kind, statusCode == STATUS_CODE_ERROR,
        startNanos, endNanos, attributes, links);
  }

  /** {@code Status.StatusCode.STATUS_CODE_ERROR_VALUE}. */
  private static final int STATUS_CODE_ERROR = 2;
}

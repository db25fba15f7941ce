package io.tracestream.topology;

import java.util.Map;

/**
 * What span metrics need of one span, from the decoder to the {@link SpanPreAggregator} of the same
 * task, in the {@link SpanSamples} of its record.
 *
 * @param kind OTLP span kind number; @param status OTLP status code number
 * @param endMs the span's end time (clamped), its event time
 * @param weight how many spans it counts as: its adjusted count, rounded ({@link
 *     io.tracestream.topology.traces.AdjustedCount#weight}); 1 for a span that was not sampled
 * @param dimensions its values of the configured {@code topology.dimensions}, by attribute name ({@link Dimensions})
 * @param traceId its trace id, lowercase hex, for exemplars; null when its ids are not valid
 */
record SpanSample(String service, String operation, int kind, int status, long durationNanos, long endMs,
    long weight, Map<String, String> dimensions, String traceId) {

  /** A span that counts once, without dimensions, of trace {@code traceId}. */
  SpanSample(String service, String operation, int kind, int status, long durationNanos, long endMs, String traceId) {
    this(service, operation, kind, status, durationNanos, endMs, 1, Map.of(), traceId);
  }
}

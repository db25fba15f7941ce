package io.tracestream.topology;

/**
 * What span metrics need of one span, from the decoder to the {@link SpanPreAggregator} of the same
 * task; the record's key is the service name and its timestamp the span's (clamped) end time.
 *
 * @param kind OTLP span kind number; @param status OTLP status code number
 */
record SpanSample(String service, String operation, int kind, int status, long durationNanos) implements Decoded {}

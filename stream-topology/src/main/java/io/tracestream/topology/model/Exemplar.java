package io.tracestream.topology.model;

/**
 * One span (or trace) of a window that stands for the others: the slowest in its latency bucket, or the
 * slowest with an error. An exemplar of the histogram bucket it falls in, in OpenMetrics terms.
 *
 * @param bucket index of its bucket in {@link WindowResult#buckets} ({@link LatencyBuckets#index})
 * @param seconds its duration in seconds
 * @param traceId lowercase hex trace id, which {@code /api/traces/{id}} and Jaeger open
 * @param timestampMs its end, epoch milliseconds
 * @param error whether this is the window's error exemplar: the slowest span with status ERROR
 */
public record Exemplar(int bucket, double seconds, String traceId, long timestampMs, boolean error) {}

package io.tracestream.topology.model;

import java.util.List;

/**
 * The final result of one closed window of one series, the value of {@code tracestream.span-metrics}
 * records, as JSON. Latencies are in milliseconds.
 *
 * @param windowStart window start, epoch milliseconds (inclusive)
 * @param windowEnd window end, epoch milliseconds (exclusive)
 * @param count spans in the window
 * @param errors spans with status ERROR among them
 * @param sumMs sum of the span durations
 * @param p50Ms median from the sketch
 * @param p95Ms 95th percentile from the sketch
 * @param p99Ms 99th percentile from the sketch
 * @param maxMs the largest duration, exact
 * @param buckets span counts per {@link LatencyBuckets#BOUNDS_MS} bucket (value <= bound), not cumulative;
 *     one more entry at the end for values above the last bound
 * @param sketch the window's DDSketch, serialized, base64 ({@code LatencySketch.fromBytes})
 * @param exemplars at most one per bucket (the slowest in it, ties by the greater trace id) and one error
 *     exemplar, in bucket order, the error one last; empty in a result written before exemplars
 */
public record WindowResult(
    long windowStart,
    long windowEnd,
    long count,
    long errors,
    double sumMs,
    double p50Ms,
    double p95Ms,
    double p99Ms,
    double maxMs,
    List<Long> buckets,
    String sketch,
    List<Exemplar> exemplars) {

  public WindowResult {
    exemplars = exemplars == null ? List.of() : List.copyOf(exemplars);
  }

  /** A result without exemplars, as before them. */
  public WindowResult(long windowStart, long windowEnd, long count, long errors, double sumMs, double p50Ms,
      double p95Ms, double p99Ms, double maxMs, List<Long> buckets, String sketch) {
    this(windowStart, windowEnd, count, errors, sumMs, p50Ms, p95Ms, p99Ms, maxMs, buckets, sketch, List.of());
  }
}

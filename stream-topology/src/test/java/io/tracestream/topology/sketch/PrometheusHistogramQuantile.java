package io.tracestream.topology.sketch;

import io.tracestream.topology.model.LatencyBuckets;
import java.util.List;

/**
 * What Prometheus's {@code histogram_quantile} returns for classic buckets ({@code bucketQuantile} in
 * prometheus/promql/quantile.go): find the first bucket whose cumulative count reaches {@code q *
 * count}, then interpolate linearly between its lower bound (0 for the first bucket) and its upper
 * bound; a rank in the {@code +Inf} bucket yields the last finite bound. Test code: a reference for
 * the README's accuracy table, not something the product computes.
 */
final class PrometheusHistogramQuantile {
  private final List<Double> bounds;
  /** Counts per bucket, not cumulative; the last entry is the {@code +Inf} bucket. */
  private final long[] counts;
  private long total;

  PrometheusHistogramQuantile(List<Double> bounds) {
    this.bounds = List.copyOf(bounds);
    this.counts = new long[bounds.size() + 1];
  }

  /** Over the spanmetrics default buckets, as {@code traces_span_metrics_duration_milliseconds}. */
  static PrometheusHistogramQuantile defaultBuckets() {
    return new PrometheusHistogramQuantile(LatencyBuckets.BOUNDS_MS);
  }

  void observe(double millis) {
    counts[LatencyBuckets.index(millis)]++; // le is inclusive, as LatencyBuckets.index
    total++;
  }

  double quantile(double q) {
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    long cumulativeBelow = 0;
    for (int b = 0; b < bounds.size(); b++) {
      long cumulative = cumulativeBelow + counts[b];
      if (cumulative >= rank) {
        double lower = b == 0 ? 0 : bounds.get(b - 1);
        double upper = bounds.get(b);
        return lower + (upper - lower) * ((rank - cumulativeBelow) / counts[b]);
      }
      cumulativeBelow = cumulative;
    }
    return bounds.get(bounds.size() - 1); // the rank is in the +Inf bucket
  }
}

package io.tracestream.topology.model;

import java.util.List;

/**
 * The histogram buckets of {@code traces_span_metrics_duration_milliseconds}: the OTel Collector
 * spanmetrics connector's defaults, so dashboards built for it work unchanged.
 */
public final class LatencyBuckets {
  /** Upper bounds in milliseconds, inclusive (Prometheus {@code le}). */
  public static final List<Double> BOUNDS_MS = List.of(
      2d, 4d, 6d, 8d, 10d, 50d, 100d, 200d, 400d, 800d, 1000d, 1400d, 2000d, 5000d, 10_000d, 15_000d);

  private static final double[] BOUNDS = BOUNDS_MS.stream().mapToDouble(Double::doubleValue).toArray();

  private LatencyBuckets() {}

  /** Index of the bucket a value falls in; {@code BOUNDS_MS.size()} for values above the last bound. */
  public static int index(double millis) {
    int lo = 0;
    int hi = BOUNDS.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (millis <= BOUNDS[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}

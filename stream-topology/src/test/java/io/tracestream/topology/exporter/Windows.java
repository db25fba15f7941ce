package io.tracestream.topology.exporter;

import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** One-minute window results built from span durations, as the topology would write them (p50/p95/p99 as given; the exporter reads the sketch). */
final class Windows {
  static final long MINUTE = 60_000;

  private Windows() {}

  static WindowResult window(long end, double p50, double p95, double p99, double... durationsMs) {
    long[] buckets = new long[LatencyBuckets.BOUNDS_MS.size() + 1];
    double sum = 0;
    double max = 0;
    for (double d : durationsMs) {
      buckets[LatencyBuckets.index(d)]++;
      sum += d;
      max = Math.max(max, d);
    }
    List<Long> list = new ArrayList<>();
    for (long n : buckets) {
      list.add(n);
    }
    LatencySketch sketch = LatencySketch.create();
    for (double d : durationsMs) {
      sketch.add(d);
    }
    return new WindowResult(end - MINUTE, end, durationsMs.length, 0, sum, p50, p95, p99, max, list,
        Base64.getEncoder().encodeToString(sketch.toBytes()));
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** One open window of one series: counts, exact histogram buckets, sum, max and the quantile sketch. */
final class WindowAccumulator {
  private static final int BUCKETS = LatencyBuckets.BOUNDS_MS.size() + 1;

  private long count;
  private long errors;
  private double sumMs;
  private double maxMs;
  private final long[] buckets;
  private final LatencySketch sketch;

  private WindowAccumulator(long count, long errors, double sumMs, double maxMs, long[] buckets, LatencySketch sketch) {
    this.count = count;
    this.errors = errors;
    this.sumMs = sumMs;
    this.maxMs = maxMs;
    this.buckets = buckets;
    this.sketch = sketch;
  }

  static WindowAccumulator empty() {
    return new WindowAccumulator(0, 0, 0, 0, new long[BUCKETS], LatencySketch.create());
  }

  void add(double millis, boolean error) {
    double ms = Math.max(0, millis);
    count++;
    if (error) {
      errors++;
    }
    sumMs += ms;
    maxMs = Math.max(maxMs, ms);
    buckets[LatencyBuckets.index(ms)]++;
    sketch.add(ms);
  }

  long count() {
    return count;
  }

  WindowResult result(long windowStart, long windowEnd) {
    List<Long> counts = new ArrayList<>(BUCKETS);
    for (long b : buckets) {
      counts.add(b);
    }
    return new WindowResult(windowStart, windowEnd, count, errors, sumMs,
        sketch.quantile(0.5), sketch.quantile(0.95), sketch.quantile(0.99), maxMs, counts,
        Base64.getEncoder().encodeToString(sketch.toBytes()));
  }

  byte[] toBytes() {
    byte[] sketchBytes = sketch.toBytes();
    ByteBuffer out = ByteBuffer.allocate(8 * 4 + 8 * BUCKETS + sketchBytes.length);
    out.putLong(count).putLong(errors).putDouble(sumMs).putDouble(maxMs);
    for (long b : buckets) {
      out.putLong(b);
    }
    return out.put(sketchBytes).array();
  }

  static WindowAccumulator fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    long count = in.getLong();
    long errors = in.getLong();
    double sum = in.getDouble();
    double max = in.getDouble();
    long[] buckets = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] = in.getLong();
    }
    byte[] sketch = new byte[in.remaining()];
    in.get(sketch);
    return new WindowAccumulator(count, errors, sum, max, buckets, LatencySketch.fromBytes(sketch));
  }
}

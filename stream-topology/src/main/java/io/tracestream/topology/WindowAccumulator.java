package io.tracestream.topology;

import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencyBins;
import io.tracestream.topology.sketch.LatencySketch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One open window of one series: error count, exact histogram buckets, and the sketch bins (which
 * hold count, sum, min and max). Its bytes are plain arrays, cheap to write and read as a partial
 * window travels from the input tasks to the window task; the DDSketch is built only when the window
 * closes.
 */
final class WindowAccumulator {
  private static final int BUCKETS = LatencyBuckets.BOUNDS_MS.size() + 1;

  private long errors;
  private final long[] buckets;
  private final LatencyBins bins;

  private WindowAccumulator(long errors, long[] buckets, LatencyBins bins) {
    this.errors = errors;
    this.buckets = buckets;
    this.bins = bins;
  }

  static WindowAccumulator empty() {
    return new WindowAccumulator(0, new long[BUCKETS], LatencyBins.create());
  }

  void add(double millis, boolean error) {
    double ms = Math.max(0, millis);
    if (error) {
      errors++;
    }
    buckets[LatencyBuckets.index(ms)]++;
    bins.add(ms);
  }

  /** Adds everything {@code other} accumulated, as if its inputs had been added here. */
  void merge(WindowAccumulator other) {
    errors += other.errors;
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] += other.buckets[i];
    }
    bins.merge(other.bins);
  }

  long errors() {
    return errors;
  }

  long count() {
    return bins.count();
  }

  WindowResult result(long windowStart, long windowEnd) {
    List<Long> counts = new ArrayList<>(BUCKETS);
    for (long b : buckets) {
      counts.add(b);
    }
    LatencySketch sketch = bins.toSketch();
    return new WindowResult(windowStart, windowEnd, bins.count(), errors, bins.sum(),
        sketch.quantile(0.5), sketch.quantile(0.95), sketch.quantile(0.99), bins.max(), counts,
        Base64.getEncoder().encodeToString(sketch.toBytes()));
  }

  byte[] toBytes() {
    byte[] binBytes = bins.toBytes();
    ByteBuffer out = ByteBuffer.allocate(8 + 8 * BUCKETS + binBytes.length);
    out.putLong(errors);
    out.asLongBuffer().put(buckets);
    out.position(8 + 8 * BUCKETS);
    return out.put(binBytes).array();
  }

  static WindowAccumulator fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    long errors = in.getLong();
    long[] buckets = new long[BUCKETS];
    in.asLongBuffer().get(buckets);
    in.position(8 + 8 * BUCKETS);
    byte[] bins = new byte[in.remaining()];
    in.get(bins);
    return new WindowAccumulator(errors, buckets, LatencyBins.fromBytes(bins));
  }
}

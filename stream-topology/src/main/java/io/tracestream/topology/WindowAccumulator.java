package io.tracestream.topology;

import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencyBins;
import io.tracestream.topology.sketch.LatencySketch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One open window of one series: error count, exact histogram buckets, the sketch bins (which
 * hold count, sum, min and max) and the exemplars ({@link WindowExemplars}). Its bytes are plain
 * arrays, cheap to write and read as a partial window travels from the input tasks to the window
 * task; the DDSketch is built only when the window closes.
 */
final class WindowAccumulator {
  private static final int BUCKETS = LatencyBuckets.BOUNDS_MS.size() + 1;
  /** Above the bins a sketch keeps ({@code LatencySketch.MAX_BINS}, which {@link LatencyBins#of} checks). */
  private static final int MAX_BINS = 1 << 16;

  private long errors;
  private final long[] buckets;
  private final LatencyBins bins;
  private WindowExemplars exemplars = new WindowExemplars();

  private WindowAccumulator(long errors, long[] buckets, LatencyBins bins) {
    this.errors = errors;
    this.buckets = buckets;
    this.bins = bins;
  }

  static WindowAccumulator empty() {
    return new WindowAccumulator(0, new long[BUCKETS], LatencyBins.create());
  }

  void add(double millis, boolean error) {
    add(millis, error, 1);
  }

  /** Adds {@code count} equal values at once: a sampled span that stands for {@code count} spans. */
  void add(double millis, boolean error, long count) {
    addCounted(Math.max(0, millis), error, count);
  }

  /**
   * Adds a span (or trace) that stands for {@code count}, and offers it as an exemplar of its bucket.
   *
   * @param traceId its trace id, lowercase hex; null when it has no valid one (then it is no exemplar)
   * @param endMs its end, epoch milliseconds
   */
  void add(long durationNanos, boolean error, long count, String traceId, long endMs) {
    long nanos = Math.max(0, durationNanos);
    exemplars.offer(addCounted(nanos / 1e6, error, count), error, nanos, traceId, endMs);
  }

  /** Adds the counts; the bucket {@code ms} fell in. */
  private int addCounted(double ms, boolean error, long count) {
    if (error) {
      errors += count;
    }
    int bucket = LatencyBuckets.index(ms);
    buckets[bucket] += count;
    bins.add(ms, count);
    return bucket;
  }

  /** Adds everything {@code other} accumulated, as if its inputs had been added here. */
  void merge(WindowAccumulator other) {
    errors += other.errors;
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] += other.buckets[i];
    }
    bins.merge(other.bins);
    exemplars.merge(other.exemplars);
  }

  long errors() {
    return errors;
  }

  long count() {
    return bins.count();
  }

  WindowExemplars exemplars() {
    return exemplars;
  }

  /** Reads the exemplars that a format with them wrote after {@link #write}. */
  WindowAccumulator readExemplars(FormatReader in) {
    exemplars = WindowExemplars.read(in);
    return this;
  }

  WindowResult result(long windowStart, long windowEnd) {
    List<Long> counts = new ArrayList<>(BUCKETS);
    for (long b : buckets) {
      counts.add(b);
    }
    LatencySketch sketch = bins.toSketch();
    return new WindowResult(windowStart, windowEnd, bins.count(), errors, bins.sum(),
        sketch.quantile(0.5), sketch.quantile(0.95), sketch.quantile(0.99), bins.max(), counts,
        Base64.getEncoder().encodeToString(sketch.toBytes()), exemplars.toList());
  }

  /**
   * Version 1 (the {@code span-metrics-windows} store, and inside span partials and the other window
   * stores): version byte, then {@link #write}. Version 2, written when there are exemplars (so edge
   * windows, which have none, stay version 1): version 1's, then the exemplars ({@link WindowExemplars#write}).
   * Before versions: errors and the buckets as 8-byte longs, then the bins; its first byte is 0 (fewer than
   * 2^56 errors) and it is still read.
   */
  byte[] toBytes() {
    boolean v2 = !exemplars.isEmpty();
    FormatWriter out = new FormatWriter(256).writeByte(v2 ? Formats.V2 : Formats.V1);
    write(out);
    if (v2) {
      exemplars.write(out);
    }
    return out.toByteArray();
  }

  static WindowAccumulator fromBytes(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == 0) {
      return fromLegacyBytes(bytes);
    }
    FormatReader in = Formats.readerUpToV2(bytes, "window");
    WindowAccumulator window = read(in);
    if (bytes[0] == Formats.V2) {
      window.readExemplars(in);
    }
    in.end();
    return window;
  }

  /**
   * Errors and each bucket's count as varints (most buckets are empty: one byte), then the bins: offset
   * (zigzag), bin count, zero count, count, sum in nanoseconds (varints), min and max (IEEE bits, 8 bytes
   * each), then the bin counts, each a varint of {@code count << 1}, a run of empty bins a varint of
   * {@code run << 1 | 1}: a window's bins span hundreds to thousands of mostly empty bins.
   */
  void write(FormatWriter out) {
    out.varint(errors);
    for (long b : buckets) {
      out.varint(b);
    }
    int length = bins.binCount();
    out.zigzag(bins.offset()).varint(length).varint(bins.zeroCount()).varint(bins.count()).varint(bins.sumNanos())
        .fixed64(Double.doubleToRawLongBits(bins.min())).fixed64(Double.doubleToRawLongBits(bins.max()));
    for (int i = 0; i < length; ) {
      int c = bins.bin(i++);
      if (c != 0) {
        out.varint((c & 0xFFFFFFFFL) << 1);
        continue;
      }
      long run = 1;
      while (i < length && bins.bin(i) == 0) {
        i++;
        run++;
      }
      out.varint(run << 1 | 1);
    }
  }

  static WindowAccumulator read(FormatReader in) {
    long errors = in.varint();
    long[] buckets = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] = in.varint();
    }
    int offset = (int) in.zigzag();
    int length = in.count();
    if (length > MAX_BINS) {
      throw in.malformed(length + " bins"); // before allocating them
    }
    long zeroCount = in.varint();
    long count = in.varint();
    long sumNanos = in.varint();
    double min = Double.longBitsToDouble(in.fixed64());
    double max = Double.longBitsToDouble(in.fixed64());
    int[] counts = new int[length];
    for (int i = 0; i < length; ) {
      long token = in.varint();
      if ((token & 1) == 0) {
        counts[i++] = (int) (token >>> 1);
        continue;
      }
      long run = token >>> 1;
      if (run < 1 || run > length - i) {
        throw in.malformed("a run of " + run + " empty bins at bin " + i + " of " + length);
      }
      i += (int) run; // already 0
    }
    try {
      LatencyBins bins = LatencyBins.of(offset, counts, zeroCount, count, sumNanos, min, max);
      return new WindowAccumulator(errors, buckets, bins);
    } catch (IllegalArgumentException e) {
      throw in.malformed(e.getMessage());
    }
  }

  private static WindowAccumulator fromLegacyBytes(byte[] bytes) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long errors = in.getLong();
      long[] buckets = new long[BUCKETS];
      in.asLongBuffer().get(buckets);
      in.position(8 + 8 * BUCKETS);
      byte[] bins = new byte[in.remaining()];
      in.get(bins);
      return new WindowAccumulator(errors, buckets, LatencyBins.fromBytes(bins));
    } catch (RuntimeException e) {
      throw new SerializationException("not a window of the format before versions: " + e, e);
    }
  }
}

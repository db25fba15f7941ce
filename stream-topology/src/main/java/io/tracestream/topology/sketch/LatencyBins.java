package io.tracestream.topology.sketch;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketchWithExactSummaryStatistics;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bins of a {@link LatencySketch}, held as a plain dense array, for a window aggregate that is
 * read, updated by one value and written back for every span: adding is an array increment and
 * the bytes are a bulk copy, where the sketch's own encoding walks every bin. Uses the sketch's index
 * mapping and bin limit, so {@link #toSketch()} is exactly the sketch the same values would build.
 */
public final class LatencyBins {
  private static final int HEADER = 4 + 4 + 8 + 8 + 8 + 8 + 8;

  /** The bin index of {@code counts[0]}; the array has room on either side of the bins in use. */
  private int base;
  private int[] counts;
  /** The bins in use, {@code lowest..highest} (empty when {@code highest < lowest}), as if the array held no more. */
  private int lowest;
  private int highest;
  private long zeroCount;
  private long count;
  /**
   * In whole nanoseconds, so that the sum does not depend on the order values are added or partial
   * windows merged in (a double sum does, in its last bits): a replay gives the same sums every time.
   */
  private long sumNanos;
  private double min;
  private double max;

  private LatencyBins(int offset, int[] counts, long zeroCount, long count, long sumNanos, double min, double max) {
    this.base = offset;
    this.counts = counts;
    this.lowest = offset;
    this.highest = offset + counts.length - 1;
    this.zeroCount = zeroCount;
    this.count = count;
    this.sumNanos = sumNanos;
    this.min = min;
    this.max = max;
  }

  public static LatencyBins create() {
    return new LatencyBins(0, new int[0], 0, 0, 0L, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
  }

  /** Adds one latency, clamped as {@link LatencySketch#add} clamps it. */
  public void add(double millis) {
    add(millis, 1);
  }

  /** Adds {@code n} (at least 1) equal latencies at once, as {@code n} calls of {@link #add(double)} would. */
  public void add(double millis, long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n is " + n + ", not at least 1");
    }
    double value = LatencySketch.clamp(millis);
    count += n;
    sumNanos += Math.round(value * 1e6) * n;
    min = Math.min(min, value);
    max = Math.max(max, value);
    if (value <= LatencySketch.MAPPING.minIndexableValue()) {
      zeroCount += n;
      return;
    }
    int index = LatencySketch.MAPPING.index(value);
    if (index < lowest || index > highest) {
      index = widen(index);
    }
    int slot = index - base;
    counts[slot] = (int) Math.min(Integer.MAX_VALUE, counts[slot] + n);
  }

  /**
   * Adds every value {@code other} holds, as if they had been added here one by one (the same bins,
   * counts, sum, min and max; past the bin limit the lowest bins collapse as {@link #add} collapses them).
   */
  public void merge(LatencyBins other) {
    if (other.count == 0) {
      return;
    }
    count += other.count;
    sumNanos += other.sumNanos;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    zeroCount += other.zeroCount;
    if (other.binCount() == 0) {
      return;
    }
    // Widen once to the union of both ranges (the highest bin widened to last, so collapsing keeps the top)
    widen(other.lowest);
    widen(other.highest);
    for (int i = other.lowest; i <= other.highest; i++) {
      int c = other.counts[i - other.base];
      if (c > 0) {
        int slot = Math.max(i, lowest) - base;
        counts[slot] = (int) Math.min(Integer.MAX_VALUE, (long) counts[slot] + c);
      }
    }
  }

  /**
   * Makes the bins in use reach {@code index}; past the bin limit the lowest bins collapse into the lowest
   * kept. Returns the bin that now holds {@code index}'s values. The array grows with room to spare, so a
   * window's bins are copied a few times, not once per new extreme.
   */
  private int widen(int index) {
    if (binCount() == 0) {
      lowest = index;
      highest = index;
    } else {
      lowest = Math.min(lowest, index);
      highest = Math.max(highest, index);
    }
    int collapsed = 0;
    if (highest - lowest + 1 > LatencySketch.MAX_BINS) {
      int kept = highest - LatencySketch.MAX_BINS + 1;
      for (int i = Math.max(lowest, base); i < kept && i < base + counts.length; i++) {
        collapsed = (int) Math.min(Integer.MAX_VALUE, (long) collapsed + counts[i - base]);
        counts[i - base] = 0;
      }
      lowest = kept;
    }
    if (lowest < base || highest >= base + counts.length) {
      int used = highest - lowest + 1;
      int room = Math.min(Math.max(16, used / 2), LatencySketch.MAX_BINS / 2);
      int newBase = index <= lowest ? lowest - room / 2 : lowest - room / 8;
      int[] wider = new int[used + room];
      int from = Math.max(base, lowest);
      int to = Math.min(base + counts.length - 1, highest);
      if (from <= to) {
        System.arraycopy(counts, from - base, wider, from - newBase, to - from + 1);
      }
      base = newBase;
      counts = wider;
    }
    if (collapsed > 0) {
      counts[lowest - base] = (int) Math.min(Integer.MAX_VALUE, (long) counts[lowest - base] + collapsed);
    }
    return Math.max(index, lowest);
  }

  public long count() {
    return count;
  }

  // The state field by field, for an encoding of the caller's own (the topology's window formats write the
  // bins as varints, most of them empty); of(...) builds the bins back from it.

  public int offset() {
    return lowest;
  }

  public int binCount() {
    return highest - lowest + 1;
  }

  /** The count of bin {@code offset() + i}. */
  public int bin(int i) {
    return counts[lowest - base + i];
  }

  public long zeroCount() {
    return zeroCount;
  }

  public long sumNanos() {
    return sumNanos;
  }

  public double min() {
    return min;
  }

  /**
   * The bins with these fields, as the accessors above return them; {@code counts} is taken, not copied.
   *
   * @throws IllegalArgumentException past the bin limit
   */
  public static LatencyBins of(int offset, int[] counts, long zeroCount, long count, long sumNanos, double min,
      double max) {
    if (counts.length > LatencySketch.MAX_BINS) {
      throw new IllegalArgumentException("not LatencyBins: " + counts.length + " bins");
    }
    return new LatencyBins(offset, counts, zeroCount, count, sumNanos, min, max);
  }

  /** The sum of the values added, in milliseconds. */
  public double sum() {
    return sumNanos / 1e6;
  }

  public double max() {
    return max;
  }

  /** The sketch of the values added, for quantiles and for the serialized sketch of a window result. */
  public LatencySketch toSketch() {
    DDSketch sketch = new DDSketch(LatencySketch.MAPPING, LatencySketch.STORE);
    for (int i = lowest; i <= highest; i++) {
      int c = counts[i - base];
      if (c > 0) {
        sketch.getPositiveValueStore().add(i, (long) c);
      }
    }
    if (zeroCount > 0) {
      sketch.accept(0, zeroCount);
    }
    return LatencySketch.wrap(DDSketchWithExactSummaryStatistics.of(sketch, count, min, max, sum()));
  }

  public byte[] toBytes() {
    ByteBuffer out = ByteBuffer.allocate(HEADER + 4 * binCount());
    out.putInt(lowest).putInt(binCount()).putLong(zeroCount).putLong(count)
        .putDouble(sum()).putDouble(min).putDouble(max); // the sum in ms, as before it was kept in ns
    out.asIntBuffer().put(counts, lowest - base, binCount());
    return out.array();
  }

  /** @throws IllegalArgumentException when the bytes are not from {@link #toBytes()} */
  public static LatencyBins fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (bytes.length < HEADER) {
      throw new IllegalArgumentException("not LatencyBins: " + bytes.length + " bytes");
    }
    int offset = in.getInt();
    int length = in.getInt();
    if (length < 0 || length > LatencySketch.MAX_BINS || bytes.length != HEADER + 4 * length) {
      throw new IllegalArgumentException("not LatencyBins: " + length + " bins in " + bytes.length + " bytes");
    }
    long zeroCount = in.getLong();
    long count = in.getLong();
    long sumNanos = Math.round(in.getDouble() * 1e6);
    double min = in.getDouble();
    double max = in.getDouble();
    int[] counts = new int[length];
    in.asIntBuffer().get(counts);
    return new LatencyBins(offset, counts, zeroCount, count, sumNanos, min, max);
  }

  @Override
  public String toString() {
    return "LatencyBins[count=" + count + ", bins=" + binCount() + ", offset=" + lowest + ", zero=" + zeroCount
        + ", counts=" + Arrays.toString(Arrays.copyOfRange(counts, lowest - base, highest - base + 1)) + "]";
  }
}

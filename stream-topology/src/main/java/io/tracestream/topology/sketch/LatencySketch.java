package io.tracestream.topology.sketch;

import com.datadoghq.sketch.ddsketch.DDSketchWithExactSummaryStatistics;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A mergeable quantile sketch of latencies in milliseconds with a stated relative-error bound (a
 * DDSketch): any quantile it returns is within {@link #RELATIVE_ACCURACY} of the exact value of the
 * same rank. Free of Kafka; serializable for state stores and for the window results.
 *
 * <p><b>Rank convention.</b> {@code quantile(q)} estimates the value of rank {@code floor(q * (n - 1))}
 * (0-based) of the {@code n} values added, i.e. {@code sorted[(int) Math.floor(q * (n - 1))]}; that
 * is DDSketch's convention, and the accuracy bound is relative to that value.
 *
 * <p><b>Memory is bounded.</b> A logarithmic index mapping at 0.5 % has bins growing by
 * {@code gamma = 1.005 / 0.995 ~ 1.01005}, so the range from 1 µs to 1 h (a ratio of 3.6e9) takes
 * {@code ceil(ln(3.6e9) / ln(gamma)) = 2201} bins. The store keeps at most {@value #MAX_BINS} bins
 * (a ratio of about 1.3e11: 1 µs to 36 h in one sketch, at most 20 KiB of counts), so realistic
 * latencies are never collapsed. Should one sketch ever span a wider range, the <em>lowest</em>
 * bins are merged: the high quantiles that RED metrics care about keep the bound, low ones lose it.
 *
 * <p>Count, sum, min and max are exact (tracked beside the bins), and a quantile never falls outside
 * [min, max]. Not thread-safe: one instance belongs to one window aggregate.
 */
public final class LatencySketch {
  /** Relative accuracy of every quantile (0.5 %). */
  public static final double RELATIVE_ACCURACY = 0.005;

  /** Bin limit of the store; see the class comment for why it is enough. */
  static final int MAX_BINS = 2560;

  static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

  static final Supplier<Store> STORE = () -> new CollapsingLowestDenseStore(MAX_BINS);

  private final DDSketchWithExactSummaryStatistics sketch;

  private LatencySketch(DDSketchWithExactSummaryStatistics sketch) {
    this.sketch = sketch;
  }

  /** An empty sketch. */
  public static LatencySketch create() {
    return new LatencySketch(new DDSketchWithExactSummaryStatistics(MAPPING, STORE));
  }

  /**
   * Adds one latency. Never throws: a negative or NaN duration (a span from a broken clock) counts
   * as 0 ms, and infinity as the largest value the mapping can index.
   */
  public void add(double millis) {
    sketch.accept(clamp(millis));
  }

  /** Negative, -0.0 and NaN as 0; beyond the mapping's range as its largest value. */
  static double clamp(double millis) {
    if (!(millis > 0)) {
      return 0;
    }
    return Math.min(millis, MAPPING.maxIndexableValue());
  }

  /** A sketch built elsewhere in this package from the same mapping and store. */
  static LatencySketch wrap(DDSketchWithExactSummaryStatistics sketch) {
    return new LatencySketch(sketch);
  }

  /** Adds every value of {@code other} to this sketch; {@code other} is unchanged. */
  public void merge(LatencySketch other) {
    Objects.requireNonNull(other, "other");
    // Merging a sketch into itself must double it, not read the store while it changes.
    sketch.mergeWith(other == this ? other.sketch.copy() : other.sketch);
  }

  public long count() {
    return (long) sketch.getCount();
  }

  public boolean isEmpty() {
    return sketch.getCount() == 0;
  }

  /**
   * The estimated value at quantile {@code q} (rank {@code floor(q * (n - 1))}), within {@link
   * #RELATIVE_ACCURACY} of the exact one; exactly {@link #min()} for 0 and {@link #max()} for 1; NaN
   * for an empty sketch.
   *
   * @throws IllegalArgumentException if {@code q} is not in [0, 1]
   */
  public double quantile(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
    }
    if (isEmpty()) {
      return Double.NaN;
    }
    // The ends are known exactly; a bin's representative value would only be within the bound.
    if (q == 0) {
      return sketch.getMinValue();
    }
    if (q == 1) {
      return sketch.getMaxValue();
    }
    // A bin's value may lie a little outside [min, max]; the exact ends bound every quantile.
    return Math.max(sketch.getMinValue(), Math.min(sketch.getMaxValue(), sketch.getValueAtQuantile(q)));
  }

  /** The largest value added, exact; NaN for an empty sketch. */
  public double max() {
    return isEmpty() ? Double.NaN : sketch.getMaxValue();
  }

  /** The smallest value added, exact; NaN for an empty sketch. */
  public double min() {
    return isEmpty() ? Double.NaN : sketch.getMinValue();
  }

  /** The sum of the values added (compensated summation); 0 for an empty sketch. */
  public double sum() {
    return sketch.getSum();
  }

  /** An independent copy. */
  public LatencySketch copy() {
    return new LatencySketch(sketch.copy());
  }

  /**
   * DDSketch's binary encoding (the flag-based format that {@code DDSketch.decode} reads, the same as
   * sketches-go's), with the index mapping and the exact count, min, max and sum. Not {@code
   * DDSketch.serialize()}: that writes the protobuf form, which {@code decode} cannot read back, and
   * it drops the exact min, max and sum.
   */
  public byte[] toBytes() {
    GrowingByteArrayOutput output = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(output, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen writing to a byte array", e);
    }
    return output.trimmedCopy();
  }

  /**
   * Reads what {@link #toBytes()} wrote.
   *
   * @throws IllegalArgumentException if the bytes are not such a sketch, or one with another mapping
   */
  public static LatencySketch fromBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    DDSketchWithExactSummaryStatistics decoded;
    try {
      // No expected mapping is passed, so that bytes without one (e.g. an empty array) are rejected.
      decoded = DDSketchWithExactSummaryStatistics.decode(ByteArrayInput.wrap(bytes), STORE, null);
    } catch (IOException | RuntimeException e) {
      // The decoder signals bad input with IOException, IllegalArgumentException, ArithmeticException.
      throw new IllegalArgumentException("not a serialized LatencySketch (" + bytes.length
          + " bytes): " + e, e);
    }
    validate(decoded, bytes.length);
    return new LatencySketch(decoded);
  }

  private static void validate(DDSketchWithExactSummaryStatistics decoded, int length) {
    String problem = null;
    double count = decoded.getCount();
    double binCount = decoded.getPositiveValueStore().getTotalCount();
    if (!MAPPING.equals(decoded.getIndexMapping())) {
      problem = "index mapping " + decoded.getIndexMapping() + " is not this sketch's";
    } else if (!decoded.getNegativeValueStore().isEmpty()) {
      problem = "it holds negative values";
    } else if (!(count >= 0 && count == Math.rint(count) && count < 0x1p53)) {
      problem = "count " + count + " is not a whole number";
    } else if (binCount > count) {
      problem = "its bins hold " + binCount + " values but its count is " + count;
    } else if (count > 0 && !(decoded.getMinValue() >= 0 && decoded.getMinValue() <= decoded.getMaxValue())) {
      problem = "min " + decoded.getMinValue() + " and max " + decoded.getMaxValue() + " are inconsistent";
    }
    if (problem != null) {
      throw new IllegalArgumentException("not a serialized LatencySketch (" + length + " bytes): " + problem);
    }
  }
}

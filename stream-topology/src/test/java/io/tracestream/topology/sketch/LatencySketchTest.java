package io.tracestream.topology.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketchWithExactSummaryStatistics;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class LatencySketchTest {
  private static final double[] QUANTILES = {0.50, 0.95, 0.99};
  private static final int SIZE = 100_000;

  /** The data sets, 100k latencies each, seeded. */
  enum Dataset {
    UNIFORM("uniform 1..1000 ms", r -> () -> 1 + 999 * r.nextDouble()),
    LOG_NORMAL("log-normal, median 50 ms, sigma 1", r -> () -> 50 * Math.exp(r.nextGaussian())),
    BIMODAL("bimodal 90 % ~20 ms, 10 % ~800 ms", r -> () ->
        (r.nextDouble() < 0.9 ? 20 : 800) * Math.exp(0.1 * r.nextGaussian())),
    JUST_ABOVE_BOUNDS("just above the default bucket bounds", r -> {
      double[] values = {2.01, 4.01, 6.01, 8.01, 10.5, 50.5, 100.5, 200.5, 400.5, 800.5, 1000.5};
      return () -> values[r.nextInt(values.length)] * (1 + 0.001 * r.nextDouble());
    });

    final String label;
    final double[] values;

    Dataset(String label, Function<Random, DoubleSupplier> generator) {
      this.label = label;
      DoubleSupplier next = generator.apply(new Random(42 + ordinal()));
      this.values = new double[SIZE];
      for (int i = 0; i < SIZE; i++) {
        values[i] = next.getAsDouble();
      }
    }

    double exactQuantile(double q) {
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return LatencySketchTest.exactQuantile(sorted, q);
    }
  }

  /** DDSketch's rank convention, the one the accuracy bound is stated for. */
  static double exactQuantile(double[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  static double relativeError(double estimate, double exact) {
    return Math.abs(estimate - exact) / exact;
  }

  private static LatencySketch sketchOf(double... values) {
    LatencySketch sketch = LatencySketch.create();
    for (double value : values) {
      sketch.add(value);
    }
    return sketch;
  }

  @ParameterizedTest
  @EnumSource(Dataset.class)
  void quantilesAreWithinTheRelativeAccuracyOfTheExactValueOfTheSameRank(Dataset dataset) {
    LatencySketch sketch = sketchOf(dataset.values);

    for (double q : QUANTILES) {
      assertThat(relativeError(sketch.quantile(q), dataset.exactQuantile(q)))
          .as("%s p%s", dataset.label, q * 100)
          .isLessThanOrEqualTo(LatencySketch.RELATIVE_ACCURACY);
    }
  }

  @ParameterizedTest
  @EnumSource(Dataset.class)
  void quantilesStayWithinTheBoundAfterSplittingSerializingAndMerging(Dataset dataset) {
    // Given four partial sketches, as four partitions or four sub-windows would build them
    LatencySketch[] parts = new LatencySketch[4];
    for (int p = 0; p < parts.length; p++) {
      parts[p] = LatencySketch.create();
    }
    for (int i = 0; i < dataset.values.length; i++) {
      parts[i % parts.length].add(dataset.values[i]);
    }
    // When each goes through bytes and they are merged
    LatencySketch merged = LatencySketch.create();
    for (LatencySketch part : parts) {
      merged.merge(LatencySketch.fromBytes(part.toBytes()));
    }
    // Then
    assertThat(merged.count()).isEqualTo(SIZE);
    for (double q : QUANTILES) {
      assertThat(relativeError(merged.quantile(q), dataset.exactQuantile(q)))
          .as("%s p%s", dataset.label, q * 100)
          .isLessThanOrEqualTo(LatencySketch.RELATIVE_ACCURACY);
    }
  }

  @Test
  void histogramQuantileOverTheDefaultBucketsMissesP99JustAboveABoundWhereTheSketchDoesNot() {
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
        "| data set (100k values) | quantile | exact ms | sketch ms | sketch error | histogram_quantile ms | its error |%n"
            + "| --- | --- | ---: | ---: | ---: | ---: | ---: |%n"));
    double sketchP99Error = Double.NaN;
    double histogramP99Error = Double.NaN;
    for (Dataset dataset : Dataset.values()) {
      LatencySketch sketch = sketchOf(dataset.values);
      PrometheusHistogramQuantile histogram = PrometheusHistogramQuantile.defaultBuckets();
      Arrays.stream(dataset.values).forEach(histogram::observe);
      for (double q : QUANTILES) {
        double exact = dataset.exactQuantile(q);
        double fromSketch = sketch.quantile(q);
        double fromHistogram = histogram.quantile(q);
        table.append(String.format(Locale.ROOT, "| %s | p%.0f | %.3f | %.3f | %.3f %% | %.3f | %.1f %% |%n",
            dataset.label, q * 100, exact, fromSketch, 100 * relativeError(fromSketch, exact),
            fromHistogram, 100 * relativeError(fromHistogram, exact)));
        if (dataset == Dataset.JUST_ABOVE_BOUNDS && q == 0.99) {
          sketchP99Error = relativeError(fromSketch, exact);
          histogramP99Error = relativeError(fromHistogram, exact);
        }
      }
    }
    System.out.print(table); // the README's "Accuracy of p95/p99" table

    assertThat(histogramP99Error).isGreaterThan(10 * LatencySketch.RELATIVE_ACCURACY);
    assertThat(sketchP99Error).isLessThanOrEqualTo(LatencySketch.RELATIVE_ACCURACY);
  }

  @Test
  void histogramQuantileEmulationInterpolatesWithinTheBucketAsPrometheusDoes() {
    PrometheusHistogramQuantile histogram = PrometheusHistogramQuantile.defaultBuckets();
    for (int i = 0; i < 10; i++) {
      histogram.observe(1); // bucket (0, 2]
      histogram.observe(3); // bucket (2, 4]
    }
    histogram.observe(20_000); // +Inf bucket

    // rank 0.25 * 21 = 5.25 of 10 in (0, 2]; rank 15.75 - 10 = 5.75 of 10 in (2, 4]; q = 1 in +Inf
    assertThat(histogram.quantile(0.25)).isCloseTo(2 * 5.25 / 10, within(1e-12));
    assertThat(histogram.quantile(0.75)).isCloseTo(2 + 2 * 5.75 / 10, within(1e-12));
    assertThat(histogram.quantile(1)).isEqualTo(15_000);
  }

  @Test
  void mergingIsEquivalentToAddingEveryValueToOneSketch() {
    double[] values = Dataset.LOG_NORMAL.values;
    LatencySketch whole = sketchOf(values);
    LatencySketch merged = sketchOf(Arrays.copyOfRange(values, 0, 30_000));
    merged.merge(sketchOf(Arrays.copyOfRange(values, 30_000, SIZE)));

    assertThat(merged.count()).isEqualTo(whole.count());
    assertThat(merged.min()).isEqualTo(whole.min());
    assertThat(merged.max()).isEqualTo(whole.max());
    assertThat(merged.sum()).isCloseTo(whole.sum(), within(1e-9 * whole.sum()));
    for (int percent = 0; percent <= 100; percent++) {
      assertThat(merged.quantile(percent / 100.0)).as("p%d", percent).isEqualTo(whole.quantile(percent / 100.0));
    }
  }

  @Test
  void mergingASketchIntoItselfDoublesIt() {
    LatencySketch sketch = sketchOf(1, 2, 3);

    sketch.merge(sketch);

    assertThat(sketch.count()).isEqualTo(6);
    assertThat(sketch.sum()).isEqualTo(12);
  }

  @Test
  void emptySketchHasNoQuantilesMinOrMax() {
    LatencySketch empty = LatencySketch.create();

    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.count()).isZero();
    assertThat(empty.quantile(0.99)).isNaN();
    assertThat(empty.min()).isNaN();
    assertThat(empty.max()).isNaN();
    assertThat(empty.sum()).isZero();
  }

  @Test
  void emptySketchSurvivesSerializationAndMerging() {
    LatencySketch sketch = sketchOf(5);

    sketch.merge(LatencySketch.fromBytes(LatencySketch.create().toBytes()));

    assertThat(LatencySketch.fromBytes(LatencySketch.create().toBytes()).isEmpty()).isTrue();
    assertThat(sketch.count()).isEqualTo(1);
    assertThat(sketch.quantile(0.5)).isEqualTo(5);
  }

  @Test
  void zeroDurationsAreCountedAsZero() {
    LatencySketch sketch = sketchOf(0, 0, 0, 10);

    assertThat(sketch.count()).isEqualTo(4);
    assertThat(sketch.min()).isZero();
    assertThat(sketch.quantile(0.5)).isZero();
    assertThat(sketch.max()).isEqualTo(10);
  }

  @Test
  void negativeDurationsCountAsZero() {
    LatencySketch sketch = sketchOf(-5, -0.001, 10);

    assertThat(sketch.count()).isEqualTo(3);
    assertThat(sketch.min()).isZero();
    assertThat(sketch.quantile(0.5)).isZero();
    assertThat(sketch.sum()).isEqualTo(10);
  }

  @Test
  void nonFiniteDurationsAreCountedWithoutThrowing() {
    LatencySketch sketch = sketchOf(Double.NaN, Double.POSITIVE_INFINITY, 10);

    assertThat(sketch.count()).isEqualTo(3);
    assertThat(sketch.min()).isZero();
    assertThat(sketch.max()).isFinite().isGreaterThan(1e300);
  }

  @Test
  void minAndMaxAreExact() {
    LatencySketch sketch = sketchOf(1.2345, 77.777, 987.654321);

    assertThat(sketch.min()).isEqualTo(1.2345);
    assertThat(sketch.max()).isEqualTo(987.654321);
    assertThat(sketch.quantile(0)).isEqualTo(1.2345);
    assertThat(sketch.quantile(1)).isEqualTo(987.654321);
  }

  @Test
  void serializationRoundTripPreservesCountMinMaxSumAndQuantiles() {
    LatencySketch original = sketchOf(Dataset.BIMODAL.values);

    LatencySketch decoded = LatencySketch.fromBytes(original.toBytes());

    assertThat(decoded.count()).isEqualTo(original.count());
    assertThat(decoded.min()).isEqualTo(original.min());
    assertThat(decoded.max()).isEqualTo(original.max());
    assertThat(decoded.sum()).isEqualTo(original.sum());
    for (int percent = 0; percent <= 100; percent++) {
      assertThat(decoded.quantile(percent / 100.0)).as("p%d", percent).isEqualTo(original.quantile(percent / 100.0));
    }
  }

  static Stream<byte[]> undecodableBytes() {
    byte[] valid = sketchOf(1, 2, 3, 400).toBytes();
    byte[] random = new byte[64];
    new Random(7).nextBytes(random);
    return Stream.of(
        new byte[0],
        random,
        "{\"p99\": 12.5}".getBytes(StandardCharsets.UTF_8),
        Arrays.copyOf(valid, valid.length - 1),
        otherAccuracySketchBytes());
  }

  /** A DDSketch of 1 % accuracy: decodable by DDSketch, but its quantiles would not meet our bound. */
  private static byte[] otherAccuracySketchBytes() {
    DDSketchWithExactSummaryStatistics other = new DDSketchWithExactSummaryStatistics(
        new LogarithmicMapping(0.01), () -> new CollapsingLowestDenseStore(2048));
    other.accept(12);
    GrowingByteArrayOutput output = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      other.encode(output, false);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return output.trimmedCopy();
  }

  @ParameterizedTest
  @MethodSource("undecodableBytes")
  void undecodableBytesAreRejectedWithAMessage(byte[] bytes) {
    assertThatThrownBy(() -> LatencySketch.fromBytes(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a serialized LatencySketch");
  }

  @Test
  void quantileOutsideZeroToOneIsRejected() {
    LatencySketch sketch = sketchOf(1);

    assertThatThrownBy(() -> sketch.quantile(99)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("99");
    assertThatThrownBy(() -> sketch.quantile(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void copyIsIndependentOfTheOriginal() {
    LatencySketch original = sketchOf(1, 2);

    LatencySketch copy = original.copy();
    copy.add(1000);

    assertThat(original.count()).isEqualTo(2);
    assertThat(original.max()).isEqualTo(2);
    assertThat(copy.count()).isEqualTo(3);
  }

  @Test
  void theBinLimitCoversOneMicrosecondToOneHour() {
    int binsNeeded = LatencySketch.MAPPING.index(3_600_000) - LatencySketch.MAPPING.index(0.001) + 1;

    assertThat(binsNeeded).isEqualTo(2201).isLessThanOrEqualTo(LatencySketch.MAX_BINS);
  }

  @Test
  void latenciesFromOneMicrosecondToOneHourKeepTheBoundAtEveryQuantile() {
    // log-uniform over 1 µs .. 1 h: the lowest values would be the first to go if bins collapsed
    Random random = new Random(3);
    double[] values = new double[20_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = 0.001 * Math.pow(3.6e9, random.nextDouble());
    }
    values[0] = 0.001;
    values[1] = 3_600_000;
    LatencySketch sketch = sketchOf(values);
    Arrays.sort(values);

    for (int percent = 0; percent <= 100; percent++) {
      double q = percent / 100.0;
      assertThat(relativeError(sketch.quantile(q), exactQuantile(values, q)))
          .as("p%d", percent).isLessThanOrEqualTo(LatencySketch.RELATIVE_ACCURACY);
    }
  }

  @Test
  void anAbsurdRangeStaysBoundedInSizeAndKeepsTheHighQuantiles() {
    // 1 ps .. 1e12 ms, far wider than MAX_BINS covers: the lowest bins collapse
    Random random = new Random(5);
    double[] values = new double[50_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = 1e-9 * Math.pow(1e21, random.nextDouble());
    }
    LatencySketch sketch = sketchOf(values);
    Arrays.sort(values);

    assertThat(sketch.toBytes().length).isLessThan(LatencySketch.MAX_BINS * 10);
    assertThat(relativeError(sketch.quantile(0.99), exactQuantile(values, 0.99)))
        .isLessThanOrEqualTo(LatencySketch.RELATIVE_ACCURACY);
  }
}

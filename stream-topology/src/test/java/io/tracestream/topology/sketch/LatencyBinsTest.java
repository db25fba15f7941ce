package io.tracestream.topology.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyBinsTest {
  private static final double[] QUANTILES = {0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1};

  @Test
  void buildsExactlyTheSketchThatTheSameValuesBuild() {
    SplittableRandom random = new SplittableRandom(7);
    LatencyBins bins = LatencyBins.create();
    LatencySketch direct = LatencySketch.create();
    for (int i = 0; i < 50_000; i++) {
      double ms = Math.exp(random.nextGaussian() * 1.5 + 3); // log-normal, median ~20 ms
      if (i % 1000 == 0) {
        ms = 0;
      }
      bins.add(ms);
      direct.add(ms);
    }

    LatencySketch built = LatencyBins.fromBytes(bins.toBytes()).toSketch();

    assertThat(built.count()).isEqualTo(direct.count());
    assertThat(built.min()).isEqualTo(direct.min());
    assertThat(built.max()).isEqualTo(direct.max());
    assertThat(built.sum()).isCloseTo(direct.sum(), org.assertj.core.api.Assertions.withinPercentage(1e-9));
    for (double q : QUANTILES) {
      assertThat(built.quantile(q)).as("q=%s", q).isEqualTo(direct.quantile(q));
    }
  }

  @Test
  void addingAValueNTimesAtOnceIsAddingItNTimes() {
    SplittableRandom random = new SplittableRandom(11);
    LatencyBins weighted = LatencyBins.create();
    LatencyBins one = LatencyBins.create();
    for (int i = 0; i < 2_000; i++) {
      double ms = i % 100 == 0 ? 0 : Math.exp(random.nextGaussian() * 2 + 3);
      int n = 1 + random.nextInt(12);
      weighted.add(ms, n);
      for (int k = 0; k < n; k++) {
        one.add(ms);
      }
    }

    assertThat(weighted.toBytes()).isEqualTo(one.toBytes());
    assertThat(weighted.sumNanos()).isEqualTo(one.sumNanos());
    assertThatThrownBy(() -> weighted.add(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valuesAddedInAnyOrderWidenTheArrayBothWays() {
    LatencyBins bins = LatencyBins.create();
    LatencySketch direct = LatencySketch.create();
    for (double ms : new double[] {100, 1, 10_000, 0.01, 5_000_000, 50}) {
      bins.add(ms);
      direct.add(ms);
    }

    LatencySketch built = bins.toSketch();

    for (double q : QUANTILES) {
      assertThat(built.quantile(q)).as("q=%s", q).isEqualTo(direct.quantile(q));
    }
  }

  @Test
  void aRangeWiderThanTheBinLimitCollapsesItsLowestBinsAndKeepsHighQuantilesWithinTheBound() {
    LatencyBins bins = LatencyBins.create();
    bins.add(1e-9); // far below: collapses once the range passes the limit
    for (int i = 1; i <= 1000; i++) {
      bins.add(1e6 + i * 1000); // ~1000 s
    }

    byte[] bytes = bins.toBytes();
    LatencySketch sketch = LatencyBins.fromBytes(bytes).toSketch();

    assertThat(bytes.length).isLessThanOrEqualTo(48 + 4 * LatencySketch.MAX_BINS);
    assertThat(sketch.count()).isEqualTo(1001);
    double exactP99 = 1e6 + Math.floor(0.99 * 1000) * 1000;
    assertThat(sketch.quantile(0.99)).isCloseTo(exactP99,
        org.assertj.core.api.Assertions.withinPercentage(100 * LatencySketch.RELATIVE_ACCURACY));
  }

  @Test
  void theBinsAreTheValuesIndexesWhateverTheOrderWithTheLowestCollapsedPastTheLimit() {
    SplittableRandom random = new SplittableRandom(3);
    double[] values = new double[20_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.exp(random.nextDouble(-20, 22)); // ~1e-9 ms to ~3.6e9 ms: more bins than the limit
    }
    int top = Integer.MIN_VALUE;
    int bottom = Integer.MAX_VALUE;
    for (double v : values) {
      top = Math.max(top, LatencySketch.MAPPING.index(LatencySketch.clamp(v)));
      bottom = Math.min(bottom, LatencySketch.MAPPING.index(LatencySketch.clamp(v)));
    }
    int lowestKept = top - LatencySketch.MAX_BINS + 1;
    assertThat(bottom).as("values past the bin limit").isLessThan(lowestKept - 100);
    java.util.TreeMap<Integer, Integer> expected = new java.util.TreeMap<>();
    for (double v : values) {
      double clamped = LatencySketch.clamp(v);
      if (clamped > LatencySketch.MAPPING.minIndexableValue()) {
        expected.merge(Math.max(lowestKept, LatencySketch.MAPPING.index(clamped)), 1, Integer::sum);
      }
    }

    for (int order = 0; order < 4; order++) {
      double[] shuffled = values.clone();
      if (order == 1) {
        java.util.Arrays.sort(shuffled);
      } else if (order > 1) {
        for (int i = shuffled.length - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          double t = shuffled[i];
          shuffled[i] = shuffled[j];
          shuffled[j] = t;
        }
      }
      LatencyBins bins = LatencyBins.create();
      for (double v : shuffled) {
        bins.add(v);
      }
      java.util.TreeMap<Integer, Integer> actual = new java.util.TreeMap<>();
      for (int i = 0; i < bins.binCount(); i++) {
        if (bins.bin(i) != 0) {
          actual.put(bins.offset() + i, bins.bin(i));
        }
      }
      assertThat(actual).as("order %d", order).isEqualTo(expected);
      assertThat(bins.offset()).as("order %d", order).isEqualTo(expected.firstKey());
      assertThat(bins.offset() + bins.binCount() - 1).as("order %d", order).isEqualTo(top);
    }
  }

  @Test
  void anEmptyBinsGivesAnEmptySketch() {
    LatencySketch sketch = LatencyBins.fromBytes(LatencyBins.create().toBytes()).toSketch();

    assertThat(sketch.isEmpty()).isTrue();
    assertThat(sketch.quantile(0.5)).isNaN();
  }

  @Test
  void bytesOfAnotherFormatAreRefused() {
    assertThatThrownBy(() -> LatencyBins.fromBytes(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not LatencyBins");
    assertThatThrownBy(() -> LatencyBins.fromBytes(new byte[60]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A replay merges partial windows in whatever grouping its timing gave; the bytes must not depend on it. */
  @Test
  void mergingPartialsInAnyGroupingGivesTheBytesOfAddingEveryValue() {
    SplittableRandom random = new SplittableRandom(7);
    double[] values = new double[5_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.exp(random.nextDouble(-3, 9)) + random.nextDouble(); // 0.05 ms to ~8 s, all digits used
    }
    LatencyBins all = LatencyBins.create();
    for (double v : values) {
      all.add(v);
    }
    for (int grouping : new int[] {1, 7, 333, 5_000}) {
      LatencyBins merged = LatencyBins.create();
      for (int from = values.length; from > 0; from -= grouping) { // backwards, in groups
        LatencyBins partial = LatencyBins.create();
        for (int i = Math.max(0, from - grouping); i < from; i++) {
          partial.add(values[i]);
        }
        merged.merge(LatencyBins.fromBytes(partial.toBytes()));
      }
      assertThat(merged.toBytes()).as("groups of %d", grouping).isEqualTo(all.toBytes());
    }
  }
}

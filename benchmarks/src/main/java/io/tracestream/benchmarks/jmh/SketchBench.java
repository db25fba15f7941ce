package io.tracestream.benchmarks.jmh;

import io.tracestream.topology.sketch.LatencyBins;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency sketch: one insert into the window's plain bins ({@link LatencyBins}, what a window does
 * per span) and into a DDSketch ({@link LatencySketch}), in inserts/s; and merging two window sketches
 * of 10,000 log-normal latencies each, as the exporter and the query side combine windows, in merges/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class SketchBench {
  private static final int VALUES = 1 << 12;

  private final double[] millis = new double[VALUES];
  private LatencyBins bins;
  private LatencySketch sketch;
  private LatencySketch windowA;
  private LatencySketch windowB;
  private LatencyBins closing;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < VALUES; i++) {
      millis[i] = Math.exp(random.nextDouble(-1, 8)); // 0.4 ms .. 3 s, spread over many bins
    }
    bins = LatencyBins.create();
    sketch = LatencySketch.create();
    windowA = LatencySketch.create();
    windowB = LatencySketch.create();
    closing = LatencyBins.create();
    for (int i = 0; i < 10_000; i++) {
      windowA.add(Math.exp(random.nextDouble(-1, 8)));
      windowB.add(Math.exp(random.nextDouble(-1, 8)));
      closing.add(Math.exp(random.nextDouble(-1, 8)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public LatencyBins binsInsert() {
    for (double v : millis) {
      bins.add(v);
    }
    return bins;
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public LatencySketch sketchInsert() {
    for (double v : millis) {
      sketch.add(v);
    }
    return sketch;
  }

  @Benchmark
  public LatencySketch sketchMerge() {
    LatencySketch merged = windowA.copy();
    merged.merge(windowB);
    return merged;
  }

  /** A window of 10,000 spans closing: its bins become the DDSketch that the result carries, serialized. */
  @Benchmark
  public byte[] binsToSketchBytes() {
    return closing.toSketch().toBytes();
  }
}

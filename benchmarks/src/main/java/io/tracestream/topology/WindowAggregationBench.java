package io.tracestream.topology;

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
 * The window aggregation step that {@link WindowProcessor} runs per span, without the store: the
 * window's bytes are decoded into a {@link WindowAccumulator}, the span added, and the bytes encoded
 * again (as the window tasks did per trace before trace windows were pre-aggregated), in spans/s. In
 * this package because the accumulator is package-private. {@code addOnly} is the same work with the
 * accumulator kept in memory, the bound on what keeping open windows on heap would gain.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(WindowAggregationBench.SPANS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class WindowAggregationBench {
  static final int SPANS = 1024;

  private final SpanSeries series = new SpanSeries();
  private final SpanSample[] samples = new SpanSample[SPANS];
  private byte[] window;
  private WindowAccumulator accumulator;
  private SpanPartial partial;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SPANS; i++) {
      long nanos = (long) (Math.exp(random.nextDouble(-1, 8)) * 1e6);
      String traceId = String.format("%016x%016x", random.nextLong(), random.nextLong());
      samples[i] = new SpanSample("checkout", "GET /cart", 2, random.nextInt(100) < 3 ? 2 : 0, nanos, 0, traceId);
    }
    // a window that has seen a few thousand spans already, as most writes find it
    accumulator = WindowAccumulator.empty();
    for (int i = 0; i < 4; i++) {
      for (SpanSample s : samples) {
        SpanPartial.add(accumulator, s);
      }
    }
    window = accumulator.toBytes();
    WindowAccumulator spans = WindowAccumulator.empty();
    for (SpanSample s : samples) {
      SpanPartial.add(spans, s);
    }
    partial = new SpanPartial("checkout", "GET /cart", 2, 0, spans);
  }

  /** The window step per span without pre-aggregation: the stored bytes read, one span added, written back. */
  @Benchmark
  public byte[] readAddWrite() {
    byte[] w = window;
    for (SpanSample s : samples) {
      WindowAccumulator a = WindowAccumulator.fromBytes(w);
      SpanPartial.add(a, s);
      w = a.toBytes();
    }
    return w;
  }

  /** What the pre-aggregator does per span: an add on the heap. */
  @Benchmark
  public WindowAccumulator addOnly() {
    for (SpanSample s : samples) {
      SpanPartial.add(accumulator, s);
    }
    return accumulator;
  }

  /** The window task's step for a partial of {@value #SPANS} spans, per span: read, merge, write. */
  @Benchmark
  public byte[] mergePartial() {
    return series.add(window, partial);
  }
}

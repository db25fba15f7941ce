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
 * again ({@link LatencySeries#add}), in spans/s. In this package because the accumulator is
 * package-private. {@code addOnly} is the same work with the accumulator kept in memory, the bound on
 * what keeping open windows on heap would gain.
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

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SPANS; i++) {
      long nanos = (long) (Math.exp(random.nextDouble(-1, 8)) * 1e6);
      samples[i] = new SpanSample("checkout", "GET /cart", 2, random.nextInt(100) < 3 ? 2 : 0, nanos);
    }
    // a window that has seen a few thousand spans already, as most writes find it
    window = null;
    for (int i = 0; i < 4; i++) {
      for (SpanSample s : samples) {
        window = series.add(window, s);
      }
    }
    accumulator = WindowAccumulator.fromBytes(window);
  }

  @Benchmark
  public byte[] readAddWrite() {
    byte[] w = window;
    for (SpanSample s : samples) {
      w = series.add(w, s);
    }
    return w;
  }

  @Benchmark
  public WindowAccumulator addOnly() {
    for (SpanSample s : samples) {
      accumulator.add(s.durationNanos() / 1e6, s.status() == 2);
    }
    return accumulator;
  }
}

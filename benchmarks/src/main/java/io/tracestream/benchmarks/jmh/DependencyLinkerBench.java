package io.tracestream.benchmarks.jmh;

import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.TraceSpan;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The dependency-edge algorithm on one completed trace, in traces/s, cycling through the ~150
 * realistic traces (5-50 spans, mean ~27, three services, HTTP/gRPC/DB/messaging spans) of 8 requests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class DependencyLinkerBench {
  private List<List<TraceSpan>> traces;
  private int next;

  @Setup
  public void setUp() {
    traces = Inputs.traces(Inputs.requests(8));
  }

  @Benchmark
  public DependencyLinker.Result linkOneTrace() {
    next = (next + 1) % traces.size();
    return DependencyLinker.link(traces.get(next));
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The trace and edge windows' work per completed trace (a summary and five edges), stores and Kafka left
 * out, in traces/s: {@code perTraceRecords} as before pre-aggregation (the summary and each edge written
 * as JSON and read back, as the repartition topics carried them, and each added to its window's bytes:
 * read, add, write), {@code preAggregated} as {@link TracePreAggregator} and the window tasks do it now
 * (each added to a partial on the heap; every {@value #TRACES} traces, about an interval's worth, the
 * partials written in their binary format, read back and merged into the windows' bytes). Run with
 * {@code -prof gc} for the allocation per trace.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TraceWindowsBench.TRACES)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class TraceWindowsBench {
  static final int TRACES = 1024;
  private static final JsonSerde<TraceSummary> SUMMARY = JsonSerde.of(TraceSummary.class);
  private static final JsonSerde<Edge> EDGE = JsonSerde.of(Edge.class);
  private static final List<String> SERVICES = List.of("frontend", "checkout", "payment", "cart", "postgres", "user");

  private final CompletedTrace[] traces = new CompletedTrace[TRACES];
  private final Map<List<String>, byte[]> traceWindows = new HashMap<>();
  private final Map<List<String>, byte[]> edgeWindows = new HashMap<>();
  private final TraceSeries traceSeries = new TraceSeries();
  private final EdgeSeries edgeSeries = new EdgeSeries();

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < TRACES; i++) {
      long nanos = (long) (Math.exp(random.nextDouble(1, 7)) * 1e6);
      boolean error = random.nextInt(100) < 3;
      TraceSummary summary = new TraceSummary(String.format("%032x", i), "frontend",
          "GET /" + random.nextInt(3), false, 1_700_000_000_000_000_000L, nanos, 12, error, SERVICES);
      List<Edge> edges = new ArrayList<>();
      edges.add(new Edge(Edge.USER, "frontend", Edge.VIRTUAL_NODE, error, Edge.MISSING_LATENCY, nanos));
      for (int e = 1; e < 5; e++) {
        edges.add(new Edge(SERVICES.get(e - 1), SERVICES.get(e), e == 4 ? Edge.DATABASE : Edge.UNSET, false,
            nanos / (e + 1), nanos / (e + 2)));
      }
      traces[i] = new CompletedTrace(summary, edges, false, 1);
    }
    // windows that have seen traces already, as most writes find them
    Map<List<String>, TracePartial> sums = new HashMap<>();
    Map<List<String>, EdgePartial> edgeSums = new HashMap<>();
    for (CompletedTrace t : traces) {
      TracePartial.KIND.add(t, series -> sums.computeIfAbsent(series, TracePartial.KIND::empty));
      EdgePartial.KIND.add(t, series -> edgeSums.computeIfAbsent(series, EdgePartial.KIND::empty));
    }
    sums.forEach((series, p) -> traceWindows.put(series, p.window().toBytes()));
    edgeSums.forEach((series, p) -> edgeWindows.put(series, p.window().toBytes()));
  }

  /** Before: a JSON record per trace and per edge, each read-added-written into its window. */
  @Benchmark
  public int perTraceRecords() {
    int bytes = 0;
    for (CompletedTrace t : traces) {
      TraceSummary summary = SUMMARY.fromBytes(SUMMARY.toBytes(t.summary()));
      List<String> key = List.of(summary.rootService(), summary.rootOperation());
      WindowAccumulator window = WindowAccumulator.fromBytes(traceWindows.get(key));
      window.add(summary.durationNanos() / 1e6, summary.error());
      byte[] written = window.toBytes();
      traceWindows.put(key, written);
      bytes += written.length;
      for (Edge e : t.edges()) {
        Edge edge = EDGE.fromBytes(EDGE.toBytes(e));
        List<String> edgeKey = List.of(edge.client(), edge.server(), edge.connectionType());
        EdgeWindow sides = EdgeWindow.fromBytes(edgeWindows.get(edgeKey));
        sides.add(edge);
        byte[] w = sides.toBytes();
        edgeWindows.put(edgeKey, w);
        bytes += w.length;
      }
    }
    return bytes;
  }

  /** Now: adds on the heap, then one binary partial per series written, read and merged into its window. */
  @Benchmark
  public int preAggregated() {
    Map<TracePreAggregator.Slot, TracePartial> openTraces = new HashMap<>();
    Map<TracePreAggregator.Slot, EdgePartial> openEdges = new HashMap<>();
    for (CompletedTrace t : traces) {
      TracePartial.KIND.add(t, series -> openTraces.computeIfAbsent(new TracePreAggregator.Slot(0, series),
          slot -> TracePartial.KIND.empty(series)));
      EdgePartial.KIND.add(t, series -> openEdges.computeIfAbsent(new TracePreAggregator.Slot(0, series),
          slot -> EdgePartial.KIND.empty(series)));
    }
    int bytes = 0;
    for (TracePartial p : openTraces.values()) {
      TracePartial read = TracePartial.fromBytes(TracePartial.SERDE.serializer().serialize("", p));
      List<String> key = List.of(read.rootService(), read.rootOperation());
      byte[] w = traceSeries.add(traceWindows.get(key), read);
      traceWindows.put(key, w);
      bytes += w.length;
    }
    for (EdgePartial p : openEdges.values()) {
      EdgePartial read = EdgePartial.fromBytes(EdgePartial.SERDE.serializer().serialize("", p));
      List<String> key = List.of(read.client(), read.server(), read.connectionType());
      byte[] w = edgeSeries.add(edgeWindows.get(key), read);
      edgeWindows.put(key, w);
      bytes += w.length;
    }
    return bytes;
  }
}

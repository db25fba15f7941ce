package io.tracestream.topology;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.traces.TraceSpan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The span batches of trace assembly ({@link TraceSpans}: the {@code spans-by-trace} repartition topic and
 * the {@code trace-assembly-spans} store hold them in one format) written and read, per span, in spans/s.
 * The input is what {@link SpanDecoder} makes of a 512-span {@code RealisticSpans} request split by trace
 * as the bridge writes it (one batch per trace, ~27 spans). The bytes per span of the format are printed
 * at set-up. Run with {@code -prof gc} for the allocation per span ({@code gc.alloc.rate.norm} / 512).
 * In this package because the format is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TraceSpansCodecBench.SPANS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class TraceSpansCodecBench {
  static final int SPANS = 512;
  private static final int REQUESTS = 8;

  private List<List<TraceSpans>> batches;
  private List<List<byte[]>> encoded;
  private int next;

  @Setup
  public void setUp() throws Exception {
    List<ExportTraceServiceRequest> requests =
        RealisticSpans.generate(REQUESTS, SPANS, 42, Instant.parse("2026-01-01T00:00:00Z"));
    TraceSplitter splitter = new TraceSplitter(1 << 20);
    batches = new ArrayList<>();
    encoded = new ArrayList<>();
    long bytes = 0;
    for (ExportTraceServiceRequest request : requests) {
      List<TraceSpans> ofRequest = new ArrayList<>();
      List<byte[]> written = new ArrayList<>();
      int spans = 0;
      for (TraceRecord record : splitter.split(request).records()) {
        List<TraceSpan> trace = new ArrayList<>();
        for (WireSpan span : OtlpSpanReader.read(record.value())) {
          trace.add(span.toTraceSpan());
        }
        TraceSpans batch = new TraceSpans(trace.get(0).traceId(), trace, false);
        ofRequest.add(batch);
        written.add(TraceSpans.write(batch));
        bytes += written.get(written.size() - 1).length;
        spans += trace.size();
      }
      if (spans != SPANS) {
        throw new IllegalStateException("a request's records do not hold " + SPANS + " spans");
      }
      batches.add(ofRequest);
      encoded.add(written);
    }
    System.out.printf("%nTraceSpans format: %.1f bytes per span%n", (double) bytes / (REQUESTS * SPANS));
  }

  private int nextRequest() {
    next = (next + 1) % REQUESTS;
    return next;
  }

  @Benchmark
  public void write(Blackhole blackhole) {
    for (TraceSpans batch : batches.get(nextRequest())) {
      blackhole.consume(TraceSpans.write(batch));
    }
  }

  @Benchmark
  public void read(Blackhole blackhole) {
    for (byte[] bytes : encoded.get(nextRequest())) {
      blackhole.consume(TraceSpans.read(bytes));
    }
  }
}

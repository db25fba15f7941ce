package io.tracestream.benchmarks.jmh;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceSplitter;
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

/**
 * The bridge's per-request work on a Collector-sized request of 512 spans, in spans/s: OTLP protobuf
 * decode, OTLP/JSON decode, and the split by trace into {@code otlp_spans} records (copying each
 * span's encoded bytes under its resource and scope). {@code decodeAndSplit} keeps its name so that its
 * scores compare with those from before the split read encoded requests, when it decoded and then split.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(Inputs.SPANS_PER_REQUEST)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class CodecBench {
  private static final int REQUESTS = 8;

  private byte[][] protobuf;
  private byte[][] json;
  private ExportTraceServiceRequest[] decoded;
  private final TraceSplitter splitter = new TraceSplitter(1 << 20);
  private int next;

  @Setup
  public void setUp() {
    List<ExportTraceServiceRequest> requests = Inputs.requests(REQUESTS);
    protobuf = requests.stream().map(ExportTraceServiceRequest::toByteArray).toArray(byte[][]::new);
    json = requests.stream().map(Inputs::otlpJson).toArray(byte[][]::new);
    decoded = requests.toArray(ExportTraceServiceRequest[]::new);
  }

  private int next() {
    next = (next + 1) % REQUESTS;
    return next;
  }

  @Benchmark
  public ExportTraceServiceRequest decodeProtobuf() throws OtlpDecodeException {
    return OtlpCodec.decodeProtobuf(protobuf[next()]);
  }

  @Benchmark
  public ExportTraceServiceRequest decodeOtlpJson() throws OtlpDecodeException {
    return OtlpCodec.decodeJson(json[next()]);
  }

  /** What OTLP/JSON and replay do after decoding: encode once, then split. */
  @Benchmark
  public SplitResult splitByTrace() {
    return splitter.split(decoded[next()]);
  }

  /** What the bridge does per protobuf request before producing: split the body, checking it as a decode would. */
  @Benchmark
  public SplitResult decodeAndSplit() throws OtlpDecodeException {
    return splitter.split(protobuf[next()]);
  }
}

package io.tracestream.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.RejectReason;
import io.tracestream.span.TraceIds;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.traces.TraceSpan;
import java.time.Instant;
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
 * The decoding part of {@link SpanDecoder} per span, in spans/s: from an otlp_spans record's bytes to
 * one {@link SpanSample} and one {@link TraceSpan} per span. {@code parseFrom} is how it was done
 * before issue #10 ({@code ExportTraceServiceRequest.parseFrom}, then {@code TraceSpan.from}),
 * {@code wireReader} how it is done now ({@link OtlpSpanReader}). The input is what the topology
 * reads: {@code RealisticSpans} requests of 512 spans split by trace as the bridge writes them (one
 * record per trace, ~27 spans, resource and scope kept). In this package because the reader is
 * package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(SpanDecodeBench.SPANS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class SpanDecodeBench {
  static final int SPANS = 512;
  private static final int REQUESTS = 8;

  private byte[][][] records;
  private int next;

  @Setup
  public void setUp() {
    List<ExportTraceServiceRequest> requests =
        RealisticSpans.generate(REQUESTS, SPANS, 42, Instant.parse("2026-01-01T00:00:00Z"));
    TraceSplitter splitter = new TraceSplitter(1 << 20);
    records = new byte[REQUESTS][][];
    for (int i = 0; i < REQUESTS; i++) {
      List<TraceRecord> split = splitter.split(requests.get(i)).records();
      if (split.stream().mapToInt(TraceRecord::spanCount).sum() != SPANS) {
        throw new IllegalStateException("a request's records do not hold " + SPANS + " spans");
      }
      records[i] = split.stream().map(TraceRecord::value).toArray(byte[][]::new);
    }
  }

  private byte[][] nextRequest() {
    next = (next + 1) % REQUESTS;
    return records[next];
  }

  @Benchmark
  public void parseFrom(Blackhole blackhole) throws InvalidProtocolBufferException {
    for (byte[] record : nextRequest()) {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(record);
      for (ResourceSpans rs : request.getResourceSpansList()) {
        String service = serviceName(rs);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            long duration = Math.max(0, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
            blackhole.consume(new SpanSample(service, cut(span.getName()), span.getKindValue(),
                span.getStatus().getCodeValue(), duration, span.getEndTimeUnixNano() / 1_000_000,
                TraceIds.toHex(span.getTraceId())));
            if (RejectReason.checkIds(span) == null) {
              blackhole.consume(TraceSpan.from(span, service));
            }
          }
        }
      }
    }
  }

  @Benchmark
  public void wireReader(Blackhole blackhole) throws InvalidProtocolBufferException {
    for (byte[] record : nextRequest()) {
      for (WireSpan span : OtlpSpanReader.read(record)) {
        long duration = Math.max(0, span.endNanos() - span.startNanos());
        blackhole.consume(new SpanSample(span.service(), cut(span.name()), span.kind(), span.statusCode(), duration,
            span.endNanos() / 1_000_000, span.traceId()));
        if (span.validIds()) {
          blackhole.consume(span.toTraceSpan());
        }
      }
    }
  }

  /** As SpanDecoder did before the reader. */
  private static String serviceName(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if ("service.name".equals(kv.getKey()) && !kv.getValue().getStringValue().isEmpty()) {
        return cut(kv.getValue().getStringValue());
      }
    }
    return SpanDecoder.UNKNOWN_SERVICE;
  }

  private static String cut(String name) {
    return name.length() <= SpanDecoder.MAX_NAME_CHARS ? name : name.substring(0, SpanDecoder.MAX_NAME_CHARS);
  }
}

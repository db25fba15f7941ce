package io.tracestream.topology;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.config.Settings;
import io.tracestream.span.TraceIds;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The topology on a TopologyTestDriver, with spans built at event times relative to {@link #T0} and
 * a wall clock (for clamping and idleness) starting an hour after T0. Unless {@link #holdWallClock} is
 * called, the driver's wall clock follows event time as in a steady live flow: before a record whose
 * latest span end is past every one sent before, it advances by the difference (running the wall-clock
 * punctuations: pre-aggregation flushes, progress reports, trace completion in processing time).
 */
final class TopologyFixture implements AutoCloseable {
  /** Event time of the tests: a minute boundary, so windows are [T0 + k min, T0 + (k+1) min). */
  static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
  private static final AtomicLong IDS = new AtomicLong(1);

  final InMemoryTopologyMetrics metrics = new InMemoryTopologyMetrics();
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> spans;
  final TestOutputTopic<SeriesKey, WindowResult> results;
  final TestOutputTopic<byte[], byte[]> dlq;
  final TestOutputTopic<String, TraceSummary> traces;
  final TestOutputTopic<TraceSeriesKey, WindowResult> traceMetrics;
  final TestOutputTopic<EdgeKey, EdgeWindowResult> edges;
  private boolean followEventTime = true;
  private long latestEndMs = Long.MIN_VALUE;

  TopologyFixture(Path stateDir, String... overrides) {
    Map<String, String> values = new HashMap<>();
    values.put("topology.window", "1m");
    values.put("topology.grace", "30s");
    values.put("topology.idle.close", "1m");
    // each span's sample goes on alone, so a window result follows its input at once; the tests of
    // pre-aggregation set an interval and advance the wall clock
    values.put("topology.preaggregate.interval", "0s");
    for (String o : overrides) {
      values.put(o.substring(0, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
    }
    TopologyConfig config = TopologyConfig.from(Settings.of(values));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tracestream");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    Clock wallClock = Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC);
    driver = new TopologyTestDriver(new StreamTopology(config, metrics, wallClock, 1).get(), props,
        T0.plusSeconds(3600));
    spans = driver.createInputTopic("otlp_spans", new ByteArraySerializer(), new ByteArraySerializer());
    results = driver.createOutputTopic("tracestream.span-metrics",
        StreamTopology.SERIES_KEY.deserializer(), StreamTopology.WINDOW_RESULT.deserializer());
    dlq = driver.createOutputTopic("tracestream.dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    traces = driver.createOutputTopic("tracestream.traces", new StringDeserializer(),
        StreamTopology.TRACE_SUMMARY.deserializer());
    traceMetrics = driver.createOutputTopic("tracestream.trace-metrics",
        StreamTopology.TRACE_SERIES_KEY.deserializer(), StreamTopology.WINDOW_RESULT.deserializer());
    edges = driver.createOutputTopic("tracestream.edges",
        StreamTopology.EDGE_KEY.deserializer(), StreamTopology.EDGE_WINDOW_RESULT.deserializer());
  }

  /** Sends the spans as one record keyed by the first span's trace id, as the bridge writes them. */
  void send(String service, Span... spans) {
    byte[] key = TraceIds.toHex(spans[0].getTraceId()).getBytes(StandardCharsets.UTF_8);
    follow(spans);
    this.spans.pipeInput(new TestRecord<>(key, request(service, spans).toByteArray(), T0));
  }

  /** As {@link #send(String, Span...)}, with these resource attributes besides {@code service.name}. */
  void send(String service, Map<String, AnyValue> resource, Span... spans) {
    byte[] key = TraceIds.toHex(spans[0].getTraceId()).getBytes(StandardCharsets.UTF_8);
    follow(spans);
    ExportTraceServiceRequest.Builder request = request(service, spans).toBuilder();
    resource.forEach((name, value) -> request.getResourceSpansBuilder(0).getResourceBuilder()
        .addAttributes(KeyValue.newBuilder().setKey(name).setValue(value)));
    this.spans.pipeInput(new TestRecord<>(key, request.build().toByteArray(), T0));
  }

  /** Sends the spans as one record with a null key, as a Collector writes by default. */
  void sendUnkeyed(String service, Span... spans) {
    follow(spans);
    this.spans.pipeInput(new TestRecord<>(null, request(service, spans).toByteArray(), T0));
  }

  /** From here on the wall clock moves only by {@link #advanceWallClock}: records arrive in a burst. */
  void holdWallClock() {
    followEventTime = false;
  }

  void advanceWallClock(Duration duration) {
    driver.advanceWallClockTime(duration);
  }

  /**
   * Two more seconds of wall-clock time, each running the punctuations: a progress report sent in one
   * reaches the tasks downstream after their own punctuation, and what they report with it goes in the next.
   */
  void settle() {
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    driver.advanceWallClockTime(Duration.ofSeconds(1));
  }

  private void follow(Span... spans) {
    long endMs = Long.MIN_VALUE;
    for (Span span : spans) {
      endMs = Math.max(endMs, span.getEndTimeUnixNano() / 1_000_000);
    }
    if (followEventTime && latestEndMs != Long.MIN_VALUE && endMs > latestEndMs) {
      driver.advanceWallClockTime(Duration.ofMillis(endMs - latestEndMs));
    }
    latestEndMs = Math.max(latestEndMs, endMs);
  }

  static ExportTraceServiceRequest request(String service, Span... spans) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue(service))))
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  /** A span of a trace of its own, ending {@code endOffsetMs} after T0, that took {@code durationMs}. */
  static Span span(String name, Span.SpanKind kind, boolean error, long endOffsetMs, double durationMs) {
    return span(IDS.getAndIncrement(), 0, name, kind, error, endOffsetMs, durationMs);
  }

  /** A span of trace {@code trace}, child of span {@code parent} (0: a root). */
  static Span span(long trace, long parent, String name, Span.SpanKind kind, boolean error, long endOffsetMs,
      double durationMs) {
    long end = (T0.toEpochMilli() + endOffsetMs) * 1_000_000L;
    long id = IDS.getAndIncrement();
    Span.Builder span = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(1).putLong(trace).array()))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName(name).setKind(kind)
        .setStartTimeUnixNano(end - (long) (durationMs * 1_000_000L)).setEndTimeUnixNano(end)
        .setStatus(Status.newBuilder().setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET));
    if (parent != 0) {
      span.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(parent).array()));
    }
    return span.build();
  }

  static long spanId(Span span) {
    return span.getSpanId().asReadOnlyByteBuffer().getLong();
  }

  static String traceId(long trace) {
    return TraceIds.toHex(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(1).putLong(trace).array()));
  }

  @Override
  public void close() {
    driver.close();
  }
}

package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static io.tracestream.topology.TopologyFixture.T0;
import static io.tracestream.topology.TopologyFixture.request;
import static io.tracestream.topology.TopologyFixture.span;
import static org.assertj.core.api.Assertions.within;

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
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamTopologyTest {
  @TempDir
  Path stateDir;

  private TopologyFixture fixture;
  private InMemoryTopologyMetrics metrics;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> spans;
  private TestOutputTopic<SeriesKey, WindowResult> results;
  private TestOutputTopic<byte[], byte[]> dlq;

  private void start(String... overrides) {
    fixture = new TopologyFixture(stateDir, overrides);
    metrics = fixture.metrics;
    driver = fixture.driver;
    spans = fixture.spans;
    results = fixture.results;
    dlq = fixture.dlq;
  }

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aWindowEmitsOneFinalResultOnceEventTimePassesItsEndPlusGrace() {
    start();
    send("checkout", span("POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 100));
    send("checkout", span("POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, false, 20_000, 300));
    send("checkout", span("POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, false, 89_999, 5)); // next window
    assertThat(results.isEmpty()).as("no partial result before end + grace").isTrue();

    send("checkout", span("POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, false, 90_000, 5));

    List<org.apache.kafka.streams.KeyValue<SeriesKey, WindowResult>> out = results.readKeyValuesToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).key).isEqualTo(new SeriesKey("checkout", "POST /checkout", "SPAN_KIND_SERVER",
        "STATUS_CODE_UNSET"));
    WindowResult r = out.get(0).value;
    assertThat(r.windowStart()).isEqualTo(T0.toEpochMilli());
    assertThat(r.windowEnd()).isEqualTo(T0.toEpochMilli() + 60_000);
    assertThat(r.count()).isEqualTo(2);
    assertThat(r.errors()).isZero();
    assertThat(r.sumMs()).isCloseTo(400, within(1e-9));
    assertThat(r.maxMs()).isCloseTo(300, within(1e-9));
    assertThat(r.p50Ms()).as("DDSketch rank floor(q * (n - 1))").isCloseTo(100, within(100 * 0.005));
    assertThat(r.buckets().get(6)).as("100 ms falls in le=100").isEqualTo(1);
    assertThat(r.buckets().get(8)).as("300 ms falls in le=400").isEqualTo(1);
    assertThat(r.buckets().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
  }

  @Test
  void aSpanWithinGraceIsCountedInItsWindow() {
    start();
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 75_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 50_000, 10)); // 25 s late, grace 30 s

    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 95_000, 10));

    assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.count()).isEqualTo(2));
    assertThat(metrics.get("late.spans.checkout")).isZero();
  }

  @Test
  void aSpanLaterThanGraceIsCountedAsLateAndNotAggregated() {
    start();
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 95_000, 10));
    assertThat(results.readValuesToList()).hasSize(1);

    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 20_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 155_000, 10)); // closes [60s, 120s)

    assertThat(results.readValuesToList()).singleElement().satisfies(r -> {
      assertThat(r.windowStart()).isEqualTo(T0.toEpochMilli() + 60_000);
      assertThat(r.count()).isEqualTo(1);
    });
    assertThat(metrics.get("late.spans.checkout")).isEqualTo(1);
  }

  @Test
  void recordsWithANullKeyAreMeasuredLikeKeyedOnes() {
    start();
    ExportTraceServiceRequest request = request("payments",
        span("charge", Span.SpanKind.SPAN_KIND_CLIENT, false, 5_000, 40),
        span("charge", Span.SpanKind.SPAN_KIND_CLIENT, false, 6_000, 60));
    spans.pipeInput(new TestRecord<>(null, request.toByteArray(), T0));

    send("payments", span("charge", Span.SpanKind.SPAN_KIND_CLIENT, false, 120_000, 1));

    assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.count()).isEqualTo(2));
  }

  @Test
  void anUndecodableRecordGoesToTheDlqWithHeadersAndProcessingGoesOn() {
    start();
    byte[] garbage = "not protobuf".getBytes(StandardCharsets.UTF_8);
    spans.pipeInput(new TestRecord<>("abc".getBytes(StandardCharsets.UTF_8), garbage, T0));

    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertThat(dead.value()).isEqualTo(garbage);
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("abc");
    assertThat(header(dead, "tracestream.error")).isNotBlank();
    assertThat(header(dead, "tracestream.error.class")).contains("InvalidProtocolBufferException");
    assertThat(header(dead, "tracestream.source.topic")).isEqualTo("otlp_spans");
    assertThat(metrics.get("poison")).isEqualTo(1);

    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 95_000, 10));
    assertThat(results.readValuesToList()).hasSize(1);
  }

  @Test
  void operationsPastThePerServiceLimitFoldIntoOneOverflowSeries() {
    start("topology.max.operations.per.service=2");
    send("search", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 1_000, 1));
    send("search", span("GET /b", Span.SpanKind.SPAN_KIND_SERVER, false, 2_000, 1));
    send("search", span("GET /c", Span.SpanKind.SPAN_KIND_SERVER, false, 3_000, 1));
    send("search", span("GET /d", Span.SpanKind.SPAN_KIND_SERVER, false, 4_000, 1));
    send("search", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 5_000, 1));
    send("other", span("GET /z", Span.SpanKind.SPAN_KIND_SERVER, false, 6_000, 1));

    send("search", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 100_000, 1));

    Map<String, Long> counts = new HashMap<>();
    results.readKeyValuesToList().stream().filter(kv -> kv.key.service().equals("search"))
        .forEach(kv -> counts.put(kv.key.operation(), kv.value.count()));
    assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("GET /a", 2L, "GET /b", 1L, "__overflow__", 2L));
    assertThat(metrics.get("overflow.spans.search")).isEqualTo(2);
  }

  @Test
  void errorSpansFormTheirOwnSeriesAndCountAsErrors() {
    start();
    send("checkout", span("POST /pay", Span.SpanKind.SPAN_KIND_SERVER, true, 1_000, 10));
    send("checkout", span("POST /pay", Span.SpanKind.SPAN_KIND_SERVER, false, 2_000, 10));
    send("checkout", span("POST /pay", Span.SpanKind.SPAN_KIND_SERVER, false, 100_000, 10));

    Map<String, WindowResult> byStatus = new HashMap<>();
    results.readKeyValuesToList().forEach(kv -> byStatus.put(kv.key.status(), kv.value));
    assertThat(byStatus.get("STATUS_CODE_ERROR").errors()).isEqualTo(1);
    assertThat(byStatus.get("STATUS_CODE_UNSET").errors()).isZero();
  }

  @Test
  void aSpanFromAClockInTheFutureIsClampedAndDoesNotCloseOpenWindows() {
    start("topology.max.future.skew=10s");
    long wallClockOffset = 3_600_000;
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, wallClockOffset - 10_000, 10));
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, wallClockOffset + 86_400_000L, 10));

    assertThat(metrics.get("clamped")).isEqualTo(1);
    assertThat(results.isEmpty()).as("clamped to wall clock + 10 s, before the open window's end + grace")
        .isTrue();
  }

  @Test
  void theLastWindowOfAnIdleTaskClosesWithTheWallClock() {
    start();
    send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 10));
    driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(results.isEmpty()).isTrue();

    driver.advanceWallClockTime(Duration.ofSeconds(90));

    assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.count()).isEqualTo(1));
  }

  @Test
  void storesAndInternalTopicsKeepTheirNames() {
    start();
    TopologyDescription description = new StreamTopology(
        TopologyConfig.from(Settings.of(Map.of())), TopologyMetrics.NOOP, Clock.systemUTC(), 1).get().describe();
    TreeSet<String> stores = new TreeSet<>();
    TreeSet<String> topics = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : description.subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Processor p) {
          stores.addAll(p.stores());
        } else if (node instanceof TopologyDescription.Source s) {
          topics.addAll(s.topicSet());
        } else if (node instanceof TopologyDescription.Sink s) {
          topics.add(s.topic());
        }
      }
    }
    // Renaming any of these loses state or strands data on upgrade: change only with a migration note.
    assertThat(stores).containsExactly("dependency-links", "edge-partials", "edge-state", "edge-windows", "services",
        "span-exemplars", "span-metrics-state", "span-metrics-windows", "span-partials", "span-partials-progress",
        "trace-assembly-spans", "trace-assembly-state", "trace-assembly-traces",
        "trace-metrics-state", "trace-metrics-windows", "trace-partials", "trace-summaries");
    // trace-summaries-by-root-service and edges-by-client (JSON, a record per trace and per edge) were
    // replaced by the partials' topics: README, "Upgrading across trace and edge pre-aggregation"
    assertThat(topics).containsExactly("edge-partials-by-client-repartition", "otlp_spans",
        "span-partials-by-service-repartition", "spans-by-trace-repartition",
        "trace-partials-by-root-service-repartition", "tracestream.dlq", "tracestream.edges",
        "tracestream.span-metrics", "tracestream.trace-metrics", "tracestream.traces");
  }

  @Test
  void everySeriesOfAServiceGoesToOnePartitionOfTheResultsTopic() {
    var a = StreamTopology.byService("t", new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER",
        "STATUS_CODE_UNSET"), null, 12);
    var b = StreamTopology.byService("t", new SeriesKey("checkout", "POST /pay", "SPAN_KIND_CLIENT",
        "STATUS_CODE_ERROR"), null, 12);
    var others = new TreeSet<Integer>();
    for (int i = 0; i < 50; i++) {
      others.addAll(StreamTopology.byService("t", new SeriesKey("service-" + i, "x", "SPAN_KIND_SERVER",
          "STATUS_CODE_UNSET"), null, 12).orElseThrow());
    }

    assertThat(a).isEqualTo(b).get().satisfies(p -> assertThat(p).hasSize(1));
    assertThat(others).as("services spread over partitions").hasSizeGreaterThan(6);
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void send(String service, Span span) {
    fixture.send(service, span);
  }
}

package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import io.tracestream.testkit.SdkShop;
import io.tracestream.testkit.ShopTraces;
import io.tracestream.testkit.TopicReader;
import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummaries;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the bridge's broker stops for 30 s while four services, each with its own OpenTelemetry SDK,
 * go on making traces (user → gateway → pricing, gateway → payments → fulfil) and their exporters retry;
 * after the broker is back, every edge count and trace summary is exact. Bridge and topology at their
 * defaults (window 1m, grace 30s, trace idle 10s, idle close 1m), never restarted.
 *
 * <p>What "exact" can mean. A span reaches {@code otlp_spans} when the bridge acknowledged it, or when Kafka
 * took it after the bridge had already answered UNAVAILABLE (its {@code bridge.kafka.ack.timeout} passed
 * while the broker was gone): the SDK then sends it again and it is stored twice. A span whose export the
 * SDK gave up on (its retries exhausted, or its queue full) and that Kafka never took is not stored, and its
 * trace is partial. So the test reads {@code otlp_spans} after the run, checks that every span the SDKs
 * reported exported is there, and expects exactly what the stored spans describe: per trace a summary of
 * its distinct spans (a span stored twice is one span; the latest summary counts, since a trace that a
 * straggler rejoins is summarized again) and its edges counted once; the extra copies dropped by trace
 * assembly ({@code tracestream_dropped_spans_total{reason="duplicate"}}), nothing unpaired but what the
 * distinct spans leave unpaired (a span that a straggler's rejoin pairs was not without its partner), no
 * edge late. The retry policy below outlasts
 * the outage, so normally no span is given up on and every trace is whole; the report says how many were.
 */
class SdkBrokerStopFaultIT {
  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("faults.sdk.outage.seconds", 30));
  private static final String SPANS = "sdkstop_spans";
  private static final String TRACES = "sdkstop_traces";
  /**
   * The exporters' retries: the OTLP exporter's default (5 attempts, 1 s backoff growing to 5 s, all within
   * its 10 s timeout) gives up after about 10 s; this one waits 5, 10, 20, 20 s (each ±20 %), so the last of
   * its 5 attempts comes 44 to 66 s after the first failure, within a 2 min timeout. (The SDK's gRPC sender
   * ignores the bridge's RetryInfo; only the policy sets the delays.)
   */
  private static final RetryPolicy RETRY = RetryPolicy.builder().setMaxAttempts(5)
      .setInitialBackoff(Duration.ofSeconds(5)).setMaxBackoff(Duration.ofSeconds(20)).setBackoffMultiplier(2).build();
  private static final Duration EXPORT_TIMEOUT = Duration.ofMinutes(2);
  /** One trace every 200 ms: 15 gateway spans a second, which a queue of 10,000 holds for longer than the retries. */
  private static final Duration EVERY = Duration.ofMillis(200);
  /** After the last span: two idle closes (trace assembly, then edge windows), window, grace, trace idle, margin. */
  private static final Duration SETTLE = Duration.ofSeconds(2 * 60 + 60 + 30 + 10 + 60);

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void tracesMadeThroughABrokerOutageComeOutWithExactEdgesAndSummaries() throws Exception {
    Assumptions.assumeTrue(KAFKA.broker().canStop(), "needs a broker the test can stop");
    KAFKA.createTopics(4, SPANS);
    Map<String, String> bridgeSettings = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0");
    Map<String, String> topologySettings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "topic.span-metrics", "sdkstop_span_metrics", "topic.dlq", "sdkstop_dlq",
        "topic.traces", TRACES, "topic.trace-metrics", "sdkstop_trace_metrics", "topic.edges", "sdkstop_edges",
        "topology.application.id", "sdk-stop-fault", "topology.state.dir", stateDir.toString()));
    topologySettings.put("topology.admin.port", "0");
    long started = System.nanoTime();

    try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
        TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
      int admin = topology.adminPort();
      Await.until(Duration.ofSeconds(60), "the topology to be ready",
          () -> AdminPort.get(admin, "/health/ready").statusCode() == 200);
      SdkShop shop = new SdkShop("http://127.0.0.1:" + bridge.grpcPort(),
          exporter -> exporter.setRetryPolicy(RETRY).setTimeout(EXPORT_TIMEOUT),
          processor -> processor.setExporterTimeout(EXPORT_TIMEOUT).setMaxQueueSize(10_000));
      double caughtUpSeconds;
      try (shop) {
        // Given four services' traces flowing through the bridge
        shop.startTraffic(EVERY);
        Await.until(Duration.ofSeconds(60), "the spans of 50 traces acknowledged",
            () -> shop.exported().size() >= 50 * ShopTraces.SPANS.size());

        // When the broker stops for 30 s while the services go on making traces
        KAFKA.broker().stop();
        long stopped = System.nanoTime();
        Await.until(Duration.ofSeconds(30), "the bridge to answer UNAVAILABLE",
            () -> AdminPort.sum(AdminPort.scrape(bridge.adminPort()), "tracestream_bridge_spans_refused_total") > 0);
        Await.until(OUTAGE.plusSeconds(10), "the outage to last " + OUTAGE.toSeconds() + " s",
            () -> System.nanoTime() - stopped >= OUTAGE.toNanos());
        Map<String, Long> endedBeforeBack = shop.ended();
        KAFKA.broker().start();
        long back = System.nanoTime();

        // Then the SDKs' retries get through what was made during the outage, and traffic goes on for 20 s more
        Await.until(EXPORT_TIMEOUT.plusSeconds(30), "every span made before the broker returned to be exported"
            + " or given up", () -> covers(shop.settled(), endedBeforeBack));
        caughtUpSeconds = (System.nanoTime() - back) / 1e9;
        long caughtUp = System.nanoTime();
        Await.until(Duration.ofSeconds(40), "20 s more traffic", () -> System.nanoTime() - caughtUp >= 20e9);
        shop.stopTraffic();
        shop.flush(EXPORT_TIMEOUT);
      }

      // What Kafka holds is what the topology can count: every span stored, with its copies
      Stored stored = Stored.read();
      Map<String, Long> expectedEdges = new TreeMap<>();
      Map<String, Double> expectedUnpaired = new TreeMap<>();
      Map<String, TraceSummary> expectedSummaries = new HashMap<>();
      stored.traces.forEach((traceId, copies) -> {
        DependencyLinker.Result links = DependencyLinker.link(distinct(copies));
        links.edges().forEach(e -> expectedEdges.merge(e.client() + "->" + e.server(), 1L, Long::sum));
        links.unpaired().forEach((reason, n) -> expectedUnpaired.merge("reason=\"" + reason.tag() + "\"", (double) n,
            Double::sum));
        expectedSummaries.put(traceId, TraceSummaries.of(distinct(copies)));
      });
      long edgesStored = expectedEdges.values().stream().mapToLong(Long::longValue).sum();
      long endTs = Instant.now().plus(Duration.ofMinutes(10)).toEpochMilli();
      boolean settled = Await.holds(SETTLE, () -> {
        String metrics = AdminPort.scrape(admin);
        return total(AdminPort.dependencies(admin, endTs, Duration.ofHours(1)))
            + AdminPort.sum(metrics, "tracestream_late_edges_total") >= edgesStored
            && AdminPort.sum(metrics, "tracestream_traces_completed_total") >= stored.traces.size();
      });
      Map<String, List<TraceSummary>> summaries = summaries(stored.traces.size());
      String metrics = AdminPort.scrape(admin);
      Map<String, Long> edges = AdminPort.dependencies(admin, endTs, Duration.ofHours(1));

      Set<String> lost = new HashSet<>(shop.exported());
      lost.removeAll(stored.spanIds);
      Set<String> foreign = new HashSet<>(stored.traces.keySet());
      foreign.removeAll(shop.traces().keySet());
      long whole = stored.traces.values().stream().filter(t -> distinct(t).size() == ShopTraces.SPANS.size()).count();
      long ended = shop.ended().values().stream().mapToLong(Long::longValue).sum();
      long dropped = ended - shop.exported().size() - shop.failed().size();
      long wrongSummaries = stored.traces.keySet().stream()
          .filter(id -> !expectedSummaries.get(id).equals(latest(summaries.get(id)))).count();
      long resent = summaries.values().stream().filter(s -> s.size() > 1).count();
      System.out.printf("SdkBrokerStopFaultIT: %d traces made, %d spans ended, %d exported, %d failed, %d dropped,"
          + " %d stored (%d distinct), %d whole traces; edges %s, expected %s; unpaired %s, expected %s;"
          + " late edges %s, traces %s, spans %s, trace spans %s, rejoined trace spans %s;"
          + " %d of %d latest summaries wrong, %d traces summarized more than once%n",
          shop.traces().size(), ended, shop.exported().size(), shop.failed().size(), dropped, stored.copies,
          stored.spanIds.size(), whole, edges, expectedEdges,
          AdminPort.samples(metrics, "tracestream_edge_unpaired_spans_total"), expectedUnpaired,
          AdminPort.samples(metrics, "tracestream_late_edges_total"),
          AdminPort.samples(metrics, "tracestream_late_traces_total"),
          AdminPort.samples(metrics, "tracestream_late_spans_total"),
          AdminPort.samples(metrics, "tracestream_late_trace_spans_total"),
          AdminPort.samples(metrics, "tracestream_rejoined_trace_spans_total"), wrongSummaries, stored.traces.size(),
          resent);
      ReliabilityReport.write("broker-stop-sdk", String.format("""
          | faults injected | traces made | spans ended | exported (SDK) | given up (SDK) | stored (distinct) \
          | stored twice | whole traces | SDKs caught up after broker start (s) | edges exact | summaries exact \
          | summaries sent again | rejoined spans | unpaired spans (expected) | late edges | late spans \
          | test duration (s) |
          | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
          | broker stopped %d s under 4 SDK services | %d | %d | %d | %d | %d | %d | %d | %.1f | %s | %d of %d \
          | %d | %.0f | %.0f (%.0f) | %.0f | %.0f | %.0f |
          """, OUTAGE.toSeconds(), shop.traces().size(), ended, shop.exported().size(),
          shop.failed().size() + dropped, stored.spanIds.size(), stored.copies - stored.spanIds.size(), whole,
          caughtUpSeconds, edges.equals(expectedEdges) ? "yes" : "no: " + edges + " of " + expectedEdges,
          stored.traces.size() - wrongSummaries, stored.traces.size(), resent,
          AdminPort.sum(metrics, "tracestream_rejoined_trace_spans_total"),
          AdminPort.sum(metrics, "tracestream_edge_unpaired_spans_total"),
          expectedUnpaired.values().stream().mapToDouble(Double::doubleValue).sum(),
          AdminPort.sum(metrics, "tracestream_late_edges_total"),
          AdminPort.sum(metrics, "tracestream_late_spans_total"), (System.nanoTime() - started) / 1e9));

      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(lost).as("spans the SDKs reported exported that are not in " + SPANS).isEmpty();
      soft.assertThat(foreign).as("stored traces the services did not make").isEmpty();
      soft.assertThat(settled).as("every stored edge in a closed window or counted late within " + SETTLE).isTrue();
      soft.assertThat(edges).as("/api/dependencies over the run").isEqualTo(expectedEdges);
      soft.assertThat(wrongSummaries).as("traces whose latest summary is not that of their distinct stored spans"
          + ", of " + stored.traces.size()).isZero();
      soft.assertThat(withoutZeros(AdminPort.samples(metrics, "tracestream_edge_unpaired_spans_total")))
          .as("tracestream_edge_unpaired_spans_total: the stored spans' own, not those of a trace completed"
              + " before a straggler rejoined it").isEqualTo(expectedUnpaired);
      soft.assertThat(AdminPort.sum(metrics, "tracestream_late_edges_total")).as("late edges").isZero();
      soft.assertAll();
    }
  }

  /** Whether every service has settled at least as many spans as {@code ended} says. */
  private static boolean covers(Map<String, Long> settled, Map<String, Long> ended) {
    return ended.entrySet().stream().allMatch(e -> settled.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }

  private static long total(Map<String, Long> links) {
    return links.values().stream().mapToLong(Long::longValue).sum();
  }

  private static Map<String, Double> withoutZeros(Map<String, Double> samples) {
    Map<String, Double> out = new TreeMap<>(samples);
    out.values().removeIf(v -> v == 0);
    return out;
  }

  /** The summary written last (a rejoined straggler's trace is summarized again), or null. */
  private static TraceSummary latest(List<TraceSummary> summaries) {
    return summaries == null ? null : summaries.get(summaries.size() - 1);
  }

  /** The first copy of each span id, in stored order. */
  private static List<TraceSpan> distinct(List<TraceSpan> spans) {
    Map<String, TraceSpan> first = new LinkedHashMap<>();
    spans.forEach(s -> first.putIfAbsent(s.spanId(), s));
    return List.copyOf(first.values());
  }

  /** Every summary on the traces topic, by trace id, once {@code expected} trace ids have one (or 60 s passed). */
  private static Map<String, List<TraceSummary>> summaries(int expected) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(KAFKA.bootstrapServers(), TRACES,
        Duration.ofSeconds(90), r -> r.stream().map(ConsumerRecord::key).distinct().count() >= expected
            || System.nanoTime() > deadline);
    Map<String, List<TraceSummary>> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      out.computeIfAbsent(record.key(), k -> new ArrayList<>())
          .add(StreamTopology.TRACE_SUMMARY.deserializer().deserialize(TRACES, record.value()));
    }
    return out;
  }

  /** The spans on the spans topic, every copy, by trace id in stored order. */
  private record Stored(Map<String, List<TraceSpan>> traces, Set<String> spanIds, long copies) {
    static Stored read() throws Exception {
      long records;
      try (Admin admin = KAFKA.admin()) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(SPANS)).allTopicNames().get().get(SPANS).partitions()
            .forEach(p -> latest.put(new TopicPartition(SPANS, p.partition()), OffsetSpec.latest()));
        records = admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
      }
      Map<String, List<TraceSpan>> traces = new LinkedHashMap<>();
      Set<String> spanIds = new HashSet<>();
      long copies = 0;
      for (ConsumerRecord<String, byte[]> record : TopicReader.readUntil(KAFKA.bootstrapServers(), SPANS,
          Duration.ofSeconds(60), r -> r.size() >= records)) {
        for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(record.value()).getResourceSpansList()) {
          String service = rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
              .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse("unknown_service");
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span span : ss.getSpansList()) {
              TraceSpan traceSpan = TraceSpan.from(span, service);
              traces.computeIfAbsent(traceSpan.traceId(), k -> new ArrayList<>()).add(traceSpan);
              spanIds.add(traceSpan.spanId());
              copies++;
            }
          }
        }
      }
      return new Stored(traces, spanIds, copies);
    }
  }
}

package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SdkShop;
import io.tracestream.testkit.ShopTraces;
import io.tracestream.testkit.TopicReader;
import io.tracestream.topology.StreamTopology;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import io.tracestream.topology.traces.TraceSummary;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, scenario 2: a Jaeger export of 300 traces from two hours ago is replayed into the live spans
 * topic of a freshly started topology (window, grace and trace idle at their defaults), the input goes
 * quiet for longer than {@code topology.idle.close}, then four services send live traffic, each through
 * its own OpenTelemetry SDK, to the bridge. On 7531f6d the replayed range's edges stayed at 218 of 300:
 * edge windows closed when one upstream task's time (live input, or the idle close) passed them while
 * other partitions still held replayed traces.
 */
class ReplayThenLiveIT {
  private static final int REPLAYED = 300;
  private static final int LIVE = 200;
  private static final String SPANS = "replaylive_spans";
  private static final String TRACES = "replaylive_traces";
  /** topology.idle.close, left at its default: the quiet period outlasts it, so the idle logic acts. */
  private static final Duration IDLE_CLOSE = Duration.ofMinutes(1);
  private static final Duration QUIET = IDLE_CLOSE.plusSeconds(5);
  /** After the last live span: two idle closes (trace assembly, then edge windows), window, grace, margin. */
  private static final Duration SETTLE = IDLE_CLOSE.multipliedBy(2).plus(Duration.ofSeconds(60 + 30 + 10 + 60));

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  @Test
  void replayedTracesThenAQuietPeriodThenLiveTrafficGiveExactEdgesAndSummaries() throws Exception {
    KAFKA.createTopics(4, SPANS);
    Map<String, String> settings = topologySettings();
    Instant first = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MINUTES);
    Path export = dir.resolve("jaeger-export.json");
    Map<String, Instant> replayed = ShopTraces.writeJaegerJson(export, first, Duration.ofSeconds(1), REPLAYED, 16);
    Map<String, String> bridgeSettings = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0");

    try (TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(settings)));
        Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)))) {
      int admin = topology.adminPort();
      Await.until(Duration.ofSeconds(60), "the topology to be ready",
          () -> AdminPort.get(admin, "/health/ready").statusCode() == 200);

      // Given the export, replayed as fast as replay goes into the live spans topic of the fresh topology
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Replay.Outcome outcome = Replay.run(new ReplayOptions(List.of(export.toString()), null, false, null, null, null,
          false, null, null, false, null, Map.of(), Progress.Mode.NONE), Settings.of(settings),
          InputStream.nullInputStream(), new PrintStream(err, true, StandardCharsets.UTF_8));
      long replayedAt = System.nanoTime();
      assertThat(outcome.exitCode()).as(err.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(outcome.stats().spansSent()).isEqualTo(REPLAYED * ShopTraces.SPANS.size());

      // And no input for longer than topology.idle.close, in which the idle logic completes the replayed traces
      Await.until(QUIET.plusMinutes(2), "a quiet period of " + QUIET.toSeconds() + " s in which the "
          + REPLAYED + " replayed traces complete", () -> System.nanoTime() - replayedAt >= QUIET.toNanos()
          && AdminPort.sum(AdminPort.scrape(admin), "tracestream_traces_completed_total") >= REPLAYED);

      // When four services, each with its own SDK, send live traces to the bridge, one every 100 ms
      Map<String, Instant> live;
      try (SdkShop shop = new SdkShop("http://127.0.0.1:" + bridge.grpcPort())) {
        shop.startTraffic(Duration.ofMillis(100));
        Await.until(Duration.ofSeconds(120), LIVE + " live traces", () -> shop.traces().size() >= LIVE);
        shop.stopTraffic();
        assertThat(shop.flush(Duration.ofSeconds(30))).as("the SDKs' exports to the bridge succeeded").isTrue();
        live = shop.traces();
        assertThat(shop.exported()).as("spans the bridge acknowledged").hasSize(live.size() * ShopTraces.SPANS.size());
      }

      // Then, once every edge is in a closed window or counted late, the counts are exact and nothing is late
      long replayedEnd = first.plus(Duration.ofMinutes(10)).toEpochMilli();
      long liveEnd = Instant.now().plus(Duration.ofMinutes(10)).toEpochMilli();
      long edgesSent = ShopTraces.edges(REPLAYED + live.size()).values().stream().mapToLong(Long::longValue).sum();
      boolean settled = Await.holds(SETTLE, () -> {
        String metrics = AdminPort.scrape(admin);
        return total(AdminPort.dependencies(admin, replayedEnd, Duration.ofMinutes(20)))
            + total(AdminPort.dependencies(admin, liveEnd, Duration.ofHours(1)))
            + AdminPort.sum(metrics, "tracestream_late_edges_total") >= edgesSent;
      });
      Map<String, List<TraceSummary>> summaries = summaries(REPLAYED + live.size());
      String metrics = AdminPort.scrape(admin);
      System.out.println("ReplayThenLiveIT: " + diagnostics(metrics));

      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(settled).as("every edge in a closed window or counted late within " + SETTLE).isTrue();
      soft.assertThat(AdminPort.dependencies(admin, replayedEnd, Duration.ofMinutes(20)))
          .as("/api/dependencies over the replayed range").isEqualTo(ShopTraces.edges(REPLAYED));
      soft.assertThat(AdminPort.dependencies(admin, liveEnd, Duration.ofHours(1)))
          .as("/api/dependencies over the live range").isEqualTo(ShopTraces.edges(live.size()));
      assertSummaries(soft, "replayed", replayed, summaries);
      assertSummaries(soft, "live", live, summaries);
      for (String counter : List.of("tracestream_late_edges_total", "tracestream_late_traces_total",
          "tracestream_late_spans_total", "tracestream_edge_unpaired_spans_total")) {
        soft.assertThat(AdminPort.samples(metrics, counter)).as(counter).allSatisfy((labels, n) -> assertThat(n)
            .as(counter + "{" + labels + "}").isZero());
      }
      soft.assertAll();
    }
  }

  private Map<String, String> topologySettings() {
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("kafka.commit.interval.ms", "200");
    settings.put("topic.spans", SPANS);
    settings.put("topic.span-metrics", "replaylive_span_metrics");
    settings.put("topic.dlq", "replaylive_dlq");
    settings.put("topic.traces", TRACES);
    settings.put("topic.trace-metrics", "replaylive_trace_metrics");
    settings.put("topic.edges", "replaylive_edges");
    settings.put("topology.application.id", "replay-live-it");
    settings.put("topology.state.dir", dir.resolve("state").toString());
    settings.put("topology.admin.port", "0");
    return settings;
  }

  private static long total(Map<String, Long> links) {
    return links.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Every summary on the traces topic, by trace id, once {@code expected} trace ids have one (or 60 s passed). */
  private static Map<String, List<TraceSummary>> summaries(int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
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

  /** Each trace has exactly one summary: all seven spans, its real start and duration, rooted at the gateway. */
  private static void assertSummaries(SoftAssertions soft, String what, Map<String, Instant> traces,
      Map<String, List<TraceSummary>> summaries) {
    List<String> missing = new ArrayList<>();
    List<String> repeated = new ArrayList<>();
    List<TraceSummary> wrong = new ArrayList<>();
    traces.forEach((traceId, start) -> {
      List<TraceSummary> got = summaries.getOrDefault(traceId, List.of());
      if (got.isEmpty()) {
        missing.add(traceId);
        return;
      }
      if (got.size() > 1) {
        repeated.add(traceId);
      }
      TraceSummary expected = new TraceSummary(traceId, "gateway", ShopTraces.ROOT_OPERATION, false,
          TimeUnit.SECONDS.toNanos(start.getEpochSecond()) + start.getNano(), ShopTraces.DURATION.toNanos(),
          ShopTraces.SPANS.size(), false, ShopTraces.sortedServices());
      got.stream().filter(s -> !s.equals(expected)).forEach(wrong::add);
    });
    soft.assertThat(missing).as(what + " traces without a summary, of " + traces.size()).isEmpty();
    soft.assertThat(repeated).as(what + " traces summarized more than once").isEmpty();
    soft.assertThat(wrong).as(what + " summaries that are not the whole trace").isEmpty();
  }

  private static String diagnostics(String metrics) {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("tracestream_traces_completed_total", "tracestream_late_edges_total",
        "tracestream_late_traces_total", "tracestream_late_spans_total", "tracestream_late_trace_spans_total",
        "tracestream_rejoined_trace_spans_total", "tracestream_edge_unpaired_spans_total",
        "tracestream_dropped_spans_total")) {
      out.append(name).append('=').append(AdminPort.samples(metrics, name)).append(' ');
    }
    return out.toString();
  }
}

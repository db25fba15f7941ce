package io.tracestream.alerting;

import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;
import static io.tracestream.alerting.Results.withExemplars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tracestream.alerting.state.AlertStatus;
import io.tracestream.config.Settings;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertingTopologyTest {
  private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  /** Windows start here: 30 minutes before the driver's wall clock, well within the page age. */
  private static final long T0 = NOW.toEpochMilli() - 30 * MINUTE;
  private static final String RULES = """
      rules:
        - name: cart-p99
          signal: span_latency
          quantile: 0.99
          match: {service: checkout, operation: GET /cart}
          operator: ">"
          threshold: 500ms
          for: 2m
          annotations:
            summary: "p99 of {{service}} {{operation}} is {{value}} (threshold {{threshold}})"
        - name: checkout-errors
          signal: error_ratio
          match: {service: checkout}
          group_by: [service]
          operator: ">"
          threshold: 5%
          severity: critical
          labels: {team: shop}
        - name: db-failures
          signal: edge_failure_ratio
          match: {server: postgres}
          operator: ">="
          threshold: 50%
      """;
  private static final SeriesKey CART_OK = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER",
      "STATUS_CODE_UNSET");
  private static final SeriesKey CART_ERROR = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER",
      "STATUS_CODE_ERROR");
  private static final SeriesKey PAY_OK = new SeriesKey("checkout", "POST /pay", "SPAN_KIND_SERVER",
      "STATUS_CODE_UNSET");
  private static final EdgeKey DB = new EdgeKey("payment", "postgres", "database");

  @TempDir
  Path dir;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> spans;
  private TestInputTopic<byte[], byte[]> edges;
  private TestOutputTopic<String, byte[]> alerts;

  private AlertingConfig config(Map<String, String> extra) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, RULES);
    java.util.HashMap<String, String> settings = new java.util.HashMap<>(Map.of("alerting.rules.file", rules.toString(),
        "alerting.window.settle", "5s", "alerting.page.max.age", "1h"));
    settings.putAll(extra);
    return AlertingConfig.from(Settings.of(settings));
  }

  private void start(Map<String, String> extra) throws Exception {
    AlertingConfig config = config(extra);
    Properties props = AlertingApp.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    driver = new TopologyTestDriver(new AlertingTopology(config, EvaluatorMetrics.NOOP).get(), props, NOW);
    spans = driver.createInputTopic(config.spanMetricsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    edges = driver.createInputTopic(config.edgesTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    alerts = driver.createOutputTopic(config.alertsTopic(), new StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  private void span(SeriesKey key, WindowResult value) {
    spans.pipeInput(JsonSerde.of(SeriesKey.class).toBytes(key), JsonSerde.of(WindowResult.class).toBytes(value));
  }

  private void edge(EdgeKey key, EdgeWindowResult value) {
    edges.pipeInput(JsonSerde.of(EdgeKey.class).toBytes(key), JsonSerde.of(EdgeWindowResult.class).toBytes(value));
  }

  private List<AlertTransition> transitions() {
    return alerts.readValuesToList().stream().map(AlertingTopology.TRANSITION::fromBytes).toList();
  }

  private void settle() {
    driver.advanceWallClockTime(Duration.ofSeconds(6));
  }

  @Test
  void p99MergesTheStatusesOfAnOperationAndFiresAfterFor() throws Exception {
    start(Map.of());
    // Given: each minute 95 fast ok spans and 5 slow error spans; the ok series alone has p99 = 10ms
    for (int i = 0; i < 2; i++) {
      span(CART_OK, window(T0 + i * MINUTE, 95, 0, 10));
      span(CART_ERROR, window(T0 + i * MINUTE, 5, 5, 900));
    }
    settle();

    List<AlertTransition> out = transitions().stream().filter(t -> t.rule().equals("cart-p99")).toList();

    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.PENDING, AlertStatus.FIRING);
    AlertTransition firing = out.get(1);
    LatencySketch merged = LatencySketch.create();
    for (int i = 0; i < 95; i++) {
      merged.add(10);
    }
    for (int i = 0; i < 5; i++) {
      merged.add(900);
    }
    assertThat(firing.value()).isEqualTo(merged.quantile(0.99)).isGreaterThan(500);
    assertThat(firing.alertId())
        .isEqualTo("cart-p99{kind=\"SPAN_KIND_SERVER\",operation=\"GET /cart\",service=\"checkout\"}");
    assertThat(firing.idempotencyKey()).isEqualTo(firing.alertId() + "@" + T0 + ":firing");
    assertThat(firing.windowStart()).isEqualTo(T0 + MINUTE);
    assertThat(firing.firedAt()).isEqualTo(T0 + 2 * MINUTE);
    assertThat(firing.page()).isTrue();
    assertThat(firing.labels()).containsEntry("alertname", "cart-p99").containsEntry("severity", "warning")
        .containsEntry("service", "checkout").containsEntry("operation", "GET /cart");
    assertThat(firing.annotations().get("summary"))
        .isEqualTo("p99 of checkout GET /cart is " + firing.valueText() + " (threshold 500ms)");
    assertThat(out.get(0).page()).isFalse(); // pending is recorded, never paged
  }

  @Test
  void anErrorRatioGroupedByServiceMergesItsOperationsAndStatuses() throws Exception {
    start(Map.of());
    // Given: 10 errors in 200 spans of checkout (5%, not above), then 11 in 200 (5.5%)
    span(CART_OK, window(T0, 90, 0, 10));
    span(CART_ERROR, window(T0, 10, 10, 10));
    span(PAY_OK, window(T0, 100, 0, 10));
    span(CART_OK, window(T0 + MINUTE, 89, 0, 10));
    span(CART_ERROR, window(T0 + MINUTE, 11, 11, 10));
    span(PAY_OK, window(T0 + MINUTE, 100, 0, 10));
    settle();

    List<AlertTransition> out = transitions().stream().filter(t -> t.rule().equals("checkout-errors")).toList();

    assertThat(out).hasSize(1);
    assertThat(out.get(0).status()).isEqualTo(AlertStatus.FIRING);
    assertThat(out.get(0).value()).isEqualTo(11 / 200.0);
    assertThat(out.get(0).windowStart()).isEqualTo(T0 + MINUTE);
    assertThat(out.get(0).alertId()).isEqualTo("checkout-errors{service=\"checkout\"}");
    assertThat(out.get(0).labels()).containsEntry("team", "shop").containsEntry("severity", "critical")
        .doesNotContainKey("operation");
  }

  @Test
  void aWindowIsEvaluatedWhenTheNextWindowArrivesWithoutWaitingForTheSettleTime() throws Exception {
    start(Map.of());
    edge(DB, Results.edge(T0, 10, 6));
    assertThat(transitions()).isEmpty(); // the window may still get contributions

    edge(DB, Results.edge(T0 + MINUTE, 10, 0));

    List<AlertTransition> out = transitions();
    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING);
    assertThat(out.get(0).value()).isEqualTo(0.6);
    assertThat(out.get(0).labels()).containsEntry("connection_type", "database");
  }

  @Test
  void recoveryResolvesTheSameEpisode() throws Exception {
    start(Map.of());
    edge(DB, Results.edge(T0, 10, 6));
    edge(DB, Results.edge(T0 + MINUTE, 10, 0));
    settle();

    List<AlertTransition> out = transitions();

    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(out.get(1).idempotencyKey()).isEqualTo(out.get(0).alertId() + "@" + T0 + ":resolved");
    assertThat(out.get(1).value()).isZero();
    assertThat(out.get(1).page()).isTrue();
  }

  @Test
  void aSeriesThatGoesQuietResolvesOnceTheTaskHasMovedTwoWindowsOn() throws Exception {
    start(Map.of());
    SeriesKey other = new SeriesKey("search", "GET /q", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
    edge(DB, Results.edge(T0, 10, 6));
    settle();
    assertThat(transitions()).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING);

    // the edge sends nothing more while other windows keep closing (span windows of another rule's input)
    edge(new EdgeKey("a", "postgres", "database"), Results.edge(T0 + MINUTE, 10, 0));
    edge(new EdgeKey("a", "postgres", "database"), Results.edge(T0 + 2 * MINUTE, 10, 0));
    span(other, window(T0 + 2 * MINUTE, 1, 0, 1));
    settle();
    settle();

    List<AlertTransition> out = transitions().stream().filter(t -> t.alertId().contains("client=\"payment\"")).toList();
    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.RESOLVED);
    assertThat(out.get(0).value()).isNull();
    assertThat(out.get(0).valueText()).isEqualTo("no data");
  }

  @Test
  void transitionsOfWindowsOlderThanThePageAgeAreRecordedButNotPaged() throws Exception {
    start(Map.of("alerting.page.max.age", "10m"));

    edge(DB, Results.edge(T0, 10, 6)); // 30 minutes before the wall clock
    settle();

    List<AlertTransition> out = transitions();
    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING);
    assertThat(out.get(0).page()).isFalse();
  }

  @Test
  void theResolveOfAReplayedEpisodeIsNotPagedEither() throws Exception {
    start(Map.of("alerting.page.max.age", "10m"));

    edge(DB, Results.edge(T0, 10, 6)); // 30 minutes before the wall clock: a replay
    edge(DB, Results.edge(T0 + MINUTE, 10, 0));
    settle();

    assertThat(transitions()).extracting(AlertTransition::status, AlertTransition::page)
        .containsExactly(tuple(AlertStatus.FIRING, false), tuple(AlertStatus.RESOLVED, false));
  }

  @Test
  void theResolveOfAPagedFiringIsPagedHoweverLateItComes() throws Exception {
    start(Map.of("alerting.page.max.age", "10m"));
    long recent = NOW.toEpochMilli() - 5 * MINUTE;
    edge(DB, Results.edge(recent, 10, 6));
    settle();

    driver.advanceWallClockTime(Duration.ofHours(2)); // the pipeline stalled; the next window comes much later
    edge(DB, Results.edge(recent + MINUTE, 10, 0));
    settle();

    assertThat(transitions()).extracting(AlertTransition::status, AlertTransition::page)
        .containsExactly(tuple(AlertStatus.FIRING, true), tuple(AlertStatus.RESOLVED, true));
  }

  @Test
  void aWindowStillSettlingIsNotTakenForAMissingOne() throws Exception {
    start(Map.of());
    EdgeKey other = new EdgeKey("a", "postgres", "database");
    edge(DB, Results.edge(T0, 10, 6));
    settle();
    assertThat(transitions()).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING);

    // the next window of the firing edge arrives, and another edge's later windows close meanwhile
    edge(DB, Results.edge(T0 + MINUTE, 10, 6));
    edge(other, Results.edge(T0 + MINUTE, 10, 0));
    edge(other, Results.edge(T0 + 2 * MINUTE, 10, 0));
    edge(other, Results.edge(T0 + 3 * MINUTE, 10, 0));
    driver.advanceWallClockTime(Duration.ofSeconds(1)); // a sweep runs before the firing edge's window settled

    assertThat(transitions()).isEmpty(); // still firing: no resolve from a gap that was not one

    // once everything settled, the other edge's window 3 makes window 2 of the firing edge missing
    settle();
    List<AlertTransition> out = transitions();
    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.RESOLVED);
    assertThat(out.get(0).windowStart()).isEqualTo(T0 + 2 * MINUTE);
  }

  @Test
  void aWindowAlreadyEvaluatedIsNotEvaluatedAgain() throws Exception {
    start(Map.of());
    edge(DB, Results.edge(T0, 10, 6));
    settle();
    assertThat(transitions()).hasSize(1);

    edge(DB, Results.edge(T0, 10, 6)); // the same window again, as a replay would bring it
    settle();

    assertThat(transitions()).isEmpty();
  }

  @Test
  void anUndecodableRecordIsSkippedAndTheNextOnesAreEvaluated() throws Exception {
    start(Map.of());
    spans.pipeInput("not json".getBytes(), "not json either".getBytes());
    edge(DB, Results.edge(T0, 10, 6));
    settle();

    assertThat(transitions()).extracting(AlertTransition::status).containsExactly(AlertStatus.FIRING);
  }

  @Test
  void namesThatHoldStateStayTheSame() throws Exception {
    Topology topology = new AlertingTopology(config(Map.of()), EvaluatorMetrics.NOOP).get();
    TopologyDescription description = topology.describe();

    String text = description.toString();
    assertThat(text).contains("Processor: alert-evaluator (stores: [alert-windows, alert-states])")
        .contains("alert-observations-repartition")
        .contains("Source: span-metrics-source (topics: [tracestream.span-metrics])")
        .contains("Source: edges-source (topics: [tracestream.edges])")
        .doesNotContain("trace-metrics-source"); // no rule reads it
  }

  @Test
  void aFiringCarriesTheSlowestExemplarOfTheWindowThatMadeItFireAndItsLink() throws Exception {
    start(Map.of("alerting.trace.link.template", "https://jaeger.example/trace/{traceId}?uiFind=x"));
    String fast = "0af7651916cd43dd8448eb211c80319c";
    String slow = "4bf92f3577b34da6a3ce929d0e0e4736";
    String slower = "f0000000000000000000000000000001";
    // Given two windows over the threshold; the second's slowest span is in its error series
    span(CART_OK, withExemplars(window(T0, 95, 0, 10), new Exemplar(4, 0.01, fast, T0 + 1, false)));
    span(CART_ERROR, withExemplars(window(T0, 5, 5, 900), new Exemplar(10, 0.9, slow, T0 + 2, false),
        new Exemplar(10, 0.9, slow, T0 + 2, true)));
    span(CART_OK, withExemplars(window(T0 + MINUTE, 95, 0, 10), new Exemplar(4, 0.01, fast, T0 + MINUTE, false)));
    span(CART_ERROR, withExemplars(window(T0 + MINUTE, 5, 5, 950), new Exemplar(10, 0.95, slower, T0 + MINUTE, false)));
    settle();

    List<AlertTransition> out = transitions().stream().filter(t -> t.rule().equals("cart-p99")).toList();

    assertThat(out).extracting(AlertTransition::status).containsExactly(AlertStatus.PENDING, AlertStatus.FIRING);
    assertThat(out.get(0).annotations()).doesNotContainKeys("trace_id", "trace_url");
    assertThat(out.get(1).annotations()).containsEntry("trace_id", slower)
        .containsEntry("trace_url", "https://jaeger.example/trace/" + slower + "?uiFind=x");
  }

  @Test
  void anErrorRatioFiringCarriesTheErrorExemplarWithTheDefaultLink() throws Exception {
    start(Map.of());
    String ok = "0af7651916cd43dd8448eb211c80319c";
    String failed = "4bf92f3577b34da6a3ce929d0e0e4736";
    span(CART_OK, withExemplars(window(T0, 80, 0, 10), new Exemplar(4, 0.01, ok, T0, false)));
    span(CART_ERROR, withExemplars(window(T0, 20, 20, 5), new Exemplar(2, 0.005, failed, T0, false),
        new Exemplar(2, 0.005, failed, T0, true)));
    settle();

    List<AlertTransition> out = transitions().stream().filter(t -> t.rule().equals("checkout-errors")).toList();

    assertThat(out).singleElement().satisfies(t -> assertThat(t.annotations()).containsEntry("trace_id", failed)
        .containsEntry("trace_url", "http://localhost:16686/trace/" + failed));
  }
}

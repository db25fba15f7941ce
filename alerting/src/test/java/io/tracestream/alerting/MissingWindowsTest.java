package io.tracestream.alerting;

import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tracestream.alerting.state.AlertStatus;
import io.tracestream.config.Settings;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
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
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a series' window is taken as missing. Issue 20: on bc7e7e2 a fast replay into the live topic made
 * live alerting flap, because the trace results of a window come after its span results and the span
 * results moved the task's event time two windows past trace series that had not sent theirs yet.
 */
class MissingWindowsTest {
  private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  private static final long T0 = NOW.toEpochMilli() - 30 * MINUTE;
  private static final String RULES = """
      rules:
        - name: slow-checkout
          signal: trace_latency
          quantile: 0.99
          match: {root_service: gateway}
          operator: ">"
          threshold: 500ms
        - name: cart-calls
          signal: call_rate
          operator: ">"
          threshold: 1000/s
      """;
  private static final SeriesKey CART = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final TraceSeriesKey CHECKOUT = new TraceSeriesKey("gateway", "POST /checkout", Map.of());

  @TempDir
  Path dir;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> spans;
  private TestInputTopic<byte[], byte[]> traces;
  private TestOutputTopic<String, AlertTransition> alerts;

  @BeforeEach
  void start() throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
    AlertingConfig config = AlertingConfig.from(Settings.of(Map.of("alerting.rules.file", rules.toString(),
        "alerting.window.settle", "5s")));
    Properties props = AlertingApp.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    driver = new TopologyTestDriver(new AlertingTopology(config, EvaluatorMetrics.NOOP).get(), props, NOW);
    spans = driver.createInputTopic(config.spanMetricsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    traces = driver.createInputTopic(config.traceMetricsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    alerts = driver.createOutputTopic(config.alertsTopic(), new StringDeserializer(),
        AlertingTopology.TRANSITION.deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private void span(int minute) {
    spans.pipeInput(JsonSerde.of(SeriesKey.class).toBytes(CART),
        JsonSerde.of(WindowResult.class).toBytes(window(T0 + minute * MINUTE, 10, 0, 20)));
  }

  private void trace(int minute, double latencyMs) {
    traces.pipeInput(JsonSerde.of(TraceSeriesKey.class).toBytes(CHECKOUT),
        JsonSerde.of(WindowResult.class).toBytes(window(T0 + minute * MINUTE, 10, 0, latencyMs)));
  }

  private void settle() {
    driver.advanceWallClockTime(Duration.ofSeconds(6));
  }

  @Test
  void spanResultsRunningAheadDoNotMakeATraceSeriesWindowMissing() {
    // Given a firing trace alert, then span results four windows ahead of the trace results
    trace(0, 900);
    settle();
    for (int m = 0; m < 5; m++) {
      span(m);
    }
    settle();

    // When the trace results of the next windows come, still slow
    trace(1, 900);
    trace(2, 900);
    settle();

    // Then it fired once and is still firing: none of its windows was taken as missing
    assertThat(alerts.readValuesToList()).extracting(AlertTransition::rule, AlertTransition::status)
        .containsExactly(tuple("slow-checkout", AlertStatus.FIRING));
  }

  @Test
  void aSeriesThatVanishedResolvesOnceItsOwnInputMovedOnAndItWasQuietForSettle() {
    // Given a firing trace alert of series A, and trace results of another root operation three windows on
    trace(0, 900);
    settle();
    for (int m = 1; m < 4; m++) {
      traces.pipeInput(JsonSerde.of(TraceSeriesKey.class).toBytes(new TraceSeriesKey("gateway", "GET /", Map.of())),
          JsonSerde.of(WindowResult.class).toBytes(window(T0 + m * MINUTE, 10, 0, 20)));
    }

    // When it has been quiet for settle
    settle();

    // Then it resolved, dated by its first missing window
    List<AlertTransition> out = alerts.readValuesToList();
    assertThat(out).extracting(AlertTransition::status, AlertTransition::windowEnd).containsExactly(
        tuple(AlertStatus.FIRING, T0 + MINUTE), tuple(AlertStatus.RESOLVED, T0 + 2 * MINUTE));
  }
}

package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Span samples summed per series and window in the input task, forwarded on the wall clock. */
class SpanPreAggregationTest {
  private static final SeriesKey CART = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final SeriesKey CART_ERRORS = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR");

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  private void start() {
    topology = new TopologyFixture(stateDir, "topology.preaggregate.interval=1s");
  }

  @Test
  void spansOfASeriesAreSummedAndGoWhenEventTimePassesTheirWindowsEndPlusGrace() {
    // Given spans of two series in the first window, in several records, and no wall-clock time passing
    start();
    topology.holdWallClock();
    for (int i = 1; i <= 10; i++) {
      topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, i % 5 == 0, i * 1_000, i * 10));
    }
    topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 89_000, 1));
    assertThat(topology.results.isEmpty()).as("nothing reaches the window task before the interval").isTrue();

    // When event time passes the first window's end + grace (90 s)
    topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 95_000, 1));

    // Then the partials and the task's progress go at once, and the window closes with every span in it
    Map<SeriesKey, WindowResult> out = byKey(topology.results.readKeyValuesToList());
    assertThat(out).containsOnlyKeys(CART, CART_ERRORS);
    assertThat(out.get(CART).count()).isEqualTo(8);
    assertThat(out.get(CART).sumMs()).isCloseTo(10 + 20 + 30 + 40 + 60 + 70 + 80 + 90, within(1e-6));
    assertThat(out.get(CART).maxMs()).isCloseTo(90, within(1e-6));
    assertThat(out.get(CART_ERRORS).count()).isEqualTo(2);
    assertThat(out.get(CART_ERRORS).errors()).isEqualTo(2);
    assertThat(out.get(CART_ERRORS).sumMs()).isCloseTo(50 + 100, within(1e-6));
  }

  @Test
  void aSpanWhoseWindowItsPartitionHasPassedIsCountedLateThere() {
    start();
    topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 95_000, 1));
    topology.driver.advanceWallClockTime(Duration.ofSeconds(1));

    topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 10_000, 1));
    topology.send("checkout", span("GET /cart", Span.SpanKind.SPAN_KIND_SERVER, false, 20_000, 1));
    topology.driver.advanceWallClockTime(Duration.ofSeconds(1));

    assertThat(topology.metrics.get("late.spans.checkout")).isEqualTo(2);
    assertThat(topology.results.isEmpty()).isTrue();
  }

  @Test
  void theDefaultIntervalIsAQuarterOfAWindowShorterThanFourSeconds() {
    assertThat(TopologyConfig.from(Settings.of(Map.of("topology.window", "1s"))).preaggregateInterval())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(TopologyConfig.from(Settings.of(Map.of())).preaggregateInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theIntervalMustBeShorterThanTheWindow() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.window", "10s",
        "topology.preaggregate.interval", "10s"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("topology.preaggregate.interval");
  }

  private static Map<SeriesKey, WindowResult> byKey(List<KeyValue<SeriesKey, WindowResult>> records) {
    Map<SeriesKey, WindowResult> out = new java.util.HashMap<>();
    records.forEach(kv -> assertThat(out.put(kv.key, kv.value)).as("one result per series").isNull());
    return out;
  }
}

package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.T0;
import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceMetricsTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;
  private static final TraceSeriesKey CHECKOUT = new TraceSeriesKey("frontend", "POST /checkout");

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  /** The fixture's settings: each trace and edge alone; {@link TraceMetricsPreAggregatedTest} sums them first. */
  String[] settings() {
    return new String[0];
  }

  private String[] settings(String more) {
    return Stream.concat(Arrays.stream(settings()), Stream.of(more)).toArray(String[]::new);
  }

  @BeforeEach
  void start() {
    topology = new TopologyFixture(stateDir, settings());
  }

  @AfterEach
  void stop() {
    topology.close();
  }

  /** A one-span trace of another root service, only to move event time (its summary ends at the offset). */
  private void tick(long endOffsetMs) {
    topology.send("clock", span(900_000 + endOffsetMs, 0, "tick", SERVER, false, endOffsetMs, 1));
  }

  /** Ticks until the trace windows' event time has passed the first window's end + grace. */
  private void closeFirstWindow() {
    tick(100_000); // completes the traces of the first window; their summaries open it
    tick(120_000); // completes the tick at 100 s, whose summary moves the trace windows past 60 s + 30 s
  }

  private Map<TraceSeriesKey, WindowResult> results() {
    return topology.traceMetrics.readKeyValuesToList().stream()
        .filter(kv -> !kv.key.rootService().equals("clock"))
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  /** A trace of a root span in frontend and a child in payment, ending {@code endMs} after T0. */
  private void trace(long id, String operation, long endMs, double durationMs, boolean childFails) {
    Span root = span(id, 0, operation, SERVER, false, endMs, durationMs);
    topology.send("frontend", root);
    topology.send("payment", span(id, spanId(root), "charge", CLIENT, childFails, endMs - 1, durationMs / 2));
  }

  @Test
  void aClosedWindowHasTheCountErrorsAndDurationQuantilesOfItsTraces() {
    trace(1, "POST /checkout", 10_000, 100, false);
    trace(2, "POST /checkout", 20_000, 200, true);
    trace(3, "POST /checkout", 30_000, 300, false);
    trace(4, "POST /checkout", 40_000, 400, false);

    closeFirstWindow();

    WindowResult r = results().get(CHECKOUT);
    assertThat(r.windowStart()).isEqualTo(T0.toEpochMilli());
    assertThat(r.windowEnd()).isEqualTo(T0.toEpochMilli() + 60_000);
    assertThat(r.count()).isEqualTo(4);
    assertThat(r.errors()).as("a trace with a failed span is an error").isEqualTo(1);
    assertThat(r.sumMs()).isCloseTo(1000, within(1e-6));
    assertThat(r.maxMs()).isCloseTo(400, within(1e-6));
    // DDSketch rank floor(q * (n - 1)): p50 -> 200 ms, p95 and p99 -> 300 ms
    assertThat(r.p50Ms()).isCloseTo(200, within(200 * 0.005));
    assertThat(r.p95Ms()).isCloseTo(300, within(300 * 0.005));
    assertThat(r.p99Ms()).isCloseTo(300, within(300 * 0.005));
  }

  @Test
  void eachRootOperationHasItsOwnSeries() {
    trace(11, "POST /checkout", 10_000, 100, false);
    trace(12, "GET /cart", 20_000, 50, false);
    trace(13, "GET /cart", 30_000, 70, true);

    closeFirstWindow();

    Map<TraceSeriesKey, WindowResult> results = results();
    assertThat(results).containsOnlyKeys(CHECKOUT, new TraceSeriesKey("frontend", "GET /cart"));
    assertThat(results.get(CHECKOUT).count()).isEqualTo(1);
    assertThat(results.get(new TraceSeriesKey("frontend", "GET /cart")).count()).isEqualTo(2);
    assertThat(results.get(new TraceSeriesKey("frontend", "GET /cart")).errors()).isEqualTo(1);
  }

  @Test
  void noResultBeforeTheWindowsEndPlusGrace() {
    trace(21, "POST /checkout", 10_000, 100, false);

    tick(80_000); // the trace completes, its window ends at 60 s; grace lasts to 90 s
    tick(95_000); // the trace windows' event time is now 80 s

    assertThat(results()).isEmpty();
  }

  @Test
  void aSummaryForAClosedWindowIsCountedLateAndNotAggregated() {
    trace(31, "POST /checkout", 10_000, 100, false);
    closeFirstWindow();
    assertThat(results().get(CHECKOUT).count()).isEqualTo(1);

    // A trace ending in the closed window arrives now: assembled, then late for its window
    trace(32, "POST /checkout", 20_000, 100, false);
    tick(200_000);

    assertThat(topology.metrics.get("late.traces.frontend")).isEqualTo(1);
    assertThat(results()).as("no second result for the closed window").isEmpty();
  }

  /**
   * Pins a bug of the first progress model: the straggler's assembly task reported its progress back at the
   * straggler + grace, the trace windows took that as their time, and opened the closed window again.
   */
  @Test
  void aTraceArrivingAfterItsWindowClosedIsLateEvenWhileItHoldsTheProgressBack() {
    trace(51, "POST /checkout", 10_000, 100, false);
    closeFirstWindow();
    assertThat(results().get(CHECKOUT).count()).isEqualTo(1);

    // Given a trace of the closed window arriving in a burst, 70 s after its end
    topology.holdWallClock();
    trace(52, "POST /checkout", 50_000, 777, false);
    // When the assembly task reports progress while it holds it (back at 50 s + grace), then completes it
    topology.advanceWallClock(Duration.ofSeconds(1));
    topology.advanceWallClock(Duration.ofSeconds(10));
    // and lets its spans go after the rejoin time, so the trace windows move on past the window again
    topology.advanceWallClock(Duration.ofSeconds(20));
    tick(121_000);
    topology.advanceWallClock(Duration.ofSeconds(5));

    // Then the trace is late for its window, which is not emitted a second time
    assertThat(topology.metrics.get("late.traces.frontend")).isEqualTo(1);
    assertThat(results()).as("no second result for the closed window").isEmpty();
  }

  @Test
  void rootOperationsPastThePerServiceLimitFoldIntoTheOverflowSeries() {
    topology.close();
    topology = new TopologyFixture(stateDir.resolve("limited"), settings("topology.max.operations.per.service=1"));
    trace(41, "POST /checkout", 10_000, 100, false);
    trace(42, "GET /cart", 20_000, 100, false);

    closeFirstWindow();

    assertThat(results()).containsOnlyKeys(CHECKOUT, new TraceSeriesKey("frontend", "__overflow__"));
    assertThat(topology.metrics.get("overflow.traces.frontend")).isEqualTo(1);
  }
}

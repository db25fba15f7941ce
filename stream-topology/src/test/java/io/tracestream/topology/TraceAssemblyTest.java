package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceAssemblyTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  private void start(String... overrides) {
    topology = new TopologyFixture(stateDir, overrides);
  }

  /** A span of another trace, only to move event time. */
  private void tick(long endOffsetMs) {
    topology.send("clock", span(999_000 + endOffsetMs, 0, "tick", SERVER, false, endOffsetMs, 1));
  }

  private Map<String, TraceSummary> summaries() {
    return topology.traces.readKeyValuesToList().stream()
        .filter(kv -> !kv.value.rootService().equals("clock"))
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  @Test
  void aTraceCompletesWhenNoSpanOfItArrivedForTheIdleTimeAndIsSummarized() {
    start();
    Span root = span(100, 0, "POST /checkout", SERVER, false, 10_000, 300);
    Span call = span(100, spanId(root), "charge", CLIENT, false, 9_900, 200);
    Span served = span(100, spanId(call), "POST /charge", SERVER, true, 9_800, 100);
    topology.send("frontend", root, call);
    topology.send("payment", served);

    tick(19_999);
    assertThat(summaries()).as("idle 10 s not yet passed").isEmpty();
    tick(20_000);

    TraceSummary summary = summaries().get(traceId(100));
    assertThat(summary.rootService()).isEqualTo("frontend");
    assertThat(summary.rootOperation()).isEqualTo("POST /checkout");
    assertThat(summary.rootMissing()).isFalse();
    assertThat(summary.spanCount()).isEqualTo(3);
    assertThat(summary.error()).isTrue();
    assertThat(summary.services()).containsExactly("frontend", "payment");
    assertThat(summary.durationNanos()).isEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(topology.metrics.get("completed")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aTraceThatKeepsGrowingCompletesAtItsMaximumAge() {
    start("topology.trace.max.age=30s", "topology.trace.rejoin=0s");
    for (long t = 0; t <= 35_000; t += 5_000) {
      topology.send("batch", span(200, 0, "step", SERVER, false, t, 10));
    }

    Map<String, TraceSummary> done = summaries();

    assertThat(done).containsKey(traceId(200));
    assertThat(done.get(traceId(200)).spanCount()).as("spans up to first + 30 s").isEqualTo(7);
    assertThat(topology.metrics.get("lateTrace")).as("the span after completion").isEqualTo(1);
  }

  @Test
  void aSpanForACompletedTraceIsCountedLateAndStartsNoHalfTrace() {
    start("topology.trace.rejoin=0s");
    topology.send("frontend", span(300, 0, "GET /", SERVER, false, 1_000, 10));
    tick(12_000);
    assertThat(summaries()).containsKey(traceId(300));

    topology.send("frontend", span(300, 77, "late child", CLIENT, false, 1_500, 5));
    tick(60_000);

    assertThat(summaries()).as("no second summary").isEmpty();
    assertThat(topology.metrics.get("lateTrace")).isEqualTo(1);
  }

  @Test
  void aBurstOfEveryServicesBatchesInAnyOrderMakesWholeTraces() {
    start();
    topology.holdWallClock();
    // Given two services' batches of 50 traces from one minute, the server's spans of every trace
    // arriving after the client's batch has moved event time far past their ends + idle
    List<Span> servers = new java.util.ArrayList<>();
    for (long t = 0; t < 50; t++) {
      Span root = span(2_000 + t, 0, "POST /order", SERVER, false, 1_000 + t * 1_000, 300);
      Span call = span(2_000 + t, spanId(root), "price", CLIENT, false, 990 + t * 1_000, 200);
      topology.send("gateway", root, call);
      servers.add(span(2_000 + t, spanId(call), "GET /price", SERVER, false, 980 + t * 1_000, 100));
    }
    tick(62_000);
    servers.forEach(server -> topology.send("pricing", server));
    assertThat(summaries()).as("no wall-clock time has passed since the traces' last spans").isEmpty();

    // When the wall clock passes the idle time
    topology.advanceWallClock(Duration.ofSeconds(11));

    // Then every trace is whole, and every call an edge
    Map<String, TraceSummary> done = summaries();
    assertThat(done).hasSize(50);
    assertThat(done.values()).allSatisfy(summary -> assertThat(summary.spanCount()).isEqualTo(3));
    assertThat(topology.metrics.counts.keySet()).noneMatch(k -> k.startsWith("unpaired.") || k.startsWith("late"));
  }

  @Test
  void aSpanArrivingShortlyAfterItsTraceCompletedIsJoinedAndItsEdgeCountedOnce() {
    start();
    Span root = span(2_100, 0, "GET /", SERVER, false, 1_000, 10);
    Span call = span(2_100, spanId(root), "fetch", CLIENT, false, 995, 5);
    topology.send("frontend", root, call);
    tick(12_000);
    assertThat(summaries().get(traceId(2_100)).spanCount()).isEqualTo(2);

    // the server's span comes 1 s (wall clock) after the trace completed, within topology.trace.rejoin
    topology.advanceWallClock(Duration.ofSeconds(1));
    topology.send("backend", span(2_100, spanId(call), "GET /fetch", SERVER, false, 994, 3));

    TraceSummary again = summaries().get(traceId(2_100));
    assertThat(again.spanCount()).as("the summary sent again, whole").isEqualTo(3);
    assertThat(topology.metrics.get("rejoined")).isEqualTo(1);
    assertThat(topology.metrics.get("lateTrace")).isZero();
    tick(200_000);
    // the tick's trace, completed last, holds the windows for topology.trace.rejoin (15 s) of wall-clock time
    topology.advanceWallClock(Duration.ofSeconds(16));
    var edges = topology.edges.readKeyValuesToList().stream()
        .filter(kv -> kv.key.client().equals("frontend")).toList();
    assertThat(edges).singleElement().satisfies(kv -> {
      assertThat(kv.key.server()).isEqualTo("backend");
      assertThat(kv.value.calls()).isEqualTo(1);
    });
    var traceWindows = topology.traceMetrics.readKeyValuesToList().stream()
        .filter(kv -> kv.key.rootService().equals("frontend")).toList();
    assertThat(traceWindows).as("the trace counted once in whole-trace metrics").singleElement()
        .satisfies(kv -> assertThat(kv.value.count()).isEqualTo(1));
    assertThat(topology.metrics.get("unpaired.client_without_server")).as("the client was paired after all").isZero();
  }

  @Test
  void aTracesUnpairedSpansAreCountedOnceItCanNoLongerBeJoined() {
    start();
    Span root = span(2_200, 0, "GET /", SERVER, false, 1_000, 10);
    topology.send("frontend", root, span(2_200, spanId(root), "fetch", CLIENT, false, 995, 5));
    tick(12_000);
    assertThat(summaries()).containsKey(traceId(2_200));
    assertThat(topology.metrics.get("unpaired.client_without_server")).as("a server span may still come").isZero();

    topology.advanceWallClock(Duration.ofSeconds(16));

    assertThat(topology.metrics.get("unpaired.client_without_server")).isEqualTo(1);
  }

  @Test
  void aBatchSentTwiceCountsOnce() {
    start();
    Span root = span(2_300, 0, "GET /", SERVER, false, 1_000, 10);
    Span call = span(2_300, spanId(root), "fetch", CLIENT, false, 995, 5);
    Span served = span(2_300, spanId(call), "GET /fetch", SERVER, false, 994, 3);
    topology.send("frontend", root, call);
    topology.send("backend", served);
    topology.send("backend", served); // an exporter's retry after an answer it did not get

    tick(12_000);

    assertThat(summaries().get(traceId(2_300)).spanCount()).isEqualTo(3);
    assertThat(topology.metrics.get("dropped.duplicate")).isEqualTo(1);
    topology.advanceWallClock(Duration.ofSeconds(16));
    assertThat(topology.metrics.counts.keySet()).noneMatch(k -> k.startsWith("unpaired."));
  }

  @Test
  void spansOfANullKeyRecordAreReKeyedByTraceAndAssembledWithTheirTracesOtherSpans() {
    start();
    Span rootA = span(400, 0, "GET /a", SERVER, false, 1_000, 100);
    Span rootB = span(401, 0, "GET /b", SERVER, false, 1_000, 100);
    topology.sendUnkeyed("frontend", rootA, rootB);
    topology.send("backend", span(400, spanId(rootA), "SELECT", CLIENT, false, 950, 20));

    tick(20_000);

    Map<String, TraceSummary> done = summaries();
    assertThat(done.get(traceId(400)).spanCount()).isEqualTo(2);
    assertThat(done.get(traceId(400)).services()).containsExactly("backend", "frontend");
    assertThat(done.get(traceId(401)).spanCount()).isEqualTo(1);
  }

  @Test
  void theTraceWindowsWaitForTheProgressOfATaskThatReKeyedSpans() {
    start();
    Span root = span(410, 0, "GET /a", SERVER, false, 1_000, 100);
    topology.sendUnkeyed("frontend", root);
    tick(100_000);
    assertThat(topology.traceMetrics.readKeyValuesToList()).as("the re-keying task has not reported yet").isEmpty();

    // past the trace's rejoin time, then its report, then assembly's report with it
    topology.advanceWallClock(Duration.ofSeconds(16));
    assertThat(topology.traceMetrics.readKeyValuesToList()).isEmpty();
    topology.advanceWallClock(Duration.ofSeconds(1));
    topology.advanceWallClock(Duration.ofSeconds(1));

    assertThat(topology.traceMetrics.readKeyValuesToList())
        .anySatisfy(kv -> assertThat(kv.key.rootOperation()).isEqualTo("GET /a"));
  }

  @Test
  void spansPastThePerTraceCapAreDroppedAndCounted() {
    start("topology.trace.max.spans=2");
    topology.send("frontend", span(500, 0, "GET /", SERVER, false, 1_000, 10),
        span(500, 1, "a", CLIENT, false, 990, 1), span(500, 1, "b", CLIENT, false, 990, 1));

    tick(20_000);

    assertThat(summaries().get(traceId(500)).spanCount()).isEqualTo(2);
    assertThat(topology.metrics.get("dropped.trace_too_large")).isEqualTo(1);
  }

  @Test
  void aTraceWithoutItsRootIsSummarizedAndMarkedSo() {
    start();
    topology.send("backend", span(600, 12345, "SELECT", CLIENT, false, 1_000, 20));

    tick(20_000);

    TraceSummary summary = summaries().get(traceId(600));
    assertThat(summary.rootMissing()).isTrue();
    assertThat(summary.rootService()).isEqualTo("backend");
  }

  @Test
  void theLastTraceOfAQuietTaskCompletesWithTheWallClock() {
    start("topology.idle.close=5s");
    topology.send("frontend", span(700, 0, "GET /", SERVER, false, 1_000, 10));
    topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertThat(summaries()).isEmpty();

    for (int i = 0; i < 20; i++) {
      topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    assertThat(summaries()).containsKey(traceId(700));
  }

  @Test
  void spanMetricsCountSpansWhateverHappensToTheirTrace() {
    start("topology.trace.max.spans=1");
    topology.send("frontend", span(800, 0, "GET /", SERVER, false, 1_000, 10), span(800, 1, "a", CLIENT, false, 990, 1));

    tick(100_000);

    List<KeyValue<io.tracestream.topology.model.SeriesKey, io.tracestream.topology.model.WindowResult>> results =
        topology.results.readKeyValuesToList();
    assertThat(results.stream().filter(kv -> kv.key.service().equals("frontend")).mapToLong(kv -> kv.value.count()).sum())
        .isEqualTo(2);
  }
}

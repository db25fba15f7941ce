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
    start("topology.trace.max.age=30s");
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
    start();
    topology.send("frontend", span(300, 0, "GET /", SERVER, false, 1_000, 10));
    tick(12_000);
    assertThat(summaries()).containsKey(traceId(300));

    topology.send("frontend", span(300, 77, "late child", CLIENT, false, 1_500, 5));
    tick(60_000);

    assertThat(summaries()).as("no second summary").isEmpty();
    assertThat(topology.metrics.get("lateTrace")).isEqualTo(1);
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

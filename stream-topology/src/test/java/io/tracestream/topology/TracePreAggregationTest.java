package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.T0;
import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trace summaries and edges summed per series and window in the trace assembly task, on the wall clock. */
class TracePreAggregationTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;
  private static final TraceSeriesKey CHECKOUT = new TraceSeriesKey("frontend", "POST /checkout");
  private static final EdgeKey USER_FRONTEND = new EdgeKey("user", "frontend", "virtual_node");
  private static final long CLOSES_FIRST_WINDOW = T0.toEpochMilli() + 90_000;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;
  private TestOutputTopic<String, TracePartial> partials;

  @AfterEach
  void close() {
    topology.close();
  }

  private void start(String interval) {
    topology = new TopologyFixture(stateDir, "topology.preaggregate.interval=" + interval);
    partials = topology.driver.createOutputTopic("tracestream-trace-partials-by-root-service-repartition",
        new StringDeserializer(), TracePartial.SERDE.deserializer());
  }

  /** A trace of a root span in frontend (an edge from user) and a child in payment, ending {@code endMs} after T0. */
  private void trace(long id, long endMs, double durationMs) {
    Span root = span(id, 0, "POST /checkout", SERVER, false, endMs, durationMs);
    topology.send("frontend", root);
    topology.send("payment", span(id, spanId(root), "charge", CLIENT, false, endMs - 1, durationMs / 2));
  }

  /** A one-span trace of another root service, only to move event time. */
  private void tick(long endOffsetMs) {
    topology.send("clock", span(900_000 + endOffsetMs, 0, "tick", SERVER, false, endOffsetMs, 1));
  }

  /** The frontend partials and the progress reports on the repartition topic, in order. */
  private List<TestRecord<String, TracePartial>> frontendPartialsAndReports() {
    return partials.readRecordsToList().stream()
        .filter(r -> r.value() == null || r.key().equals("frontend")).toList();
  }

  private static long reportedTime(TestRecord<String, TracePartial> report) {
    return Progress.of(null, report.headers()).orElseThrow().time();
  }

  @Test
  void tracesOfASeriesAreSummedAndGoBeforeTheReportThatPassesTheirWindow() {
    // Given an interval longer than the test, and the assembly task's first report sent
    start("50s");
    topology.holdWallClock();
    topology.advanceWallClock(Duration.ofSeconds(1));
    trace(1, 10_000, 100);
    trace(2, 20_000, 200);
    trace(3, 30_000, 300);
    tick(45_000);
    topology.advanceWallClock(Duration.ofSeconds(11)); // the three traces complete
    assertThat(frontendPartialsAndReports()).as("only reports, none past the window: the partial is held")
        .allSatisfy(r -> assertThat(r.value()).isNull())
        .allSatisfy(r -> assertThat(reportedTime(r)).isLessThan(CLOSES_FIRST_WINDOW));

    // When the assembly task's progress passes the first window's end + grace (its held traces let go)
    tick(95_000);
    topology.advanceWallClock(Duration.ofSeconds(16));
    topology.advanceWallClock(Duration.ofSeconds(16));

    // Then one partial of the three traces goes, before the report that passes the window
    List<TestRecord<String, TracePartial>> out = frontendPartialsAndReports();
    int partial = indexOfFirstPartial(out);
    assertThat(out.stream().filter(r -> r.value() != null)).singleElement().satisfies(r -> {
      assertThat(r.value().rootOperation()).isEqualTo("POST /checkout");
      assertThat(r.value().window().count()).isEqualTo(3);
      assertThat(r.timestamp()).as("the latest trace end").isEqualTo(T0.toEpochMilli() + 30_000);
    });
    assertThat(out.subList(0, partial)).allSatisfy(r -> assertThat(reportedTime(r)).isLessThan(CLOSES_FIRST_WINDOW));
    assertThat(out.subList(partial + 1, out.size())).anySatisfy(r ->
        assertThat(reportedTime(r)).isGreaterThanOrEqualTo(CLOSES_FIRST_WINDOW));
    WindowResult r = topology.traceMetrics.readKeyValuesToList().stream()
        .filter(kv -> kv.key.equals(CHECKOUT)).findFirst().orElseThrow().value;
    assertThat(r.count()).isEqualTo(3);
    assertThat(r.sumMs()).isCloseTo(600, within(1e-6));
  }

  private static int indexOfFirstPartial(List<TestRecord<String, TracePartial>> records) {
    for (int i = 0; i < records.size(); i++) {
      if (records.get(i).value() != null) {
        return i;
      }
    }
    throw new AssertionError("no partial in " + records);
  }

  @Test
  void tracesGoEveryIntervalWhileTheirWindowIsOpen() {
    // Given the assembly task's first report sent, and three traces that complete
    start("1s");
    topology.holdWallClock();
    topology.advanceWallClock(Duration.ofSeconds(1));
    trace(11, 10_000, 100);
    trace(12, 20_000, 200);
    trace(13, 30_000, 300);
    tick(45_000);
    topology.advanceWallClock(Duration.ofSeconds(11));

    // When the interval passes
    topology.advanceWallClock(Duration.ofSeconds(1));

    // Then their partial goes, though no report has passed their window, which stays open
    List<TestRecord<String, TracePartial>> out = frontendPartialsAndReports();
    assertThat(out.stream().filter(r -> r.value() != null).mapToLong(r -> r.value().window().count()).sum())
        .isEqualTo(3);
    assertThat(out.stream().filter(r -> r.value() == null))
        .allSatisfy(r -> assertThat(reportedTime(r)).isLessThan(CLOSES_FIRST_WINDOW));
    assertThat(topology.traceMetrics.isEmpty()).isTrue();
  }

  @Test
  void aTraceForAWindowTheTaskHasPassedGoesAtOnceAndIsCountedLateWithItsEdges() {
    start("1s");
    trace(31, 10_000, 100);
    tick(100_000);
    tick(120_000);
    assertThat(topology.traceMetrics.readKeyValuesToList()).anySatisfy(kv -> {
      assertThat(kv.key).isEqualTo(CHECKOUT);
      assertThat(kv.value.count()).isEqualTo(1);
    });
    partials.readRecordsToList();

    // A trace ending in the closed window arrives now: assembled, then late for its window
    topology.holdWallClock();
    trace(32, 20_000, 100);
    topology.advanceWallClock(Duration.ofSeconds(11)); // it completes; the interval's flush has run before

    assertThat(partials.readRecordsToList()).as("sent alone, at once").anySatisfy(r -> {
      assertThat(r.key()).isEqualTo("frontend");
      assertThat(r.value().window().count()).isEqualTo(1);
    });
    assertThat(topology.metrics.get("late.traces.frontend")).isEqualTo(1);
    assertThat(topology.metrics.get("late.edges.user")).as("its edge from user").isEqualTo(1);
    tick(200_000);
    topology.settle();
    assertThat(topology.traceMetrics.readKeyValuesToList()).as("no second result for the closed window")
        .noneMatch(kv -> kv.key.equals(CHECKOUT) && kv.value.windowStart() == T0.toEpochMilli());
  }

  @Test
  void aRejoinedTracesSummaryIsNotCountedAgainButTheEdgeItsSpanAddsIs() {
    start("1s");
    Span root = span(2_100, 0, "POST /checkout", SERVER, false, 1_000, 10);
    Span call = span(2_100, spanId(root), "fetch", CLIENT, false, 995, 5);
    topology.send("frontend", root, call);
    tick(12_000);

    // the server's span comes 1 s (wall clock) after the trace completed, within topology.trace.rejoin
    topology.advanceWallClock(Duration.ofSeconds(1));
    topology.send("backend", span(2_100, spanId(call), "GET /fetch", SERVER, false, 994, 3));
    assertThat(topology.metrics.get("rejoined")).isEqualTo(1);
    tick(200_000);
    topology.advanceWallClock(Duration.ofSeconds(16));
    topology.settle();

    List<KeyValue<EdgeKey, EdgeWindowResult>> edges = topology.edges.readKeyValuesToList();
    assertThat(edges).filteredOn(kv -> kv.key.equals(new EdgeKey("frontend", "backend", "")))
        .singleElement().satisfies(kv -> assertThat(kv.value.calls()).isEqualTo(1));
    assertThat(edges).filteredOn(kv -> kv.key.equals(USER_FRONTEND))
        .as("the first summary's edge, once")
        .singleElement().satisfies(kv -> assertThat(kv.value.calls()).isEqualTo(1));
    assertThat(topology.traceMetrics.readKeyValuesToList()).filteredOn(kv -> kv.key.equals(CHECKOUT))
        .as("the trace counted once in whole-trace metrics").singleElement()
        .satisfies(kv -> assertThat(kv.value.count()).isEqualTo(1));
  }
}

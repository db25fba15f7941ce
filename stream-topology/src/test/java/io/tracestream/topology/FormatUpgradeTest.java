package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.T0;
import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topology upgraded from the version before format versions goes on with what that version left: records
 * in flight on the repartition topics and state restored from the changelogs, in the old formats
 * ({@link LegacyFormats}). A format version it does not know stops it with the migration named.
 */
class FormatUpgradeTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @BeforeEach
  void start() {
    topology = new TopologyFixture(stateDir);
  }

  @AfterEach
  void close() {
    topology.close();
  }

  /** A span of another trace, only to move event time (and the wall clock with it). */
  private void tick(long endOffsetMs) {
    topology.send("clock", span("tick", SERVER, false, endOffsetMs, 1));
  }

  private TestInputTopic<byte[], byte[]> repartition(String name) {
    return topology.driver.createInputTopic("tracestream-" + name + "-repartition", new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private Map<String, TraceSummary> summaries() {
    return topology.traces.readKeyValuesToList().stream()
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value, (a, b) -> b));
  }

  @Test
  void aSpanBatchInFlightOnSpansByTraceIsAssembled() {
    String trace = traceId(7_001);
    tick(10_000);

    // Given a record of the version before on the spans-by-trace topic
    repartition(StreamTopology.TRACE_REPARTITION).pipeInput(new TestRecord<>(
        trace.getBytes(StandardCharsets.UTF_8), LegacyFormats.spansByTrace(trace), T0.plusSeconds(10)));
    // When its trace has been quiet for the idle time
    tick(25_000);

    // Then its span is the trace
    TraceSummary summary = summaries().get(trace);
    assertThat(summary).isNotNull();
    assertThat(List.of(summary.rootService(), summary.rootOperation(), summary.spanCount()))
        .containsExactly("frontend", "GET /", 1);
  }

  @Test
  void aSpanPartialInFlightOnSpanPartialsByServiceIsCountedInItsWindow() {
    // Given a partial of the version before on the span-partials-by-service topic, in the first window
    repartition(StreamTopology.REPARTITION).pipeInput(new TestRecord<>(
        "checkout".getBytes(StandardCharsets.UTF_8), LegacyFormats.spanPartial(), T0.plusSeconds(10)));
    // When the input task has passed the window's end + grace
    tick(95_000);

    // Then its window holds its span
    Map<SeriesKey, WindowResult> results = topology.results.readKeyValuesToList().stream()
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
    WindowResult window = results.get(new SeriesKey("checkout", "POST /pay", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR"));
    assertThat(window).isNotNull();
    assertThat(List.of(window.windowStart(), window.count())).containsExactly(T0.toEpochMilli(), 1L);
    assertThat(window.maxMs()).isEqualTo(3.5);
  }

  @Test
  void aRecordOfAFormatVersionThisVersionDoesNotKnowStopsTheTaskNamingTheMigration() {
    String trace = traceId(7_003);
    byte[] newer = {9, 0};

    assertThatThrownBy(() -> repartition(StreamTopology.TRACE_REPARTITION).pipeInput(new TestRecord<>(
        trace.getBytes(StandardCharsets.UTF_8), newer, T0.plusSeconds(10))))
        .rootCause()
        .hasMessageContaining("span batch (spans-by-trace) of format version 9")
        .hasMessageContaining("stream-topology/README.md, \"Formats and upgrades\"");
  }
}

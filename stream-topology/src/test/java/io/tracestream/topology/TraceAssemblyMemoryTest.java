package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traces trace assembly holds on the heap are bounded in bytes (topology.trace.max.held.bytes). */
class TraceAssemblyMemoryTest {
  private static final long MAX = 1L << 20;
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @AfterEach
  void stop() {
    topology.close();
  }

  @Test
  void aFloodOfOpenTracesIsCompletedOldestFirstPastTheBoundAndEveryTraceIsSummarizedOnce() {
    topology = new TopologyFixture(stateDir, "topology.trace.max.held.bytes=1MiB");
    topology.holdWallClock(); // a burst: nothing completes by the clocks while it arrives
    int traces = 4_000;
    long peak = 0;
    for (int i = 1; i <= traces; i++) {
      // two batches per trace (two services), all within one second of event time
      Span root = span(i, 0, "GET /", SERVER, false, 1_000 + i / 4, 5);
      topology.send("frontend", root);
      topology.send("backend", span(i, TopologyFixture.spanId(root), "SELECT", CLIENT, false, 1_000 + i / 4, 1));
      peak = Math.max(peak, topology.metrics.heldBytes.getAsLong());
    }

    // Then the traces held never took more than the bound
    assertThat(peak).isLessThanOrEqualTo(MAX).isGreaterThan(MAX - 4_096);
    long evicted = topology.metrics.get("evicted.open");
    assertThat(evicted).isGreaterThan(0).isLessThan(traces);
    // the evicted ones were completed whole (both batches had arrived: each is sent in one go), oldest first
    Map<String, TraceSummary> summaries = summaries();
    assertThat(summaries).hasSize((int) evicted);
    assertThat(summaries).containsKey(traceId(1)).doesNotContainKey(traceId(traces));
    assertThat(summaries.values()).allMatch(s -> s.spanCount() == 2);

    // When the rest complete
    topology.advanceWallClock(Duration.ofSeconds(11));
    topology.send("clock", span(999_999, 0, "tick", SERVER, false, 30_000, 1));
    topology.advanceWallClock(Duration.ofSeconds(11));
    summaries.putAll(summaries());

    // Then every trace was summarized once, with both its spans, and nothing of them was counted as lost
    assertThat(summaries).hasSize(traces);
    assertThat(summaries.values()).allMatch(s -> s.spanCount() == 2);
    assertThat(topology.metrics.get("completed")).isEqualTo(traces);
    assertThat(topology.metrics.get("lateTrace")).isZero();
    // and once the kept traces are forgotten (topology.trace.rejoin), nothing is held
    topology.advanceWallClock(Duration.ofSeconds(16));
    assertThat(topology.metrics.heldBytes.getAsLong()).isLessThan(2_048); // the clock trace, kept
  }

  private Map<String, TraceSummary> summaries() {
    Map<String, TraceSummary> all = new HashMap<>();
    for (KeyValue<String, TraceSummary> kv : topology.traces.readKeyValuesToList()) {
      if (all.put(kv.key, kv.value) != null) {
        throw new AssertionError("summarized twice: " + kv.key);
      }
    }
    all.remove(traceId(999_999));
    return all;
  }
}

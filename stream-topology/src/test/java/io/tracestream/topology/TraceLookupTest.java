package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceLookupTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;

  @TempDir
  Path stateDir;

  /**
   * Pins a real bug: with the summaries store cached, each {@code /api/traces/{id}} took seconds, as a
   * cached window store's fetch walks its cache one segment at a time from the lookup's start, here
   * 1970 (found by StandbyFailoverFaultIT: 3 to 6 s per trace on a loaded 2-core host).
   */
  @Test
  void aTraceIsLookedUpOverAllTimeInWellUnderASecond() {
    // a 1 min retention makes the store's segments 1 min long: some 30 million of them since 1970
    try (TopologyFixture topology = new TopologyFixture(stateDir, "topology.query.traces.retention=1m")) {
      // Given a completed trace (its idle gap of 10 s passed in event time)
      topology.send("frontend", span(100, 0, "GET /", SERVER, false, 10_000, 300));
      topology.send("clock", span(999_999, 0, "tick", SERVER, false, 20_000, 1));
      ReadOnlyWindowStore<String, TraceSummary> store = topology.driver.getWindowStore(QueryStores.TRACE_SUMMARIES);

      // When it is looked up the way the query API does
      long started = System.nanoTime();
      Optional<TraceSummary> found = QueryStores.trace(store, traceId(100));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      // Then it is found, quickly
      assertThat(found).map(TraceSummary::rootService).contains("frontend");
      assertThat(took).isLessThan(Duration.ofSeconds(1));
    }
  }
}

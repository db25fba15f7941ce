package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdleStartTest {
  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @AfterEach
  void stop() {
    topology.close();
  }

  /**
   * docker-free-deploy's UnitsSmokeIT: every input partition idle since the start reports IDLE; the first
   * spans' partials reached the window task before their task's new progress, and were counted late.
   */
  @Test
  void theFirstSpansAfterAnIdleStartAreCountedNotLate() {
    topology = new TopologyFixture(stateDir);
    for (int i = 0; i < 3; i++) {
      topology.advanceWallClock(Duration.ofMinutes(1));
    }

    topology.send("a", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 1_000, 1));
    topology.send("a", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 2_000, 1));
    topology.send("a", span("GET /a", Span.SpanKind.SPAN_KIND_SERVER, false, 100_000, 1));

    assertThat(topology.metrics.counts.keySet()).noneMatch(k -> k.startsWith("late."));
    assertThat(topology.results.readValuesToList()).extracting(r -> r.count()).containsExactly(2L);
  }
}

package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MicrometerTopologyMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock();
  private final MicrometerTopologyMetrics metrics =
      new MicrometerTopologyMetrics(registry, 2, Duration.ofMinutes(10), clock);

  private Map<String, Double> late() {
    Map<String, Double> counts = new TreeMap<>();
    for (Counter c : registry.find("tracestream.late.spans").counters()) {
      counts.put(c.getId().getTag("service_name"), c.count());
    }
    return counts;
  }

  @Test
  void servicesPastTheLimitCountUnderTheOverflowService() {
    metrics.late(WindowedInput.SPANS, "a", 1);
    metrics.late(WindowedInput.SPANS, "b", 2);
    metrics.late(WindowedInput.SPANS, "c", 3);
    metrics.late(WindowedInput.SPANS, "d", 4);
    metrics.late(WindowedInput.SPANS, "a", 5);

    assertThat(late()).containsExactlyInAnyOrderEntriesOf(Map.of("__overflow__", 7.0, "a", 6.0, "b", 2.0));
  }

  @Test
  void aServicesMeterNotIncrementedForTheExpiryIsRemovedAndFreesItsPlace() {
    metrics.late(WindowedInput.SPANS, "a", 1);
    clock.advance(Duration.ofMinutes(6));
    metrics.late(WindowedInput.SPANS, "b", 1);
    clock.advance(Duration.ofMinutes(6));

    metrics.expire();
    metrics.late(WindowedInput.SPANS, "c", 1);

    assertThat(late()).containsOnlyKeys("b", "c");
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-11-01T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override public ZoneId getZone() { return ZoneId.of("UTC"); }

    @Override public Clock withZone(ZoneId zone) { return this; }

    @Override public Instant instant() { return now; }
  }

  @Test
  void dimensionOverflowIsCountedByInputAndDimensionNotByService() {
    metrics.dimensionOverflow(WindowedInput.SPANS, "quotes", "symbol", 3);
    metrics.dimensionOverflow(WindowedInput.SPANS, "orders", "symbol", 2);
    metrics.dimensionOverflow(WindowedInput.TRACES, "ingestion", "symbol", 1);

    assertThat(registry.get("tracestream.dimension.overflow").tag("input", "spans").tag("dimension", "symbol")
        .counter().count()).isEqualTo(5);
    assertThat(registry.get("tracestream.dimension.overflow").tag("input", "traces").counter().count()).isEqualTo(1);
  }
}

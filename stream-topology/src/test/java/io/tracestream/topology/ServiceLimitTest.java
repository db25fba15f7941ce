package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.query.QueryStores;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** topology.max.services: distinct services per window task, then {@code __overflow__}; unseen ones expire. */
class ServiceLimitTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  @AfterEach
  void stop() {
    topology.close();
  }

  private void send(String service, long endOffsetMs) {
    topology.send(service, span("GET /" + service, SERVER, false, endOffsetMs, 1));
  }

  /** Span counts per (service, operation) of the closed span windows. */
  private Map<String, Long> spanCounts() {
    Map<String, Long> counts = new HashMap<>();
    topology.results.readKeyValuesToList()
        .forEach(kv -> counts.merge(kv.key.service() + " " + kv.key.operation(), kv.value.count(), Long::sum));
    return counts;
  }

  @Test
  void servicesPastTheLimitFoldIntoOneOverflowSeriesAndAreCounted() {
    topology = new TopologyFixture(stateDir, "topology.max.services=2");
    send("a", 1_000);
    send("b", 2_000);
    send("c", 3_000);
    send("d", 4_000);
    send("a", 5_000);

    send("a", 100_000);

    assertThat(spanCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "a GET /a", 2L, "b GET /b", 1L, "__overflow__ __overflow__", 2L));
    assertThat(topology.metrics.get("overflow.spans.__overflow__")).isEqualTo(2);
  }

  @Test
  void rootServicesPastTheLimitFoldIntoTheOverflowTraceSeries() {
    topology = new TopologyFixture(stateDir, "topology.max.services=1");
    send("a", 1_000);
    send("b", 2_000);

    send("a", 100_000);
    send("a", 130_000);
    topology.settle();

    Set<TraceSeriesKey> series = new TreeSet<>((x, y) -> x.toString().compareTo(y.toString()));
    topology.traceMetrics.readKeyValuesToList().forEach(kv -> series.add(kv.key));
    assertThat(series).contains(new TraceSeriesKey("a", "GET /a"), new TraceSeriesKey("__overflow__", "__overflow__"))
        .noneMatch(k -> k.rootService().equals("b"));
    assertThat(topology.metrics.get("overflow.traces.__overflow__")).isEqualTo(1);
  }

  @Test
  void aServiceNotSeenForTheExpiryFreesItsPlace() {
    topology = new TopologyFixture(stateDir, "topology.max.services=1", "topology.metrics.stale.after=1m",
        "topology.metrics.expire.after=2m");
    send("old", 1_000);
    send("new", 2_000);

    // Given: only the overflow series sends for longer than the expiry
    send("new", 200_000);
    send("new", 300_000);
    topology.settle();
    spanCounts();

    // When: "new" sends again, past the expiry of "old"
    send("new", 400_000);
    send("new", 500_000);
    topology.settle();

    assertThat(spanCounts()).containsKey("new GET /new").doesNotContainKey("old GET /old");
  }

  @Test
  void theServicesQueryStoreKeepsAtMostTheLimit() {
    topology = new TopologyFixture(stateDir, "topology.max.services=3");
    for (int i = 0; i < 10; i++) {
      send("s" + i, 1_000 + i);
    }
    send("s0", 100_000);
    topology.settle();

    KeyValueStore<String, Long> store = topology.driver.getKeyValueStore(QueryStores.SERVICES);
    Set<String> names = new TreeSet<>();
    try (KeyValueIterator<String, Long> it = store.all()) {
      it.forEachRemaining(kv -> names.add(kv.key));
    }
    assertThat(names).containsExactly("s0", "s1", "s2");
  }
}

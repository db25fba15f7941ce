package io.tracestream.topology.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search of one partition's {@code trace-summaries} store (a RocksDB window store as in the topology). */
class TraceSearchTest {
  private static final long T0 = Instant.parse("2026-12-08T00:00:00Z").toEpochMilli();
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(T0 + 60_000), ZoneOffset.UTC);

  @TempDir
  Path stateDir;
  private TopologyTestDriver driver;
  private WindowStore<String, TraceSummary> store;

  @BeforeEach
  void store() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(QueryStores.TRACE_SUMMARIES,
        Duration.ofHours(1), Duration.ofMillis(1), false), Serdes.String(), JsonSerde.of(TraceSummary.class)));
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .processValues(() -> new FixedKeyProcessor<String, String, String>() { // only holds the store
          @Override
          public void process(FixedKeyRecord<String, String> record) {}
        }, QueryStores.TRACE_SUMMARIES);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "trace-search-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(builder.build(), props);
    store = driver.getWindowStore(QueryStores.TRACE_SUMMARIES);
  }

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void theNewestStartsComeFirstUpToTheLimitAndTheTotalCountsEveryMatch() {
    // Given five gateway traces stored in an order that is neither by start nor by trace id, and one of search
    put("0c", "gateway", 3_000, 100, false);
    put("0a", "gateway", 5_000, 100, false);
    put("0e", "gateway", 1_000, 9_000, false); // started first, ended last
    put("0b", "gateway", 4_000, 100, false);
    put("0d", "gateway", 4_000, 200, false); // starts with 0b: the trace id decides
    put("0f", "search", 6_000, 100, false);

    JsonNode part = TraceSearch.partition(store, 0, query("service=gateway&limit=3"), 100);

    assertThat(ids(part)).containsExactly(id("0a"), id("0b"), id("0d"));
    assertThat(part.path("total").asInt()).isEqualTo(5);
    assertThat(part.path("cut")).isEmpty();
  }

  @Test
  void aTraceJoinedAgainCountsOnceAsItsNewestSummaryInTheRange() {
    // Given a trace summarized at 1.1 s, then joined by an erroneous straggler and summarized again at 1.5 s
    put("0a", "gateway", 1_000, 100, false);
    put("0a", "gateway", 1_000, 500, true);

    assertThat(ids(TraceSearch.partition(store, 0, query("service=gateway"), 100))).containsExactly(id("0a"));
    assertThat(TraceSearch.partition(store, 0, query("service=gateway&error=false"), 100).path("total").asInt())
        .isZero();
    assertThat(TraceSearch.partition(store, 0, query("service=gateway&error=true"), 100).path("traces").path(0)
        .path("durationNanos").asLong()).isEqualTo(500_000_000L);
    // a range ending before the second summary finds the first
    JsonNode before = TraceSearch.partition(store, 0, query("service=gateway&error=false&end=" + micros(1_400)), 100);
    assertThat(before.path("traces").path(0).path("durationNanos").asLong()).isEqualTo(100_000_000L);
  }

  @Test
  void aTraceJoinedAgainAcrossTwoOfTheStoresSegmentsCountsOnce() {
    // Given a trace summarized 0.1 s before a segment of the store ends (30 min: half its retention),
    // and again, with an error, 0.1 s after the next began
    long segment = Duration.ofMinutes(30).toMillis();
    put("0a", "gateway", segment - 200, 100, false);
    put("0a", "gateway", segment - 200, 300, true);
    String end = "&end=" + micros(segment + 1_000);

    assertThat(TraceSearch.partition(store, 0, query("service=gateway" + end), 100).path("total").asInt())
        .isEqualTo(1);
    assertThat(TraceSearch.partition(store, 0, query("service=gateway&error=false" + end), 100).path("total")
        .asInt()).isZero();
  }

  @Test
  void everyOneOfThousandsOfTracesIsCountedThoughTheirIdsAreTrackedApproximately() {
    for (int i = 0; i < 3_000; i++) {
      put(String.format("%02x", i), "gateway", i * 1_000L, 10, false);
    }

    JsonNode part = TraceSearch.partition(store, 0, query("service=gateway&end=" + micros(3_001_000)), 5_000);

    assertThat(part.path("total").asInt()).isEqualTo(3_000);
  }

  @Test
  void theRangeIsOnTraceEndsBothBoundsIncluded() {
    put("0a", "gateway", 1_000, 100, false); // ends at 1.1 s
    put("0b", "gateway", 2_000, 100, false); // ends at 2.1 s

    assertThat(ids(TraceSearch.partition(store, 0,
        query("service=gateway&start=" + micros(1_100) + "&end=" + micros(2_100)), 100)))
        .containsExactly(id("0b"), id("0a"));
    assertThat(ids(TraceSearch.partition(store, 0,
        query("service=gateway&start=" + (micros(1_100) + 1_000) + "&end=" + (micros(2_100) - 1)), 100))).isEmpty();
  }

  @Test
  void aPartitionWithMoreSummariesThanTheMostReadIsCutAndTheAnswerSaysSo() {
    for (int i = 1; i <= 5; i++) {
      put("0" + i, "gateway", i * 1_000L, 100, false);
    }

    JsonNode exact = TraceSearch.partition(store, 2, query("service=gateway"), 5);
    JsonNode cut = TraceSearch.partition(store, 2, query("service=gateway"), 4);

    assertThat(exact.path("total").asInt()).isEqualTo(5);
    assertThat(exact.path("cut")).isEmpty();
    assertThat(cut.path("total").asInt()).isEqualTo(4);
    assertThat(cut.path("cut").toString()).isEqualTo("[{\"partition\":2,\"examined\":4}]");
    Map<String, Object> answer = TraceSearch.answer(TraceSearch.merge(List.of(cut), 20), 20);
    assertThat(answer.get("errors").toString()).contains("code=206").contains("partition 2: the search stopped after"
        + " reading 4 trace summaries");
  }

  @Test
  void partsOfSeveralPartitionsMergeNewestFirstWithTheirTotalsSummed() {
    // Given the parts of two partitions, one with traces a, c, e and the other with b, d
    put("0a", "gateway", 1_000, 100, false);
    put("0c", "gateway", 3_000, 100, false);
    put("0e", "gateway", 5_000, 100, false);
    JsonNode first = TraceSearch.partition(store, 0, query("service=gateway&limit=3"), 100);
    store.put(id("0a"), null, T0 + 1_100); // deleted: the second partition holds other traces
    store.put(id("0c"), null, T0 + 3_100);
    store.put(id("0e"), null, T0 + 5_100);
    put("0b", "gateway", 2_000, 100, false);
    put("0d", "gateway", 4_000, 100, false);
    JsonNode second = TraceSearch.partition(store, 1, query("service=gateway&limit=3"), 100);

    // When they are merged for a limit of 3
    JsonNode merged = TraceSearch.merge(List.of(first, second), 3);
    Map<String, Object> answer = TraceSearch.answer(merged, 3);

    // Then the answer holds the newest 3 of both and counts all 5
    assertThat(ids(first)).containsExactly(id("0e"), id("0c"), id("0a"));
    assertThat(ids(second)).containsExactly(id("0d"), id("0b"));
    assertThat(ids(merged)).containsExactly(id("0e"), id("0d"), id("0c"));
    assertThat(answer.get("total")).isEqualTo(5L);
    assertThat(answer.get("limit")).isEqualTo(3);
    assertThat(answer.get("errors")).isNull();
  }

  private void put(String idEnd, String rootService, long startOffsetMs, long durationMs, boolean error) {
    long start = T0 + startOffsetMs;
    TraceSummary summary = new TraceSummary(id(idEnd), rootService, "GET /", false, start * 1_000_000L,
        durationMs * 1_000_000L, 1, error, List.of(rootService));
    store.put(summary.traceId(), summary, start + durationMs);
  }

  private static String id(String end) {
    return "0".repeat(32 - end.length()) + end;
  }

  private static long micros(long offsetMs) {
    return (T0 + offsetMs) * 1000;
  }

  private static TraceQuery query(String query) {
    return TraceQuery.parse(TraceQueryTest.params(query), CLOCK);
  }

  private static List<String> ids(JsonNode part) {
    List<String> ids = new ArrayList<>();
    part.path("traces").forEach(trace -> ids.add(trace.path("traceId").asText()));
    return ids;
  }
}

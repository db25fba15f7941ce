package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topology.dimensions} and {@code topology.trace.dimensions} through the whole topology. */
class DimensionsTopologyTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CONSUMER = Span.SpanKind.SPAN_KIND_CONSUMER;

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  private void start(String... settings) {
    topology = new TopologyFixture(stateDir, settings);
  }

  @AfterEach
  void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  private static AnyValue string(String value) {
    return AnyValue.newBuilder().setStringValue(value).build();
  }

  private static AnyValue integer(long value) {
    return AnyValue.newBuilder().setIntValue(value).build();
  }

  private static Span withAttribute(Span span, String key, AnyValue value) {
    return span.toBuilder().addAttributes(KeyValue.newBuilder().setKey(key).setValue(value)).build();
  }

  private static Span get(long endOffsetMs) {
    return span("GET /quote", SERVER, false, endOffsetMs, 10);
  }

  /** Closes the first span window: a span past its end + grace. */
  private void closeFirstSpanWindow() {
    topology.send("clock", span("tick", SERVER, false, 95_000, 1));
  }

  /** Count per series of the first window, the clock's left out. */
  private Map<Map<String, String>, Long> countsByDimensions() {
    Map<Map<String, String>, Long> counts = new HashMap<>();
    for (org.apache.kafka.streams.KeyValue<SeriesKey, WindowResult> kv : topology.results.readKeyValuesToList()) {
      if (!kv.key.service().equals("clock")) {
        counts.merge(kv.key.dimensions(), kv.value.count(), Long::sum);
      }
    }
    return counts;
  }

  @Test
  void aSpanAttributeSplitsTheSeriesWhateverItsValueType() {
    start("topology.dimensions=http.response.status_code");
    topology.send("quotes", withAttribute(get(1_000), "http.response.status_code", integer(200)));
    topology.send("quotes", withAttribute(get(2_000), "http.response.status_code", integer(200)));
    topology.send("quotes", withAttribute(get(3_000), "http.response.status_code", string("503")));
    topology.send("quotes", get(4_000)); // no attribute, no default: the dimension is left out

    closeFirstSpanWindow();

    assertThat(countsByDimensions()).containsOnly(
        Map.entry(Map.of(), 1L),
        Map.entry(Map.of("http.response.status_code", "200"), 2L),
        Map.entry(Map.of("http.response.status_code", "503"), 1L));
  }

  @Test
  void aResourceAttributeGivesTheValueWhenTheSpanHasNone() {
    start("topology.dimensions=deployment.environment.name");
    topology.send("quotes", Map.of("deployment.environment.name", string("staging")), get(1_000), get(2_000));
    topology.send("quotes", Map.of("deployment.environment.name", string("staging")),
        withAttribute(get(3_000), "deployment.environment.name", string("canary"))); // the span's own wins
    topology.send("quotes", Map.of("deployment.environment.name", string("prod")), get(4_000));

    closeFirstSpanWindow();

    assertThat(countsByDimensions()).containsOnly(
        Map.entry(Map.of("deployment.environment.name", "canary"), 1L),
        Map.entry(Map.of("deployment.environment.name", "prod"), 1L),
        Map.entry(Map.of("deployment.environment.name", "staging"), 2L));
  }

  @Test
  void theDefaultStandsInForAnAbsentAttribute() {
    start("topology.dimensions=deployment.environment.name:prod,symbol");
    topology.send("quotes", get(1_000), get(2_000));
    topology.send("quotes", Map.of("deployment.environment.name", string("dev")),
        withAttribute(get(3_000), "symbol", string("AAPL")));

    closeFirstSpanWindow();

    assertThat(countsByDimensions()).containsOnly(
        Map.entry(Map.of("deployment.environment.name", "dev", "symbol", "AAPL"), 1L),
        Map.entry(Map.of("deployment.environment.name", "prod"), 2L));
  }

  @Test
  void valuesPastTheLimitPerServiceAreFoldedIntoOverflowAndCounted() {
    start("topology.dimensions=symbol", "topology.dimensions.max.values=2");
    for (String symbol : new String[] {"AAPL", "MSFT", "AAPL", "GOOG", "TSLA", "MSFT", "GOOG"}) {
      topology.send("quotes", withAttribute(get(1_000), "symbol", string(symbol)));
    }
    topology.send("orders", withAttribute(get(1_000), "symbol", string("GOOG"))); // another service's own limit

    closeFirstSpanWindow();

    Map<SeriesKey, Long> counts = new HashMap<>();
    topology.results.readKeyValuesToList().stream().filter(kv -> !kv.key.service().equals("clock"))
        .forEach(kv -> counts.merge(kv.key, kv.value.count(), Long::sum));
    assertThat(counts).containsOnly(
        Map.entry(quote("orders", "GOOG"), 1L),
        Map.entry(quote("quotes", "AAPL"), 2L),
        Map.entry(quote("quotes", "MSFT"), 2L),
        Map.entry(quote("quotes", "__overflow__"), 3L));
    assertThat(topology.metrics.get("dimensionOverflow.spans.quotes.symbol")).isEqualTo(3);
    assertThat(topology.metrics.get("dimensionOverflow.spans.orders.symbol")).isZero();
  }

  private static SeriesKey quote(String service, String symbol) {
    return new SeriesKey(service, "GET /quote", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", Map.of("symbol", symbol));
  }

  @Test
  void traceLatencyIsSplitByTheRootSpansSymbolElseTheFirstSpanHavingOne() {
    start("topology.trace.dimensions=symbol");
    // AAPL on the root: 100 ms and 300 ms; MSFT only on the consumer child: 200 ms; none at all: 50 ms
    trace(700_001, "AAPL", null, 10_000, 100);
    trace(700_002, "AAPL", "MSFT", 11_000, 300); // the root's value wins over the child's
    trace(700_003, null, "MSFT", 12_000, 200);
    trace(700_004, null, null, 13_000, 50);

    topology.send("clock", span(900_100, 0, "tick", SERVER, false, 100_000, 1));
    topology.send("clock", span(900_120, 0, "tick", SERVER, false, 120_000, 1));

    Map<TraceSeriesKey, WindowResult> results = new HashMap<>();
    topology.traceMetrics.readKeyValuesToList().stream().filter(kv -> !kv.key.rootService().equals("clock"))
        .forEach(kv -> results.put(kv.key, kv.value));
    TraceSeriesKey aapl = new TraceSeriesKey("ingestion", "ingest", Map.of("symbol", "AAPL"));
    TraceSeriesKey msft = new TraceSeriesKey("ingestion", "ingest", Map.of("symbol", "MSFT"));
    TraceSeriesKey none = new TraceSeriesKey("ingestion", "ingest");
    assertThat(results).containsOnlyKeys(aapl, msft, none);
    assertThat(results.get(aapl).count()).isEqualTo(2);
    assertThat(results.get(aapl).maxMs()).isEqualTo(300);
    assertThat(results.get(msft).count()).isEqualTo(1);
    assertThat(results.get(msft).maxMs()).isEqualTo(200);
    assertThat(results.get(none).count()).isEqualTo(1);
    assertThat(results.get(none).maxMs()).isEqualTo(50);
    assertThat(topology.results.readKeyValuesToList()).allSatisfy(kv -> assertThat(kv.key.dimensions()).isEmpty());
  }

  @Test
  void preAggregatedSpanAndTracePartialsKeepTheirDimensions() {
    start("topology.dimensions=symbol", "topology.trace.dimensions=symbol", "topology.preaggregate.interval=1s");
    for (String symbol : new String[] {"AAPL", "MSFT", "AAPL"}) {
      topology.send("quotes", withAttribute(get(1_000), "symbol", string(symbol)));
    }
    trace(700_011, "AAPL", null, 10_000, 100);
    trace(700_012, "MSFT", null, 11_000, 200);
    trace(700_013, "AAPL", null, 12_000, 300);

    topology.send("clock", span(900_100, 0, "tick", SERVER, false, 100_000, 1));
    topology.send("clock", span(900_120, 0, "tick", SERVER, false, 120_000, 1));
    topology.settle();

    Map<Map<String, String>, Long> spans = new HashMap<>();
    topology.results.readKeyValuesToList().stream().filter(kv -> kv.key.service().equals("quotes"))
        .forEach(kv -> spans.merge(kv.key.dimensions(), kv.value.count(), Long::sum));
    assertThat(spans).containsOnly(Map.entry(Map.of("symbol", "AAPL"), 2L), Map.entry(Map.of("symbol", "MSFT"), 1L));
    Map<Map<String, String>, Long> traces = new HashMap<>();
    topology.traceMetrics.readKeyValuesToList().stream().filter(kv -> kv.key.rootService().equals("ingestion"))
        .forEach(kv -> traces.merge(kv.key.dimensions(), kv.value.count(), Long::sum));
    assertThat(traces).containsOnly(Map.entry(Map.of("symbol", "AAPL"), 2L), Map.entry(Map.of("symbol", "MSFT"), 1L));
  }

  /**
   * A trace (ids above those {@code span(name, ...)} gives its one-span traces): the ingestion root, a processor
   * child (CONSUMER) ending 1 ms before it, each with its symbol.
   */
  private void trace(long id, String rootSymbol, String childSymbol, long endMs, double durationMs) {
    Span root = span(id, 0, "ingest", SERVER, false, endMs, durationMs);
    Span child = span(id, spanId(root), "process", CONSUMER, false, endMs - 1, durationMs / 2);
    topology.send("ingestion", rootSymbol == null ? root : withAttribute(root, "symbol", string(rootSymbol)));
    topology.send("processor", childSymbol == null ? child : withAttribute(child, "symbol", string(childSymbol)));
  }
}

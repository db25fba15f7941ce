package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.T0;
import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dependency edges through the whole topology: OTLP records in, windowed edges and query stores out. */
class EdgesTopologyTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;
  private static final Span.SpanKind INTERNAL = Span.SpanKind.SPAN_KIND_INTERNAL;
  private static final EdgeKey USER_BACKEND = new EdgeKey("user", "backend", "virtual_node");
  private static final EdgeKey BACKEND_AI = new EdgeKey("backend", "ai-engine", "");
  private static final EdgeKey BACKEND_EXECUTION = new EdgeKey("backend", "execution", "");
  private static final EdgeKey EXECUTION_RISK = new EdgeKey("execution", "risk-safety", "");
  private static final EdgeKey EXECUTION_EXCHANGE = new EdgeKey("execution", "api.exchange.example", "virtual_node");
  private static final EdgeKey EXECUTION_POSTGRES = new EdgeKey("execution", "orders", "database");

  @TempDir
  Path stateDir;

  private TopologyFixture topology;

  /** The fixture's settings: each trace and edge alone; {@link EdgesTopologyPreAggregatedTest} sums them first. */
  String[] settings() {
    return new String[0];
  }

  private String[] settings(String more) {
    return Stream.concat(Arrays.stream(settings()), Stream.of(more)).toArray(String[]::new);
  }

  @BeforeEach
  void start() {
    topology = new TopologyFixture(stateDir, settings());
  }

  @AfterEach
  void stop() {
    topology.close();
  }

  /**
   * One trade through the trading platform, ending {@code endMs} after T0: backend (root) calls
   * ai-engine and execution; execution calls risk-safety, the uninstrumented exchange API and
   * PostgreSQL. Each service sends its own spans, as their SDKs do.
   */
  private void trade(long id, long endMs, boolean riskFails, boolean exchangeFails) {
    Span root = span(id, 0, "POST /trade", SERVER, false, endMs, 400);
    Span predictCall = span(id, spanId(root), "POST /predict", CLIENT, false, endMs - 300, 80);
    Span orderCall = span(id, spanId(root), "POST /orders", CLIENT, false, endMs - 10, 250);
    topology.send("backend", root, predictCall, orderCall);
    topology.send("ai-engine", span(id, spanId(predictCall), "POST /predict", SERVER, false, endMs - 301, 70));
    Span orders = span(id, spanId(orderCall), "POST /orders", SERVER, false, endMs - 11, 240);
    Span riskCall = span(id, spanId(orders), "POST /check", CLIENT, false, endMs - 150, 50);
    Span exchangeCall = withAttribute(
        span(id, spanId(orders), "POST /v3/order", CLIENT, exchangeFails, endMs - 20, 120),
        "server.address", "api.exchange.example");
    Span insert = withAttribute(withAttribute(span(id, spanId(orders), "INSERT orders", CLIENT, false, endMs - 12, 5),
        "db.system", "postgresql"), "db.name", "orders");
    topology.send("execution", orders, riskCall, exchangeCall, insert);
    topology.send("risk-safety", span(id, spanId(riskCall), "POST /check", SERVER, riskFails, endMs - 151, 40));
  }

  private static Span withAttribute(Span span, String key, String value) {
    return span.toBuilder().addAttributes(KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))).build();
  }

  /** A one-span trace of another service, only to move event time on. */
  private void tick(long endOffsetMs) {
    topology.send("clock", span(900_000 + endOffsetMs, 0, "tick", SERVER, false, endOffsetMs, 1));
  }

  private void closeFirstWindow() {
    tick(100_000);
    tick(120_000);
  }

  private Map<EdgeKey, EdgeWindowResult> edges() {
    return topology.edges.readKeyValuesToList().stream()
        .filter(kv -> !kv.key.server().equals("clock"))
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  @Test
  void theTradingPlatformsEdgesHaveExactCallsAndFailures() {
    for (int i = 1; i <= 10; i++) {
      trade(i, 2_000L * i, i == 3 || i == 7, i == 5);
    }

    closeFirstWindow();

    Map<EdgeKey, EdgeWindowResult> edges = edges();
    assertThat(edges).containsOnlyKeys(USER_BACKEND, BACKEND_AI, BACKEND_EXECUTION, EXECUTION_RISK,
        EXECUTION_EXCHANGE, EXECUTION_POSTGRES);
    edges.values().forEach(e -> assertThat(e.calls()).isEqualTo(10));
    assertThat(edges.get(EXECUTION_RISK).errors()).as("the two failed risk checks").isEqualTo(2);
    assertThat(edges.get(EXECUTION_EXCHANGE).errors()).as("the failed exchange call").isEqualTo(1);
    assertThat(edges.get(BACKEND_EXECUTION).errors()).as("an error below does not fail the edge above").isZero();
    assertThat(edges.get(USER_BACKEND).errors()).isZero();

    // Whole-trace error ratio of the same traces: an error anywhere fails the trade.
    WindowResult trades = topology.traceMetrics.readKeyValuesToList().stream()
        .filter(kv -> kv.key.equals(new TraceSeriesKey("backend", "POST /trade")))
        .findFirst().orElseThrow().value;
    assertThat(trades.count()).isEqualTo(10);
    assertThat(trades.errors()).isEqualTo(3);
  }

  @Test
  void eachSideCarriesTheLatencyOfItsOwnSpans() {
    trade(21, 10_000, false, false);
    trade(22, 20_000, false, false);

    closeFirstWindow();

    Map<EdgeKey, EdgeWindowResult> edges = edges();
    EdgeWindowResult risk = edges.get(EXECUTION_RISK);
    assertThat(risk.windowStart()).isEqualTo(T0.toEpochMilli());
    assertThat(risk.client().count()).isEqualTo(2);
    assertThat(risk.client().maxMs()).isCloseTo(50, within(1e-6));
    assertThat(risk.server().maxMs()).isCloseTo(40, within(1e-6));
    assertThat(edges.get(USER_BACKEND).client()).as("nobody measured the user's side").isNull();
    assertThat(edges.get(USER_BACKEND).server().maxMs()).isCloseTo(400, within(1e-6));
    assertThat(edges.get(EXECUTION_EXCHANGE).server()).as("the exchange has no span").isNull();
    assertThat(edges.get(EXECUTION_POSTGRES).server().maxMs()).as("a database edge carries the client's duration")
        .isCloseTo(5, within(1e-6));
  }

  /**
   * The seeds' pipeline: ingestion publishes to Kafka; processor continues the trace from the record's headers
   * with an INTERNAL span and calls a quote API (named only by the older http.url); storage continues under the
   * processor's span with an INTERNAL span of its own. No span of processor or storage is a CONSUMER or SERVER.
   */
  private void pipeline(long id, long endMs) {
    Span poll = span(id, 0, "poll_feed", INTERNAL, false, endMs - 100, 20);
    Span publish = span(id, spanId(poll), "publish", Span.SpanKind.SPAN_KIND_PRODUCER, false, endMs - 90, 5);
    topology.send("ingestion", poll, publish);
    Span process = span(id, spanId(publish), "process_message", INTERNAL, false, endMs - 10, 60);
    Span quote = withAttribute(span(id, spanId(process), "GET", CLIENT, false, endMs - 40, 15),
        "http.url", "http://quotes.example:8080/q?symbol=X");
    topology.send("processor", process, quote);
    topology.send("storage", span(id, spanId(process), "store", INTERNAL, false, endMs, 8));
  }

  @Test
  void internalSpansThatContinueATraceInAnotherServiceAreEdgesCountedAsInferred() {
    for (int i = 1; i <= 5; i++) {
      pipeline(60 + i, 2_000L * i);
    }

    closeFirstWindow();
    topology.advanceWallClock(Duration.ofSeconds(16)); // past topology.trace.rejoin: unpaired spans are counted

    Map<EdgeKey, EdgeWindowResult> edges = edges();
    assertThat(edges).containsOnlyKeys(new EdgeKey("ingestion", "processor", "messaging_system"),
        new EdgeKey("processor", "storage", ""), new EdgeKey("processor", "quotes.example", "virtual_node"));
    edges.values().forEach(e -> assertThat(e.calls()).isEqualTo(5));
    assertThat(edges.get(new EdgeKey("ingestion", "processor", "messaging_system")).client().maxMs())
        .as("the producer span's duration").isCloseTo(5, within(1e-6));
    assertThat(edges.get(new EdgeKey("processor", "storage", "")).client()).as("no client span").isNull();
    assertThat(topology.metrics.get("inferred.producer_child")).isEqualTo(5);
    assertThat(topology.metrics.get("inferred.cross_service_child")).isEqualTo(5);
    assertThat(topology.metrics.counts.keySet()).noneMatch(k -> k.startsWith("unpaired."));
  }

  @Test
  void theConfiguredPeerAttributesNameTheVirtualNodeInTheirOrder() {
    topology.close();
    topology = new TopologyFixture(stateDir.resolve("peers"),
        settings("topology.peer.attributes=http.url,peer.service"));
    for (int i = 1; i <= 3; i++) {
      Span call = withAttribute(withAttribute(span(70 + i, 0, "GET", CLIENT, false, 2_000L * i, 15),
          "peer.service", "quotes"), "http.url", "https://quotes.example/q");
      topology.send("processor", call);
    }

    closeFirstWindow();

    Map<EdgeKey, EdgeWindowResult> edges = edges();
    EdgeKey byUrl = new EdgeKey("processor", "quotes.example", "virtual_node");
    assertThat(edges).as("http.url before peer.service").containsOnlyKeys(byUrl);
    assertThat(edges.get(byUrl).calls()).isEqualTo(3);
  }

  @Test
  void spansInNoEdgeAreCountedByReason() {
    // a client span with nothing to name its peer, in a trace of its own
    Span root = span(31, 0, "job", Span.SpanKind.SPAN_KIND_INTERNAL, false, 10_000, 100);
    topology.send("batch", root, span(31, spanId(root), "call", CLIENT, false, 9_000, 10));

    tick(100_000);
    topology.advanceWallClock(Duration.ofSeconds(16)); // past topology.trace.rejoin: it can no longer be joined

    assertThat(topology.metrics.get("unpaired.client_without_server")).isEqualTo(1);
  }

  @Test
  void aServiceNotSeenForTheQueryRetentionIsForgotten() {
    topology.close();
    topology = new TopologyFixture(stateDir.resolve("short"), settings("topology.query.retention=1m"));
    trade(51, 10_000, false, false);
    tick(100_000);
    tick(600_000); // ten minutes later only the clock service sends

    topology.driver.advanceWallClockTime(Duration.ofMinutes(1));

    assertThat(services()).contains("clock").doesNotContain("backend", "execution");
  }

  private Set<String> services() {
    KeyValueStore<String, Long> services = topology.driver.getKeyValueStore(QueryStores.SERVICES);
    Set<String> names = new TreeSet<>();
    try (KeyValueIterator<String, Long> it = services.all()) {
      it.forEachRemaining(kv -> names.add(kv.key));
    }
    return names;
  }

  @Test
  void queryStoresHoldTheSummariesServicesAndDependencyLinks() {
    trade(41, 10_000, false, false);
    closeFirstWindow();

    WindowStore<String, TraceSummary> summaries = topology.driver.getWindowStore(QueryStores.TRACE_SUMMARIES);
    try (WindowStoreIterator<TraceSummary> it = summaries.fetch(traceId(41), Instant.EPOCH, T0.plusSeconds(3600))) {
      assertThat(it.next().value.rootService()).isEqualTo("backend");
    }
    assertThat(services()).contains("backend", "ai-engine", "execution", "risk-safety");
    WindowStore<EdgeKey, Long> links = topology.driver.getWindowStore(QueryStores.DEPENDENCY_LINKS);
    Map<EdgeKey, Long> calls = new HashMap<>();
    try (var it = links.fetchAll(T0, T0.plusSeconds(60))) {
      it.forEachRemaining(kv -> calls.merge(kv.key.key(), kv.value, Long::sum));
    }
    assertThat(calls).containsEntry(BACKEND_EXECUTION, 1L).containsEntry(EXECUTION_POSTGRES, 1L);
  }
}

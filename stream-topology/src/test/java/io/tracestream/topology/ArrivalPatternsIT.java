package io.tracestream.topology;

import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toMap;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TopicReader;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's arrival patterns on a real broker, the bridge and the topology at their default window,
 * grace and trace idle (1m / 30s / 10s): the nine Quantum Trader services of the demo, each with its own
 * OpenTelemetry SDK, send trades whose spans reach the topology out of order across services. Every edge,
 * every trace summary and whole-trace duration must come out exact, nothing unpaired, nothing late.
 * Before progress crossed the stages and traces completed in processing time too, the burst came out
 * with 104 of 300 user->trading-bot edges, 210 of 300 summaries short of spans, 3006 late trace spans
 * and 832 spans unpaired for a missing parent; the skew scenario, with trace idle set below the skew
 * (3 s) to show it can fail, split 295 of 300 traces.
 */
class ArrivalPatternsIT {
  private static final int TRACES = 300;
  /** The edges of one trade, as {@code client->server/connection_type}. */
  private static final List<String> EDGES = List.of("user->trading-bot/virtual_node", "trading-bot->ai-engine/",
      "ai-engine->redis/database", "ai-engine->rl-training/", "trading-bot->risk-safety/",
      "risk-safety->risk/database", "risk-safety->portfolio-intelligence/",
      "portfolio-intelligence->position-monitor/", "portfolio-intelligence->clm/", "trading-bot->execution/",
      "execution->api.exchange.example/virtual_node", "execution->eventbus-bridge/");
  private static final List<String> SERVICES = List.of("trading-bot", "ai-engine", "risk-safety", "execution",
      "eventbus-bridge", "portfolio-intelligence", "position-monitor", "clm", "rl-training");
  private static final String ROOT = "root_service=\"trading-bot\",root_operation=\"POST /api/trade\"";
  private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  private static final AttributeKey<String> DB_NAME = AttributeKey.stringKey("db.name");
  private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void aBurstOfThePastMinuteInBatchesInterleavedAcrossNineServicesComesOutExact() throws Exception {
    try (Pipeline pipeline = Pipeline.start("burst", stateDir)) {
      // Given nine SDKs whose batch processors hold their spans until the exporters take turns:
      // one batch of 50 spans per service, round-robin, as after an outage or from a Collector's queue
      Turns turns = new Turns();
      try (Services services = new Services(0xb0, service -> BatchSpanProcessor.builder(
          turns.exporter(service, pipeline.otlp())).setMaxExportBatchSize(50).setMaxQueueSize(10_000)
          .setScheduleDelay(Duration.ofHours(1)).build(), Map.of())) {
        // When 300 trades, every span ending in the previous minute, are queued and then exported in turns
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(1, ChronoUnit.MINUTES);
        List<Trade> trades = new ArrayList<>();
        for (int i = 0; i < TRACES; i++) {
          trades.add(services.trade(minute.plusMillis(1_000 + 150L * i), i));
        }
        turns.open(services.created());
        CompletableResultCode flushed = services.flush();
        Await.until(Duration.ofMinutes(2), "every batch exported in its turn", turns::finished);
        assertThat(flushed.join(30, TimeUnit.SECONDS).isSuccess()).as("SDK flush").isTrue();
        assertThat(turns.failed).as("exports the bridge refused").isZero();

        // Then every count is exact
        pipeline.assertExact(trades, services.created());
      }
    }
  }

  @Test
  void oneServiceWithItsClockFiveSecondsAheadSplitsNoTrace() throws Exception {
    try (Pipeline pipeline = Pipeline.start("skew", stateDir)) {
      // Given nine services with the SDK's default batch processor, risk-safety's clock 5 s ahead
      try (Services services = new Services(0x5c, service -> BatchSpanProcessor.builder(pipeline.otlp()).build(),
          Map.of("risk-safety", Duration.ofSeconds(5)));
          Traffic traffic = new Traffic()) {
        // When they serve live trades, one every 100 ms, each ending now (on the other services' clocks)
        List<Trade> trades = Collections.synchronizedList(new ArrayList<>());
        traffic.every(Duration.ofMillis(100), () -> {
          if (trades.size() < TRACES) {
            trades.add(services.trade(Instant.now().minusMillis(250), trades.size()));
          }
        });
        Await.until(Duration.ofMinutes(2), TRACES + " live trades", () -> trades.size() >= TRACES);
        traffic.close();

        // Then no trace is cut in pieces: every count is exact
        pipeline.assertExact(List.copyOf(trades), services.created());
      }
    }
  }

  /** A bridge and a topology on their own topics and application id, everything else at its default. */
  private record Pipeline(String name, Bridge bridge, TopologyApp topology) implements AutoCloseable {
    static Pipeline start(String name, Path stateDir) throws Exception {
      String spans = name + "_spans";
      KAFKA.createTopics(4, spans);
      Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(Map.of("kafka.bootstrap.servers",
          KAFKA.bootstrapServers(), "topic.spans", spans, "bridge.grpc.port", "0", "bridge.http.port", "0",
          "bridge.admin.port", "0"))));
      // Names, ports and the state dir only: window, grace, trace idle, idle close and the rest at defaults
      Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
          "topic.spans", spans, "topology.application.id", name + "-it", "topology.admin.port", "0",
          "topology.state.dir", stateDir.resolve(name).toString(), "topic.span-metrics", name + "_span_metrics",
          "topic.dlq", name + "_dlq", "topic.traces", name + "_traces", "topic.trace-metrics", name + "_trace_metrics",
          "topic.edges", name + "_edges"));
      try {
        return new Pipeline(name, bridge, TopologyApp.start(TopologyConfig.from(Settings.of(settings))));
      } catch (Exception | Error e) {
        bridge.close();
        throw e;
      }
    }

    /** A service's own OTLP/gRPC exporter to the bridge. */
    SpanExporter otlp() {
      return OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + bridge.grpcPort()).build();
    }

    /**
     * Waits for the results of {@code trades} (at most 6 minutes), then asserts them all at once:
     * edges on /metrics and /api/dependencies, span and trace metrics, one summary per trace with its
     * span count, start and duration, and no unpaired, late or dropped spans.
     */
    void assertExact(List<Trade> trades, Map<String, Integer> spansByService) {
      long n = trades.size();
      Map<String, Long> edges = EDGES.stream().collect(toMap(e -> e, e -> n, Long::sum, TreeMap::new));
      Map<String, Long> links = EDGES.stream()
          .collect(toMap(e -> e.substring(0, e.indexOf('/')), e -> n, Long::sum, TreeMap::new));
      Map<String, Long> spans = new TreeMap<>();
      spansByService.forEach((service, count) -> spans.put(service, (long) count));
      long sent = System.nanoTime();
      try {
        Await.until(Duration.ofMinutes(6), name + ": exact edges, dependencies, span and trace metrics", () -> {
          String metrics = MetricsText.scrape(topology);
          return edges(metrics).equals(edges) && spanCalls(metrics).equals(spans)
              && MetricsText.value(metrics, "tracestream_traces_total", ROOT).orElse(0) == n
              && MetricsText.dependencies(topology).equals(links);
        });
        System.out.printf("%s: exact results %d s after the last trade (rejoined trace spans: %s)%n", name,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sent), MetricsText.startingWith(
                MetricsText.scrape(topology), "tracestream_rejoined_trace_spans_total").values());
      } catch (AssertionError timedOut) {
        System.out.printf("%s: %s; the results as they are:%n", name, timedOut.getMessage());
      }
      String metrics = MetricsText.scrape(topology);
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(edges(metrics)).as("traces_service_graph_request_total").isEqualTo(edges);
      soft.assertThat(MetricsText.dependencies(topology)).as("/api/dependencies callCount").isEqualTo(links);
      soft.assertThat(spanCalls(metrics)).as("traces_span_metrics_calls_total by service").isEqualTo(spans);
      soft.assertThat(MetricsText.value(metrics, "tracestream_traces_total", ROOT)).as("trace metrics").hasValue(n);
      soft.assertThat(MetricsText.value(metrics, "tracestream_traces_completed_total", "")).as("traces completed")
          .hasValue(n);
      // late spans, traces and edges are registered at the first one, late trace spans at start: its
      // sample shows the family's prefix is right, and no sample under it may be above zero
      soft.assertThat(MetricsText.startingWith(metrics, "tracestream_late_")).as("tracestream_late_*")
          .containsKey("tracestream_late_trace_spans_total");
      for (String prefix : List.of("tracestream_late_", "tracestream_edge_unpaired_spans_total",
          "tracestream_dropped_spans_total")) {
        soft.assertThat(nonZero(MetricsText.startingWith(metrics, prefix))).as(prefix + "*").isEmpty();
      }
      soft.assertThat(summaryProblems(trades)).as("traces whose summaries are not exactly one, whole and right")
          .isEmpty();
      soft.assertAll();
    }

    /** For each trade whose summaries are not one summary with its spans, start and duration: what came. */
    private List<String> summaryProblems(List<Trade> trades) {
      Set<String> ids = trades.stream().map(Trade::traceId).collect(Collectors.toSet());
      List<ConsumerRecord<String, byte[]>> records;
      try {
        records = TopicReader.readUntil(KAFKA.bootstrapServers(), name + "_traces", Duration.ofSeconds(60),
            read -> read.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(ids));
      } catch (AssertionError e) {
        return List.of(e.getMessage());
      }
      Map<String, List<TraceSummary>> summaries = records.stream().collect(groupingBy(ConsumerRecord::key,
          Collectors.mapping(r -> StreamTopology.TRACE_SUMMARY.fromBytes(r.value()), Collectors.toList())));
      List<String> problems = new ArrayList<>();
      for (Trade trade : trades) {
        List<TraceSummary> got = summaries.getOrDefault(trade.traceId(), List.of());
        TraceSummary one = got.size() == 1 ? got.get(0) : null;
        if (one == null || one.spanCount() != trade.spans() || one.startNanos() != trade.startNanos()
            || one.durationNanos() != trade.durationNanos() || one.rootMissing()) {
          problems.add(trade + " came as " + got.stream().map(s -> s.spanCount() + " spans/" + s.durationNanos()
              + " ns" + (s.rootMissing() ? "/no root" : "")).toList());
        }
      }
      if (problems.size() > 5) {
        int more = problems.size() - 5;
        problems.subList(5, problems.size()).clear();
        problems.add("... and " + more + " more");
      }
      return problems;
    }

    @Override
    public void close() {
      topology.close();
      bridge.close();
    }
  }

  /** {@code client->server/connection_type} to calls. */
  private static Map<String, Long> edges(String metrics) {
    Map<String, Long> edges = new TreeMap<>();
    MetricsText.samples(metrics, "traces_service_graph_request_total").forEach((labels, calls) -> edges.put(
        labels.get("client") + "->" + labels.get("server") + "/" + labels.get("connection_type"), calls.longValue()));
    return edges;
  }

  /** Span metrics calls summed by service over operations, kinds and statuses. */
  private static Map<String, Long> spanCalls(String metrics) {
    Map<String, Long> calls = new TreeMap<>();
    MetricsText.samples(metrics, "traces_span_metrics_calls_total")
        .forEach((labels, value) -> calls.merge(labels.get("service_name"), value.longValue(), Long::sum));
    return calls;
  }

  private static Map<String, Double> nonZero(Map<String, Double> samples) {
    Map<String, Double> nonZero = new TreeMap<>(samples);
    nonZero.values().removeIf(v -> v == 0);
    return nonZero;
  }

  /** What a trade's summary must say: the earliest start and latest end of the spans built, and their number. */
  private record Trade(String traceId, long startNanos, long durationNanos, int spans) {}

  /** The nine services, each with its own SDK (tracer provider and batch span processor), as deployed. */
  private static final class Services implements AutoCloseable {
    private final Map<String, SdkTracerProvider> providers = new LinkedHashMap<>();
    private final Map<String, Duration> skews;
    private final Map<String, Integer> created = new ConcurrentHashMap<>();

    /**
     * @param scenario the first 8 bytes of every trace id, which is otherwise a counter, as span ids are
     * @param skews how far ahead of the others a service's clock is
     */
    Services(long scenario, Function<String, SpanProcessor> processor, Map<String, Duration> skews) {
      this.skews = skews;
      AtomicLong ids = new AtomicLong();
      IdGenerator deterministic = new IdGenerator() {
        @Override
        public String generateSpanId() {
          return String.format("%016x", ids.incrementAndGet());
        }

        @Override
        public String generateTraceId() {
          return String.format("%016x%016x", scenario, ids.incrementAndGet());
        }
      };
      for (String service : SERVICES) {
        providers.put(service, SdkTracerProvider.builder().setIdGenerator(deterministic)
            .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), service, AttributeKey.stringKey("service.namespace"), "demo"))))
            .addSpanProcessor(processor.apply(service)).build());
      }
    }

    /**
     * One trade of the demo's trading platform, spanning all nine services, starting at {@code start}
     * (durations vary with {@code i}): trading-bot calls ai-engine (Redis; rl-training's policy),
     * risk-safety (PostgreSQL; portfolio-intelligence, which asks position-monitor and clm) and execution
     * (the uninstrumented exchange API; eventbus-bridge).
     */
    Trade trade(Instant start, int i) {
      Builder b = new Builder(start);
      Span root = b.span("trading-bot", "POST /api/trade", SpanKind.SERVER, null, 0, 200 + i % 13, Attributes.empty());
      Span predict = b.call(root, "trading-bot", "ai-engine", "POST /predict", 1, 41);
      b.span("ai-engine", "GET features", SpanKind.CLIENT, predict, 3, 6, Attributes.of(DB_SYSTEM, "redis"));
      b.call(predict, "ai-engine", "rl-training", "GET /policy", 7, 30 + i % 5);
      Span check = b.call(root, "trading-bot", "risk-safety", "POST /check", 42, 80);
      b.span("risk-safety", "SELECT limits", SpanKind.CLIENT, check, 44, 50,
          Attributes.of(DB_SYSTEM, "postgresql", DB_NAME, "risk"));
      Span portfolio = b.call(check, "risk-safety", "portfolio-intelligence", "GET /portfolio", 51, 78);
      b.call(portfolio, "portfolio-intelligence", "position-monitor", "GET /positions", 53, 64);
      b.call(portfolio, "portfolio-intelligence", "clm", "GET /customer", 65, 76);
      Span orders = b.call(root, "trading-bot", "execution", "POST /orders", 81, 190 + i % 7);
      b.span("execution", "POST /v3/order", SpanKind.CLIENT, orders, 83, 160 + i % 11,
          Attributes.of(SERVER_ADDRESS, "api.exchange.example"));
      b.call(orders, "execution", "eventbus-bridge", "POST /publish", 172, 185);
      return new Trade(root.getSpanContext().getTraceId(), b.first, b.last - b.first, b.spans);
    }

    /** Spans built so far, by service. */
    Map<String, Integer> created() {
      return Map.copyOf(created);
    }

    CompletableResultCode flush() {
      return CompletableResultCode.ofAll(providers.values().stream().map(SdkTracerProvider::forceFlush).toList());
    }

    @Override
    public void close() {
      providers.values().forEach(SdkTracerProvider::close);
    }

    /** Builds one trace: spans with explicit times in ms after its start, on their service's own clock. */
    private final class Builder {
      private final Instant start;
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      int spans;

      Builder(Instant start) {
        this.start = start;
      }

      /** A CLIENT span of {@code from} and the SERVER span of {@code to} inside it; returns the server span. */
      Span call(Span parent, String from, String to, String route, int startMs, int endMs) {
        Span client = span(from, route, SpanKind.CLIENT, parent, startMs, endMs, Attributes.empty());
        return span(to, route, SpanKind.SERVER, client, startMs + 1, endMs - 1, Attributes.empty());
      }

      Span span(String service, String name, SpanKind kind, Span parent, int startMs, int endMs, Attributes attrs) {
        Duration skew = skews.getOrDefault(service, Duration.ZERO);
        Instant from = start.plusMillis(startMs).plus(skew);
        Instant to = start.plusMillis(endMs).plus(skew);
        Span span = providers.get(service).get("io.tracestream.it").spanBuilder(name).setSpanKind(kind)
            .setParent(parent == null ? Context.root() : Context.root().with(parent)).setAllAttributes(attrs)
            .setStartTimestamp(from).startSpan();
        span.end(to);
        first = Math.min(first, nanos(from));
        last = Math.max(last, nanos(to));
        spans++;
        created.merge(service, 1, Integer::sum);
        return span;
      }
    }
  }

  private static long nanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }

  /**
   * Lets the services' exporters send one batch each in turn, round-robin in {@link #SERVICES} order and
   * skipping services with nothing left, once {@link #open} says how many spans each has; until then every
   * exporter waits, and the spans stay in their SDK's queue.
   */
  private static final class Turns {
    private Map<String, Integer> left;
    private int turn;
    volatile int failed;

    SpanExporter exporter(String service, SpanExporter otlp) {
      return new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          if (!await(service)) {
            return CompletableResultCode.ofFailure();
          }
          CompletableResultCode sent = otlp.export(spans).join(30, TimeUnit.SECONDS);
          next(service, spans.size(), sent.isSuccess());
          return sent;
        }

        @Override
        public CompletableResultCode flush() {
          return otlp.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
          return otlp.shutdown();
        }
      };
    }

    synchronized void open(Map<String, Integer> spans) {
      left = new HashMap<>(spans);
      turn = 0;
      notifyAll();
    }

    synchronized boolean finished() {
      return left != null && left.values().stream().allMatch(n -> n <= 0);
    }

    private synchronized boolean await(String service) {
      try {
        while (left == null || !SERVICES.get(turn).equals(service)) {
          wait();
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    private synchronized void next(String service, int exported, boolean ok) {
      left.merge(service, -exported, Integer::sum);
      failed += ok ? 0 : 1;
      for (int k = 0; k < SERVICES.size(); k++) {
        turn = (turn + 1) % SERVICES.size();
        if (left.getOrDefault(SERVICES.get(turn), 0) > 0) {
          break;
        }
      }
      notifyAll();
    }
  }

  /** Live traffic: a task run at a fixed rate on its own thread until closed. */
  private static final class Traffic implements AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "arrival-it-traffic");
      t.setDaemon(true);
      return t;
    });

    void every(Duration period, Runnable task) {
      scheduler.scheduleAtFixedRate(task, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      scheduler.shutdownNow();
    }
  }
}

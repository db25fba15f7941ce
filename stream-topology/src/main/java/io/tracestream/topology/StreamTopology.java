package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The tracestream topology, a function of its config:
 *
 * <pre>
 * otlp_spans ─ decode ─┬─ poison ──▶ tracestream.dlq
 *                      ├─ samples ─ partial windows ─ repartition by service (span-partials-by-service)
 *                      │    ─ windows ─ exemplar index ─ results ─▶ tracestream.span-metrics
 *                      ├─ spans of a trace, keyed by its id ──────────┐
 *                      └─ null-key records ─ repartition by trace id ─┴─ assembly
 *   completed traces + assembly progress ─┬─ summaries ─ query index ─▶ tracestream.traces
 *                                          ├─ partial trace windows ─ repartition by root service
 *                                          │    (trace-partials-by-root-service) ─ windows ▶
 *                                          │    tracestream.trace-metrics
 *                                          └─ partial edge windows ─ repartition by client
 *                                               (edge-partials-by-client) ─ windows ─ query index ▶
 *                                               tracestream.edges
 * </pre>
 *
 * <p>Every store, repartition and changelog topic is named here; StreamTopologyTest pins the names,
 * since renaming one loses its state on upgrade.
 */
public final class StreamTopology implements Supplier<Topology> {
  static final String REPARTITION = "span-partials-by-service";
  static final String TRACE_REPARTITION = "spans-by-trace";
  static final String TRACE_PARTIALS_REPARTITION = "trace-partials-by-root-service";
  static final String EDGE_PARTIALS_REPARTITION = "edge-partials-by-client";
  private static final SpanSeries SPANS = new SpanSeries();
  private static final TraceSeries TRACES = new TraceSeries();
  private static final EdgeSeries EDGES = new EdgeSeries();
  public static final JsonSerde<TraceSummary> TRACE_SUMMARY = JsonSerde.of(TraceSummary.class);
  public static final JsonSerde<SeriesKey> SERIES_KEY = JsonSerde.of(SeriesKey.class);
  public static final JsonSerde<TraceSeriesKey> TRACE_SERIES_KEY = JsonSerde.of(TraceSeriesKey.class);
  public static final JsonSerde<WindowResult> WINDOW_RESULT = JsonSerde.of(WindowResult.class);
  public static final JsonSerde<EdgeKey> EDGE_KEY = JsonSerde.of(EdgeKey.class);
  public static final JsonSerde<EdgeWindowResult> EDGE_WINDOW_RESULT = JsonSerde.of(EdgeWindowResult.class);

  private final TopologyConfig config;
  private final TopologyMetrics metrics;
  private final Clock clock;
  private final int inputPartitions;
  private final HeldBytes heldBytes;

  /**
   * @param clock wall-clock time, against which span end times are clamped
   * @param inputPartitions partitions of the spans topic: how many input tasks report their progress
   *     ({@link Progress}) to each window task
   */
  public StreamTopology(TopologyConfig config, TopologyMetrics metrics, Clock clock, int inputPartitions) {
    if (inputPartitions < 1) {
      throw new IllegalArgumentException("inputPartitions must be at least 1, got " + inputPartitions);
    }
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.inputPartitions = inputPartitions;
    this.heldBytes = new HeldBytes(config.traceMaxHeldBytes());
    metrics.heldTraceBytes(heldBytes::held);
  }

  /**
   * All series of a service go to one partition of the results topic, so one exporter instance holds
   * every status of an operation (for its merged quantiles) and every operation of a service.
   */
  static Optional<Set<Integer>> byService(String topic, SeriesKey key, WindowResult value, int partitions) {
    return partitionOf(key.service(), partitions);
  }

  /** All series of a root service go to one partition of the trace-metrics topic, like {@link #byService}. */
  static Optional<Set<Integer>> byRootService(String topic, TraceSeriesKey key, WindowResult value, int partitions) {
    return partitionOf(key.rootService(), partitions);
  }

  /** All edges of a client go to one partition of the edges topic, like {@link #byService}. */
  static Optional<Set<Integer>> byClient(String topic, EdgeKey key, EdgeWindowResult value, int partitions) {
    return partitionOf(key.client(), partitions);
  }

  private static Optional<Set<Integer>> partitionOf(String service, int partitions) {
    byte[] bytes = service.getBytes(StandardCharsets.UTF_8);
    return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % partitions));
  }

  @Override
  public Topology get() {
    return build(new StreamsBuilder());
  }

  /**
   * The topology with the topology-level settings of {@code streamsProperties} applied (those Streams reads
   * while building, such as {@code processor.wrapper.class}, which the benchmarks use to measure each stage).
   */
  public Topology build(Properties streamsProperties) {
    return build(new StreamsBuilder(new org.apache.kafka.streams.TopologyConfig(new StreamsConfig(streamsProperties))));
  }

  private Topology build(StreamsBuilder builder) {
    for (WindowSeries<?, ?, ?> series : List.of(SPANS, TRACES, EDGES)) {
      builder.addStateStore(Stores.keyValueStoreBuilder(
          Stores.persistentKeyValueStore(series.windowsStore()), Serdes.Bytes(), Serdes.ByteArray())
          .withCachingEnabled());
      builder.addStateStore(Stores.keyValueStoreBuilder(
          Stores.persistentKeyValueStore(series.stateStore()), Serdes.String(), Formats.LONG)
          .withCachingEnabled());
    }
    builder.addStateStore(SpanPreAggregator.storeBuilder());
    builder.addStateStore(TracePreAggregator.storeBuilder(TracePartial.KIND));
    builder.addStateStore(TracePreAggregator.storeBuilder(EdgePartial.KIND));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SpanPreAggregator.PROGRESS_STORE),
        Serdes.String(), Formats.LONG).withCachingEnabled());
    builder.addStateStore(TraceAssemblyProcessor.tracesStore());
    // Not cached: the markers are written once and deleted once, and a cached store's range copies the
    // cache's keys in it. The old spans store stays registered so that its state is moved to the heap at start.
    for (String store : List.of(TraceAssemblyProcessor.STATE_STORE, TraceAssemblyProcessor.LEGACY_SPANS_STORE)) {
      builder.addStateStore(Stores.keyValueStoreBuilder(
          Stores.persistentKeyValueStore(store), Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled());
    }
    // Not cached: each summary is written once, so a cache saves no write, and a cached window store's
    // fetch walks the cache one segment at a time from the lookup's start (1970 for /api/traces/{id}),
    // which took seconds per trace (TraceLookupTest).
    builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(QueryStores.TRACE_SUMMARIES,
        config.queryTracesRetention(), Duration.ofMillis(1), false), Serdes.String(), Formats.TRACE_SUMMARY));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QueryStores.SERVICES),
        Serdes.String(), Formats.LONG).withCachingEnabled());
    // Duplicates retained: each series of a service adds its own entry under the service's key and window start.
    builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(QueryStores.SPAN_EXEMPLARS,
        config.queryRetention(), config.window(), true), Serdes.String(), Formats.SERIES_EXEMPLARS)
        .withCachingDisabled());
    builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(QueryStores.DEPENDENCY_LINKS,
        config.queryRetention(), config.window(), false), Formats.EDGE_KEY, Formats.LONG).withCachingEnabled());

    KStream<byte[], Decoded> decoded = builder
        .stream(config.spansTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("spans-source"))
        .process(() -> new SpanDecoder(config.maxFutureSkew(), clock, metrics, config.dimensions(),
            config.traceDimensions()), Named.as("span-decoder"));

    Map<String, KStream<byte[], Decoded>> branches = decoded
        .split(Named.as("decoded-"))
        .branch((key, value) -> value instanceof Decoded.Poison, Branched.as("poison"))
        .branch((key, value) -> value instanceof SpanSamples, Branched.as("samples"))
        .branch((key, value) -> ((TraceSpans) value).rekey(), Branched.as("traces-rekey"))
        .defaultBranch(Branched.as("traces"));

    branches.get("decoded-poison")
        .mapValues(value -> ((Decoded.Poison) value).value(), Named.as("poison-bytes"))
        .to(config.dlqTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq-sink"));

    // Span windows: partial windows, then the input task's progress after them (a null value), to every
    // partition of the repartition topic; data by its key, as without a partitioner.
    branches.get("decoded-samples")
        .mapValues(value -> (SpanSamples) value, Named.as("samples"))
        .process(() -> new SpanPreAggregator(config.window(), config.grace(), config.preaggregateInterval(),
                config.idleClose(), inputPartitions, metrics),
            Named.as("span-preaggregation"), SpanPreAggregator.STORE, SpanPreAggregator.PROGRESS_STORE)
        .repartition(Repartitioned.with(Serdes.ByteArray(), SpanPartial.SERDE).withName(REPARTITION)
            .withStreamPartitioner(Progress.partitioner(key -> key)))
        .process(() -> windows(SPANS), Named.as("span-windows"), SpanSeries.WINDOWS_STORE, SpanSeries.STATE_STORE)
        .processValues(QueryIndex.Exemplars::new, Named.as("span-exemplar-index"), QueryStores.SPAN_EXEMPLARS)
        .to(config.spanMetricsTopic(), Produced.with(SERIES_KEY, WINDOW_RESULT).withName("span-metrics-sink")
            .withStreamPartitioner(StreamTopology::byService));

    // Spans of a record keyed by their trace id are already in that trace's partition; the others
    // (a Collector's null key) are re-keyed by trace id through a repartition topic first.
    // The input task's progress follows them, so assembly waits for every task that may still send some.
    KStream<byte[], TraceSpans> rekeyed = branches.get("decoded-traces-rekey")
        .mapValues(value -> (TraceSpans) value, Named.as("traces-to-rekey"))
        .process(() -> new RekeyedSpansProgress(inputPartitions), Named.as("traces-to-rekey-progress"),
            SpanPreAggregator.PROGRESS_STORE)
        .repartition(Repartitioned.with(Serdes.ByteArray(), TraceSpans.SERDE).withName(TRACE_REPARTITION)
            .withStreamPartitioner(Progress.partitioner(key -> key)));
    KStream<String, CompletedTrace> assembled = branches.get("decoded-traces")
        .mapValues(value -> (TraceSpans) value, Named.as("traces-in-place"))
        .merge(rekeyed, Named.as("traces-by-id"))
        .process(() -> new TraceAssemblyProcessor(config, inputPartitions, metrics, heldBytes),
            Named.as("trace-assembly"), TraceAssemblyProcessor.TRACES_STORE, TraceAssemblyProcessor.STATE_STORE,
            TraceAssemblyProcessor.LEGACY_SPANS_STORE);
    // The assembly task's progress reports (a null value) are for the window tasks, through the pre-aggregators.
    KStream<String, TraceSummary> summaries = assembled
        .filter((traceId, trace) -> trace != null, Named.as("completed-traces"))
        .mapValues(CompletedTrace::summary, Named.as("trace-summaries"))
        .processValues(() -> new QueryIndex.Traces(config.queryRetention(), config.maxServices()),
            Named.as("trace-query-index"),
            QueryStores.TRACE_SUMMARIES, QueryStores.SERVICES);
    summaries.to(config.tracesTopic(), Produced.with(Serdes.String(), TRACE_SUMMARY).withName("traces-sink"));

    // Whole-trace SLA metrics: the summaries (timestamped with the trace's end) summed per (root service,
    // root operation) and window in the assembly task, then brought by a repartition to the one task of their
    // root service and windowed like spans. A summary sent again for spans joined after completion adds nothing.
    assembled
        .process(() -> preaggregation(TracePartial.kind(config.traceDimensions())), Named.as("trace-preaggregation"),
            TracePartial.KIND.store())
        .repartition(Repartitioned.with(Serdes.String(), TracePartial.SERDE).withName(TRACE_PARTIALS_REPARTITION)
            .withStreamPartitioner(Progress.partitioner(Progress::utf8)))
        .process(() -> windows(TRACES), Named.as("trace-windows"), TraceSeries.WINDOWS_STORE, TraceSeries.STATE_STORE)
        .to(config.traceMetricsTopic(), Produced.with(TRACE_SERIES_KEY, WINDOW_RESULT).withName("trace-metrics-sink")
            .withStreamPartitioner(StreamTopology::byRootService));

    // Dependency edges, timestamped with their trace's end like its summary, summed per edge and window in the
    // assembly task, windowed per client.
    // Edges inferred from spans whose kinds do not pair are counted as they are sent: a trace joined again
    // brings only the edges its new spans add, so each is counted once.
    assembled
        .peek((traceId, trace) -> {
          if (trace != null) {
            trace.inferredEdges().forEach(metrics::inferredEdges);
          }
        }, Named.as("inferred-edges-count"))
        .process(() -> preaggregation(EdgePartial.KIND), Named.as("edge-preaggregation"), EdgePartial.KIND.store())
        .repartition(Repartitioned.with(Serdes.String(), EdgePartial.SERDE).withName(EDGE_PARTIALS_REPARTITION)
            .withStreamPartitioner(Progress.partitioner(Progress::utf8)))
        .process(() -> windows(EDGES), Named.as("edge-windows"), EdgeSeries.WINDOWS_STORE, EdgeSeries.STATE_STORE)
        .processValues(QueryIndex.Dependencies::new, Named.as("edge-query-index"), QueryStores.DEPENDENCY_LINKS)
        .to(config.edgesTopic(), Produced.with(EDGE_KEY, EDGE_WINDOW_RESULT).withName("edges-sink")
            .withStreamPartitioner(StreamTopology::byClient));
    return builder.build();
  }

  private <P> TracePreAggregator<P> preaggregation(TracePreAggregator.Kind<P> kind) {
    return new TracePreAggregator<>(kind, config.window(), config.grace(), config.preaggregateInterval());
  }

  private <I, V, K, R> WindowProcessor<I, V, K, R> windows(WindowSeries<V, K, R> series) {
    return new WindowProcessor<>(series, config.window(), config.grace(), config.maxServices(),
        config.maxOperationsPerService(), config.maxDimensionValues(), config.expireAfter(), metrics);
  }
}

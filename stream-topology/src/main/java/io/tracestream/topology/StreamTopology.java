package io.tracestream.topology;

import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsBuilder;
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
 * otlp_spans ─ decode ─┬─ poison ─────────────────────────────────────────────▶ tracestream.dlq
 *                      ├─ samples ─ repartition by service ─ windows ─ results ▶ tracestream.span-metrics
 *                      ├─ spans of a trace, keyed by its id ───────────┐
 *                      └─ spans of a null-key record ─ repartition by trace id ─┴─ assembly ▶ tracestream.traces
 * </pre>
 *
 * <p>Every store, repartition and changelog topic is named here; StreamTopologyTest pins the names,
 * since renaming one loses its state on upgrade.
 */
public final class StreamTopology implements Supplier<Topology> {
  static final String REPARTITION = "span-samples-by-service";
  static final String TRACE_REPARTITION = "spans-by-trace";
  public static final JsonSerde<TraceSummary> TRACE_SUMMARY = JsonSerde.of(TraceSummary.class);
  public static final JsonSerde<SeriesKey> SERIES_KEY = JsonSerde.of(SeriesKey.class);
  public static final JsonSerde<WindowResult> WINDOW_RESULT = JsonSerde.of(WindowResult.class);

  private final TopologyConfig config;
  private final TopologyMetrics metrics;
  private final Clock clock;

  /** @param clock wall-clock time, against which span end times are clamped */
  public StreamTopology(TopologyConfig config, TopologyMetrics metrics, Clock clock) {
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * All series of a service go to one partition of the results topic, so one exporter instance holds
   * every status of an operation (for its merged quantiles) and every operation of a service.
   */
  static Optional<Set<Integer>> byService(String topic, SeriesKey key, WindowResult value, int partitions) {
    byte[] service = key.service().getBytes(StandardCharsets.UTF_8);
    return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(service)) % partitions));
  }

  @Override
  public Topology get() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(SpanWindowProcessor.WINDOWS_STORE), Serdes.Bytes(), Serdes.ByteArray())
        .withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(SpanWindowProcessor.STATE_STORE), Serdes.String(), Serdes.Long())
        .withCachingEnabled());
    for (String store : List.of(TraceAssemblyProcessor.SPANS_STORE, TraceAssemblyProcessor.STATE_STORE)) {
      builder.addStateStore(Stores.keyValueStoreBuilder(
          Stores.persistentKeyValueStore(store), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled());
    }

    KStream<byte[], Decoded> decoded = builder
        .stream(config.spansTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("spans-source"))
        .process(() -> new SpanDecoder(config.maxFutureSkew(), clock, metrics), Named.as("span-decoder"));

    Map<String, KStream<byte[], Decoded>> branches = decoded
        .split(Named.as("decoded-"))
        .branch((key, value) -> value instanceof Decoded.Poison, Branched.as("poison"))
        .branch((key, value) -> value instanceof SpanSample, Branched.as("samples"))
        .branch((key, value) -> ((TraceSpans) value).rekey(), Branched.as("traces-rekey"))
        .defaultBranch(Branched.as("traces"));

    branches.get("decoded-poison")
        .mapValues(value -> ((Decoded.Poison) value).value(), Named.as("poison-bytes"))
        .to(config.dlqTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq-sink"));

    branches.get("decoded-samples")
        .mapValues(value -> (SpanSample) value, Named.as("samples"))
        .repartition(Repartitioned.with(Serdes.ByteArray(), SpanSample.SERDE).withName(REPARTITION))
        .process(() -> new SpanWindowProcessor(config.window(), config.grace(), config.idleClose(),
                config.maxOperationsPerService(), metrics),
            Named.as("span-windows"), SpanWindowProcessor.WINDOWS_STORE, SpanWindowProcessor.STATE_STORE)
        .to(config.spanMetricsTopic(), Produced.with(SERIES_KEY, WINDOW_RESULT).withName("span-metrics-sink")
            .withStreamPartitioner(StreamTopology::byService));

    // Spans of a record keyed by their trace id are already in that trace's partition; the others
    // (a Collector's null key) are re-keyed by trace id through a repartition topic first.
    KStream<byte[], TraceSpans> rekeyed = branches.get("decoded-traces-rekey")
        .mapValues(value -> (TraceSpans) value, Named.as("traces-to-rekey"))
        .repartition(Repartitioned.with(Serdes.ByteArray(), TraceSpans.SERDE).withName(TRACE_REPARTITION));
    branches.get("decoded-traces")
        .mapValues(value -> (TraceSpans) value, Named.as("traces-in-place"))
        .merge(rekeyed, Named.as("traces-by-id"))
        .process(() -> new TraceAssemblyProcessor(config.traceIdle(), config.traceMaxAge(), config.traceMaxSpans(),
                config.idleClose(), metrics),
            Named.as("trace-assembly"), TraceAssemblyProcessor.SPANS_STORE, TraceAssemblyProcessor.STATE_STORE)
        .to(config.tracesTopic(), Produced.with(Serdes.String(), TRACE_SUMMARY).withName("traces-sink"));
    return builder.build();
  }
}

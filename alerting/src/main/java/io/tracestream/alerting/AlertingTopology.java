package io.tracestream.alerting;

import io.tracestream.alerting.rules.AlertRule;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.alerting.rules.Signal;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The evaluator, a function of its config:
 *
 * <pre>
 * tracestream.span-metrics  ─ observations ─┐
 * tracestream.trace-metrics ─ observations ─┼─ repartition by alert id (alert-observations)
 * tracestream.edges         ─ observations ─┘   ─ alert-evaluator [alert-windows, alert-states]
 *                                                  ─▶ tracestream.alerts
 * </pre>
 *
 * <p>Only the topics some rule reads are subscribed. The repartition puts every contribution to one
 * alert series on one task, whatever the inputs' partitioning, so a rule may group across services.
 * Names that hold state are pinned by AlertingTopologyTest.
 */
public final class AlertingTopology implements Supplier<Topology> {
  static final String REPARTITION = "alert-observations";
  static final JsonSerde<Observation> OBSERVATION = JsonSerde.of(Observation.class);
  public static final JsonSerde<AlertTransition> TRANSITION = JsonSerde.of(AlertTransition.class);
  private static final JsonSerde<SeriesKey> SERIES_KEY = JsonSerde.of(SeriesKey.class);
  private static final JsonSerde<TraceSeriesKey> TRACE_KEY = JsonSerde.of(TraceSeriesKey.class);
  private static final JsonSerde<EdgeKey> EDGE_KEY = JsonSerde.of(EdgeKey.class);
  private static final JsonSerde<WindowResult> WINDOW = JsonSerde.of(WindowResult.class);
  private static final JsonSerde<EdgeWindowResult> EDGE_WINDOW = JsonSerde.of(EdgeWindowResult.class);

  private final AlertingConfig config;
  private final EvaluatorMetrics metrics;
  private final Function<String, KeyValueBytesStoreSupplier> stores;

  AlertingTopology(AlertingConfig config, EvaluatorMetrics metrics) {
    this(config, metrics, Stores::persistentKeyValueStore);
  }

  /** With the evaluator's stores from {@code stores}: the backtest keeps them in memory, as nothing outlives it. */
  AlertingTopology(AlertingConfig config, EvaluatorMetrics metrics,
      Function<String, KeyValueBytesStoreSupplier> stores) {
    this.config = config;
    this.metrics = metrics;
    this.stores = stores;
  }

  /** The input topics the rules need. */
  static List<String> inputTopics(AlertingConfig config) {
    Set<Signal.Source> sources = config.rules().rules().stream().map(r -> r.signal().source())
        .collect(Collectors.toSet());
    List<String> topics = new ArrayList<>();
    if (sources.contains(Signal.Source.SPANS)) {
      topics.add(config.spanMetricsTopic());
    }
    if (sources.contains(Signal.Source.TRACES)) {
      topics.add(config.traceMetricsTopic());
    }
    if (sources.contains(Signal.Source.EDGES)) {
      topics.add(config.edgesTopic());
    }
    return topics;
  }

  @Override
  public Topology get() {
    RuleSet rules = config.rules();
    Observations observations = new Observations(rules);
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(EvaluatorProcessor.WINDOWS_STORE),
        Serdes.String(), EvaluatorProcessor.BUFFERED));
    builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(EvaluatorProcessor.STATES_STORE),
        Serdes.String(), EvaluatorProcessor.STORED));

    Set<Signal.Source> used = rules.rules().stream().map(AlertRule::signal).map(Signal::source)
        .collect(Collectors.toSet());
    List<KStream<String, Observation>> inputs = new ArrayList<>();
    if (used.contains(Signal.Source.SPANS)) {
      inputs.add(source(builder, config.spanMetricsTopic(), "span-metrics",
          (k, v) -> observations.spans(SERIES_KEY.fromBytes(k), WINDOW.fromBytes(v))));
    }
    if (used.contains(Signal.Source.TRACES)) {
      inputs.add(source(builder, config.traceMetricsTopic(), "trace-metrics",
          (k, v) -> observations.traces(TRACE_KEY.fromBytes(k), WINDOW.fromBytes(v))));
    }
    if (used.contains(Signal.Source.EDGES)) {
      inputs.add(source(builder, config.edgesTopic(), "edges",
          (k, v) -> observations.edges(EDGE_KEY.fromBytes(k), EDGE_WINDOW.fromBytes(v))));
    }
    KStream<String, Observation> all = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      all = all.merge(inputs.get(i), Named.as("merge-observations-" + i));
    }
    Duration settle = config.settle();
    Duration maxAge = config.pageMaxAge();
    all.repartition(Repartitioned.with(Serdes.String(), OBSERVATION).withName(REPARTITION))
        .process(() -> new EvaluatorProcessor(rules, settle, maxAge, metrics, config.traceLink()),
            Named.as("alert-evaluator"), EvaluatorProcessor.WINDOWS_STORE, EvaluatorProcessor.STATES_STORE)
        .to(config.alertsTopic(), Produced.with(Serdes.String(), TRANSITION).withName("alerts-sink"));
    return builder.build();
  }

  private KStream<String, Observation> source(StreamsBuilder builder, String topic, String name,
      BiFunction<byte[], byte[], List<KeyValue<String, Observation>>> decode) {
    return builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
        .flatMap((k, v) -> {
          if (k == null || v == null) {
            metrics.skipped("undecodable");
            return List.of();
          }
          try {
            return decode.apply(k, v);
          } catch (SerializationException | IllegalArgumentException | NullPointerException e) {
            metrics.skipped("undecodable"); // one bad record never stops the evaluator
            return List.of();
          }
        }, Named.as(name + "-observations"));
  }
}

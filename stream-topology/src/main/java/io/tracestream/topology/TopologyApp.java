package io.tracestream.topology;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tracestream.admin.AdminServer;
import io.tracestream.admin.ProcessMetrics;
import io.tracestream.kafka.Topics;
import io.tracestream.topology.exporter.WindowMetricsExporter;
import io.tracestream.topology.query.QueryApi;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code topology} process: the Kafka Streams app, the exporter of its committed results, and the
 * admin port. Several processes with the same application id share the partitions.
 */
public final class TopologyApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyApp.class);
  private static final String NOT_READY = "Kafka Streams is not running or an exporter has not caught up";
  /** Kafka Streams' commit.interval.ms unless kafka.commit.interval.ms is set. */
  static final int COMMIT_INTERVAL_MS = 500;

  private final PrometheusMeterRegistry registry;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private volatile List<WindowMetricsExporter<?, ?>> exporters;
  private final AdminServer admin;
  private final RestoreProgress restore = new RestoreProgress();
  private final MicrometerTopologyMetrics topologyMetrics;
  private final QueryApi queries;

  private TopologyApp(TopologyConfig config) throws IOException {
    // output topics are created like the input's (partitions, replication) when missing
    int partitions = Topics.ensure(config.kafka(), config.spansTopic(), List.of(config.spansTopic(),
        config.spanMetricsTopic(), config.dlqTopic(), config.tracesTopic(), config.traceMetricsTopic(),
        config.edgesTopic()));
    // before Kafka Streams starts: records of the previous version's trace and edge topics would be lost unseen
    LegacyTopics.check(config.kafka(), config.applicationId());
    registry = ProcessMetrics.registry("topology");
    // The admin port is bound first: with port 0 its number is known only then, and Kafka Streams
    // tells the other instances where to forward queries (application.server) from its start.
    admin = new AdminServer(config.bind(), config.adminPort(), config.adminTls(), config.adminLimits(),
        config.adminAuth(), this::scrape, this::ready, NOT_READY);
    admin.openMetrics(this::openMetrics);
    HostInfo self = new HostInfo(config.advertisedHost(), admin.port());
    topologyMetrics = new MicrometerTopologyMetrics(registry, config.maxServices(), config.expireAfter(),
        Clock.systemUTC());
    Properties streamsProperties = streamsProperties(config, self);
    streams = new KafkaStreams(new StreamTopology(config, topologyMetrics, Clock.systemUTC(), partitions)
        .build(streamsProperties), streamsProperties);
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setGlobalStateRestoreListener(restore); // every store's restore, not only global stores'
    admin.notReadyReason(() -> restore.describe().orElse(NOT_READY));
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    // One consumer group per topic, so that a rebalance of one exporter never stalls the other.
    exporters = List.of(
        WindowMetricsExporter.spanMetrics(config.kafka(), config.spanMetricsTopic(),
            config.applicationId() + "-exporter", config.staleAfter(), config.expireAfter()),
        WindowMetricsExporter.traceMetrics(config.kafka(), config.traceMetricsTopic(),
            config.applicationId() + "-trace-exporter", config.staleAfter(), config.expireAfter()),
        WindowMetricsExporter.edges(config.kafka(), config.edgesTopic(),
            config.applicationId() + "-edge-exporter", config.expireAfter()));
    queries = new QueryApi(streams, self, config.spansTopic(),
        config.applicationId() + "-" + StreamTopology.EDGE_PARTIALS_REPARTITION + "-repartition", partitions,
        Clock.systemUTC(),
        config.adminTls().map(tls -> tls.clientContext(config.peerCa())), config.peerToken(), config.forwardThreads(),
        config.maxServices());
    admin.route("/api/", queries);
    streams.start();
    LOG.info("topology {} reading {}, writing {}, {}, {} and {}; admin and query API on {}:{}", config.applicationId(),
        config.spansTopic(), config.spanMetricsTopic(), config.traceMetricsTopic(), config.tracesTopic(),
        config.edgesTopic(), config.bind(), admin.port());
  }

  /** Empty until the exporters exist: the admin port answers from the constructor's first lines on. */
  private String scrape() {
    List<WindowMetricsExporter<?, ?>> current = exporters;
    if (current == null) {
      return "";
    }
    topologyMetrics.expire();
    return WindowMetricsExporter.scrape(current, false) + registry.scrape();
  }

  /** The same in OpenMetrics, with exemplars on the span histogram's buckets; Micrometer's part ends it. */
  private String openMetrics() {
    List<WindowMetricsExporter<?, ?>> current = exporters;
    if (current == null) {
      return "# EOF\n";
    }
    topologyMetrics.expire();
    return WindowMetricsExporter.scrape(current, true) + registry.scrape(AdminServer.OPEN_METRICS);
  }

  private boolean ready() {
    List<WindowMetricsExporter<?, ?>> current = exporters;
    return current != null && streams.state() == KafkaStreams.State.RUNNING && !restore.active()
        && current.stream().allMatch(WindowMetricsExporter::ready);
  }

  public static TopologyApp start(TopologyConfig config) throws IOException {
    return new TopologyApp(config);
  }

  public int adminPort() {
    return admin.port();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  static Properties streamsProperties(TopologyConfig config, HostInfo self) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    // there are no global stores: this changes nothing but the start-up WARN that asks for it
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    // Exactly-once commits every 100 ms by default: a tenth of the stream thread went to commits, and
    // every commit rewrites the open span partials; 500 ms adds at most 0.4 s to a result's delay.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    props.putAll(config.kafka());
    return props;
  }

  @Override
  public void close() {
    admin.close();
    queries.close();
    // Leave the group: the other instances take this one's partitions at once, instead of after the
    // session timeout (45 s) during which those partitions would go unprocessed and unqueryable.
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    streamsMetrics.close();
    exporters.forEach(WindowMetricsExporter::close);
    registry.close();
  }
}

package io.tracestream.alerting;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tracestream.admin.AdminServer;
import io.tracestream.admin.ProcessMetrics;
import io.tracestream.kafka.Topics;
import io.tracestream.topology.RestoreProgress;
import io.tracestream.alerting.notify.Notifier;
import io.tracestream.alerting.state.AlertStatus;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code alerting} process: the evaluator (Kafka Streams), the notifier, and the admin port with
 * {@code /metrics}, health and {@code GET /api/alerts}.
 */
public final class AlertingApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertingApp.class);
  private static final String NOT_READY = "the evaluator is not running or the notifier has not caught up";

  private final PrometheusMeterRegistry registry;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final Notifier notifier;
  private final AdminServer admin;
  private final RestoreProgress restore = new RestoreProgress();

  private AlertingApp(AlertingConfig config) throws IOException {
    // missing topics are created like the topology creates its own (partitions of topic.spans)
    List<String> topics = new ArrayList<>(AlertingTopology.inputTopics(config));
    topics.add(config.alertsTopic());
    Topics.ensure(config.kafka(), config.spansTopic(), topics);
    registry = ProcessMetrics.registry("alerting");
    MicrometerAlertingMetrics metrics = new MicrometerAlertingMetrics(registry);
    Gauge.builder("tracestream.alerting.rules", config.rules(), r -> r.size())
        .description("Rules loaded from the rule file").register(registry);
    streams = new KafkaStreams(new AlertingTopology(config, metrics).get(), streamsProperties(config));
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("alerting stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setGlobalStateRestoreListener(restore); // every store's restore, not only global stores'
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    streams.start();
    // The generator URL names the admin port, which is known only once bound (port 0 in tests).
    admin = new AdminServer(config.bind(), config.adminPort(), config.adminTls(), config.adminLimits(),
        config.adminAuth(), registry::scrape, this::ready, NOT_READY)
        .notReadyReason(() -> restore.describe().orElse(NOT_READY));
    String generatorUrl = config.generatorUrl()
        .orElse(admin.scheme() + "://" + config.bind() + ":" + admin.port() + "/api/alerts");
    notifier = new Notifier(config, generatorUrl, metrics, Clock.systemUTC());
    for (AlertStatus status : List.of(AlertStatus.PENDING, AlertStatus.FIRING)) {
      Gauge.builder("tracestream.alerting.alerts", notifier.view(), v -> v.count(status))
          .description("Alerts under way on this instance's partitions, by state")
          .tag("state", status.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    admin.json("/api/alerts", () -> notifier.view().json());
    LOG.info("alerting {} evaluating {} rules of {} on {}, writing {}; admin on {}:{}", config.applicationId(),
        config.rules().size(), config.rulesFile(), AlertingTopology.inputTopics(config), config.alertsTopic(),
        config.bind(), admin.port());
  }

  public static AlertingApp start(AlertingConfig config) throws IOException {
    return new AlertingApp(config);
  }

  public int adminPort() {
    return admin.port();
  }

  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING && !restore.active() && notifier != null
        && notifier.ready();
  }

  static Properties streamsProperties(AlertingConfig config) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    // there are no global stores: this changes nothing but the start-up WARN that asks for it
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.putAll(config.kafka());
    return props;
  }

  @Override
  public void close() {
    admin.close();
    notifier.close();
    streams.close(Duration.ofSeconds(30));
    streamsMetrics.close();
    registry.close();
  }
}

package io.tracestream.launcher;

import io.tracestream.alerting.AlertingApp;
import io.tracestream.alerting.AlertingConfig;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.launcher.demo.DemoTraffic;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every part of tracestream in one process, for a first look: a Kafka broker embedded (unless an
 * existing one is given), the topology, the alerting (with the default rule file unless
 * {@code alerting.rules.file} names one), the bridge and, with {@code --demo}, demo traffic through
 * the bridge. Parts start in dependency order and stop in the reverse one (demo and
 * bridge first, so no span is taken in that cannot be written; the broker last).
 */
public final class AllInOne implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AllInOne.class);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** What to start. */
  public record Options(Path dataDir, String externalKafka, boolean demo, double demoTracesPerSecond,
      DemoTraffic.Incidents incidents) {}

  /**
   * Defaults of a first look, each overridable: windows of 10 s instead of a minute, so metrics,
   * edges and alerts show within seconds; no wait before the broker's first rebalance.
   */
  static final Map<String, String> DEFAULTS = Map.of(
      "topology.window", "10s",
      "topology.grace", "5s",
      "topology.trace.idle", "2s",
      "topology.idle.close", "10s",
      "kafka.server.group.initial.rebalance.delay.ms", "0");

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private String bootstrapServers;
  private boolean embeddedKafka;
  private Bridge bridge;
  private TopologyApp topology;
  private AlertingApp alerting;
  private Path alertingRules;

  private AllInOne() {}

  /**
   * Starts every part with {@code settings} (the keys of the parts' own commands; the data directory
   * gives the defaults of the state directories and the broker's log dir) and waits until each
   * answers ready, or throws after {@code readyTimeout}.
   */
  public static AllInOne start(Settings settings, Options options, Duration readyTimeout) throws Exception {
    AllInOne all = new AllInOne();
    try {
      all.startParts(settings, options, readyTimeout);
      return all;
    } catch (Exception | Error e) {
      all.close();
      throw e;
    }
  }

  private void startParts(Settings given, Options options, Duration readyTimeout) throws Exception {
    Map<String, String> values = new HashMap<>(DEFAULTS);
    values.put("kafka.server.log.dirs", options.dataDir().resolve("kafka").toString());
    values.put("topology.state.dir", options.dataDir().resolve("streams").toString());
    values.put("alerting.state.dir", options.dataDir().resolve("alerting").toString());
    values.putAll(given.asMap());
    values.computeIfAbsent("alerting.rules.file", k -> defaultRules(options.dataDir()).toString());
    if (options.externalKafka() == null) {
      EmbeddedKafka kafka = EmbeddedKafka.start(KafkaServerConfig.from(Settings.of(values)));
      started.push(kafka);
      bootstrapServers = kafka.bootstrapServers();
      embeddedKafka = true;
    } else {
      bootstrapServers = options.externalKafka();
    }
    values.put("kafka.bootstrap.servers", bootstrapServers);
    values.keySet().removeIf(k -> k.startsWith(KafkaServerConfig.PREFIX)); // broker keys are not client keys
    Settings parts = Settings.of(values);
    alertingRules = Path.of(values.get("alerting.rules.file"));

    topology = TopologyApp.start(TopologyConfig.from(parts));
    started.push(topology);
    alerting = AlertingApp.start(AlertingConfig.from(parts));
    started.push(alerting);
    bridge = Bridge.start(BridgeConfig.from(parts));
    started.push(bridge);
    awaitReady(readyTimeout, "bridge", bridge.adminPort());
    awaitReady(readyTimeout, "topology", topology.adminPort());
    awaitReady(readyTimeout, "alerting", alerting.adminPort());
    if (options.demo()) {
      String endpoint = "http://127.0.0.1:" + bridge.httpPort() + "/v1/traces";
      started.push(DemoTraffic.start(endpoint, options.demoTracesPerSecond(), options.incidents()));
    }
  }

  /**
   * The default rule file, written into the data directory on the first start; kept (and used) after that,
   * edits included.
   */
  private static Path defaultRules(Path dataDir) {
    Path file = dataDir.resolve("alert-rules.yaml");
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(dataDir);
        try (InputStream rules = AlertingConfig.class.getResourceAsStream("default-rules.yaml")) {
          Files.copy(rules, file);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the default rule file " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  private static void awaitReady(Duration timeout, String part, int adminPort) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI ready = URI.create("http://127.0.0.1:" + adminPort + "/health/ready");
    while (System.nanoTime() < deadline) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new IllegalStateException(part + " not ready after " + timeout.toSeconds() + " s (" + ready + ")");
  }

  public int bridgeGrpcPort() {
    return bridge.grpcPort();
  }

  public int bridgeHttpPort() {
    return bridge.httpPort();
  }

  public int bridgeAdminPort() {
    return bridge.adminPort();
  }

  public int topologyAdminPort() {
    return topology.adminPort();
  }

  public int alertingAdminPort() {
    return alerting.adminPort();
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The URLs to use and the settings a service needs, printed once every part is ready. */
  public void printWelcome(PrintStream out, Duration startedIn, Options options) {
    Path rulesFile = alertingRules;
    String topologyUrl = "http://127.0.0.1:" + topology.adminPort();
    out.printf("""

        tracestream all-in-one is ready (started in %.1f s)%s

          OTLP in       gRPC http://127.0.0.1:%d   HTTP http://127.0.0.1:%d
          metrics       %s/metrics (span, trace and edge metrics)   http://127.0.0.1:%d/metrics (bridge)
          p99 per op    curl -s %s/metrics | grep 'tracestream_span_latency_seconds.*0.99'
          dependencies  curl -s '%s/api/dependencies'
          services      curl -s %s/api/services
          alerts        curl -s http://127.0.0.1:%d/api/alerts   (rules: %s)
          Kafka         %s%s

        Point a service at it (any OpenTelemetry SDK):
          export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%d
          export OTEL_EXPORTER_OTLP_PROTOCOL=grpc
          export OTEL_SERVICE_NAME=my-service
        (or OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf with port %d). Ctrl-C stops everything.

        """, startedIn.toMillis() / 1000.0,
        options.demo() ? ", demo traffic on: " + options.demoTracesPerSecond() + " traces/s" : "",
        bridge.grpcPort(), bridge.httpPort(), topologyUrl, bridge.adminPort(), topologyUrl, topologyUrl,
        topologyUrl, alerting.adminPort(), rulesFile, bootstrapServers,
        embeddedKafka ? " (embedded, data in " + options.dataDir().resolve("kafka") + ")" : " (external)",
        bridge.grpcPort(), bridge.httpPort());
  }

  /** Stops the parts in the reverse order of their start. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("all-in-one: stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
      }
    }
  }
}

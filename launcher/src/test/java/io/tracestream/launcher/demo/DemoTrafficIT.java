package io.tracestream.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The demo's traffic, sent through the OTel SDK to a real bridge, makes the edges the demo describes. */
class DemoTrafficIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void theTradingPlatformThePipelineAndTheClientLibraryShowUpAsEdges() throws Exception {
    KAFKA.createTopics(2, "demo_spans");
    Map<String, String> common = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.spans", "demo_spans");
    Map<String, String> bridge = new HashMap<>(common);
    bridge.putAll(Map.of("bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0"));
    Map<String, String> topology = new HashMap<>(common);
    topology.putAll(Map.of("topology.application.id", "demo-it", "topology.window", "5s", "topology.grace", "2s",
        "topology.idle.close", "2s", "topology.trace.idle", "1s", "topology.admin.port", "0",
        "topology.state.dir", stateDir.toString(), "kafka.commit.interval.ms", "200"));
    topology.putAll(Map.of("topic.span-metrics", "demo_span_metrics", "topic.dlq", "demo_dlq", "topic.traces",
        "demo_traces", "topic.trace-metrics", "demo_trace_metrics", "topic.edges", "demo_edges"));
    Set<String> expected = Set.of("user->trading-bot", "trading-bot->ai-engine", "trading-bot->risk-safety",
        "trading-bot->execution", "execution->api.exchange.example", "execution->orders", "execution->eventbus-bridge",
        "ai-engine->redis", "portfolio-intelligence->position-monitor", "portfolio-intelligence->clm",
        "rl-training->ai-engine", "ingestion->processor", "processor->storage", "storage->marketdata",
        "market-maker->execution");

    try (Bridge b = Bridge.start(BridgeConfig.from(Settings.of(bridge)));
        TopologyApp app = TopologyApp.start(TopologyConfig.from(Settings.of(topology)));
        DemoTraffic demo = DemoTraffic.start("http://127.0.0.1:" + b.grpcPort(), 40,
            new DemoTraffic.Incidents(Duration.ofSeconds(20), Duration.ofSeconds(5)))) {
      try {
        Await.until(Duration.ofSeconds(90), "every edge of the demo on /api/dependencies",
            () -> dependencies(app).containsAll(expected));
      } catch (AssertionError timedOut) {
        assertThat(dependencies(app)).as(timedOut.getMessage()).containsAll(expected); // says which are missing
      }
    }
  }

  private static Set<String> dependencies(TopologyApp app) {
    Set<String> links = new TreeSet<>();
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + app.adminPort() + "/api/dependencies?lookback=3600000")).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        for (JsonNode link : JSON.readTree(response.body()).path("data")) {
          links.add(link.path("parent").asText() + "->" + link.path("child").asText());
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return links;
  }
}

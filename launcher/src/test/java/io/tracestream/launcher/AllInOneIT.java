package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.config.Settings;
import io.tracestream.launcher.demo.DemoTraffic;
import io.tracestream.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-in-one with --demo, on free ports and its own embedded broker: once ready, span metrics, trace
 * metrics, the edges of the trading platform and of the Kafka pipeline, and a fired alert appear.
 */
class AllInOneIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path data;

  @Test
  void theDemoShowsSpanAndTraceMetricsEdgesAndAFiredAlert() throws Exception {
    Map<String, String> settings = new HashMap<>(Map.of(
        "kafka.server.listeners", "PLAINTEXT://127.0.0.1:" + freePort() + ",CONTROLLER://127.0.0.1:" + freePort(),
        "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0", "topology.admin.port", "0",
        "alerting.admin.port", "0"));
    // an incident lasting longer than the default rules' "for: 30s", so that they fire
    AllInOne.Options options = new AllInOne.Options(data, null, true, 40,
        new DemoTraffic.Incidents(Duration.ofSeconds(60), Duration.ofSeconds(50)));

    long start = System.nanoTime();
    try (AllInOne all = AllInOne.start(Settings.of(settings), options, Duration.ofSeconds(90))) {
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      all.printWelcome(new PrintStream(printed, true, StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - start),
          options);
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .contains("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:" + all.bridgeGrpcPort());

      String topology = "http://127.0.0.1:" + all.topologyAdminPort();
      Await.until(Duration.ofSeconds(90), "span metrics, trace metrics and edges on /metrics", () -> {
        String metrics = get(topology + "/metrics").body();
        return metrics.contains("tracestream_span_latency_seconds{service_name=\"execution\"")
            && metrics.contains("tracestream_trace_duration_seconds{root_service=\"trading-bot\"")
            && metrics.contains("traces_service_graph_request_total{client=\"processor\",server=\"storage\"");
      });
      // every edge the demo describes: HTTP calls, the uninstrumented exchange, databases, Kafka hops
      Set<String> expected = Set.of("user->trading-bot", "trading-bot->ai-engine", "trading-bot->risk-safety",
          "trading-bot->execution", "execution->api.exchange.example", "execution->orders", "execution->eventbus-bridge",
          "ai-engine->redis", "portfolio-intelligence->position-monitor", "portfolio-intelligence->clm",
          "rl-training->ai-engine", "ingestion->processor", "processor->storage", "storage->marketdata",
          "market-maker->execution");
      try {
        Await.until(Duration.ofSeconds(60), "the demo's edges on /api/dependencies",
            () -> dependencies(topology).containsAll(expected));
      } catch (AssertionError timedOut) {
        assertThat(dependencies(topology)).as(timedOut.getMessage()).containsAll(expected); // says which are missing
      }

      // And the default rules fire on the demo's incident (a slow ai-engine, a failing exchange API)
      String alerting = "http://127.0.0.1:" + all.alertingAdminPort();
      Await.until(Duration.ofSeconds(150), "a firing alert on the alerting's /api/alerts",
          () -> get(alerting + "/api/alerts").body().contains("\"FIRING\""));
      assertThat(get(alerting + "/metrics").body()).containsPattern(
          "tracestream_alerting_transitions_total\\{[^}]*status=\"firing\"[^}]*} [1-9]");
    }
  }

  private static Set<String> dependencies(String topology) {
    Set<String> links = new TreeSet<>();
    HttpResponse<String> response = get(topology + "/api/dependencies");
    if (response.statusCode() == 200) {
      try {
        for (JsonNode link : JSON.readTree(response.body()).path("data")) {
          links.add(link.path("parent").asText() + "->" + link.path("child").asText());
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    return links;
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(url + ": " + e, e);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

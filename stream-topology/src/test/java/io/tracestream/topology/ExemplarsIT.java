package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SdkShop;
import io.tracestream.testkit.ShopTraces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: an operator who sees a slow bucket of {@code POST /checkout} asks for its traces. Four services, each
 * with its own OpenTelemetry SDK, send 30 ordinary traces (root span 120 ms) and one ten times as slow (1.2 s)
 * through the bridge; the exemplar of the root operation's le="1400" bucket, read from {@code /metrics} in
 * OpenMetrics, is the slow trace, and {@code /api/traces/{id}} opens it.
 */
class ExemplarsIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SPANS = "exemplar_spans";
  private static final int ORDINARY = 30;
  private static final String ROOT = "service_name=\"gateway\",span_name=\"POST /checkout\","
      + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void theSlowBucketsExemplarOnOpenMetricsOpensTheSlowTrace() throws Exception {
    KAFKA.createTopics(3, SPANS);
    Map<String, String> bridgeSettings = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0");
    Map<String, String> topologySettings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "topic.span-metrics", "exemplar_span_metrics", "topic.dlq", "exemplar_dlq",
        "topic.traces", "exemplar_traces", "topic.trace-metrics", "exemplar_trace_metrics",
        "topic.edges", "exemplar_edges", "topology.application.id", "exemplars-it",
        "topology.state.dir", stateDir.toString()));
    topologySettings.putAll(Map.of("topology.window", "10s", "topology.grace", "1s", "topology.idle.close", "2s",
        "topology.trace.idle", "2s", "topology.admin.port", "0"));

    try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
        TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
      int admin = topology.adminPort();
      Await.until(Duration.ofSeconds(60), "the topology to be ready",
          () -> AdminPort.get(admin, "/health/ready").statusCode() == 200);

      // Given 30 ordinary checkouts and one ten times as slow, in one 10 s window a minute ago
      long windowStart = Instant.now().minusSeconds(60).toEpochMilli() / 10_000 * 10_000;
      Instant base = Instant.ofEpochMilli(windowStart + 1_000);
      String slow;
      try (SdkShop shop = new SdkShop("http://127.0.0.1:" + bridge.grpcPort())) {
        for (int i = 0; i < ORDINARY; i++) {
          shop.trace(base.plusMillis(10L * i));
        }
        slow = shop.trace(base.plusMillis(500), 10);
        assertThat(shop.flush(Duration.ofSeconds(30))).as("every span exported").isTrue();
      }

      // When the window closes and the operator scrapes /metrics as OpenMetrics
      Await.until(Duration.ofSeconds(90), "the root operation's exemplar of the le=\"1400\" bucket",
          () -> exemplar(openMetrics(admin).body(), "1400") != null);
      HttpResponse<String> scrape = openMetrics(admin);
      assertThat(scrape.headers().firstValue("Content-Type"))
          .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
      assertThat(scrape.body()).endsWith("# EOF\n");
      Matcher bucket = exemplar(scrape.body(), "1400");

      // Then its trace id is the slow trace's, its value that trace's root span in milliseconds
      assertThat(bucket.group(1)).as("the bucket's count").isEqualTo(Integer.toString(ORDINARY + 1));
      assertThat(bucket.group(2)).isEqualTo(slow);
      assertThat(Double.parseDouble(bucket.group(3))).isEqualTo(ShopTraces.DURATION.toMillis() * 10.0);
      Matcher ordinary = exemplar(scrape.body(), "200");
      assertThat(ordinary).as("the 120 ms bucket has an ordinary trace").isNotNull();
      assertThat(ordinary.group(2)).isNotEqualTo(slow);
      assertThat(AdminPort.scrape(admin)).as("the Prometheus text format has no exemplars").doesNotContain("# {");

      // And /api/traces/{id} opens that trace
      JsonNode trace = json(AdminPort.get(admin, "/api/traces/" + bucket.group(2)).body()).path("data").path(0);
      assertThat(trace.path("traceId").asText()).isEqualTo(slow);
      assertThat(trace.path("rootService").asText()).isEqualTo("gateway");
      assertThat(trace.path("durationNanos").asLong()).isEqualTo(ShopTraces.DURATION.toNanos() * 10);
      assertThat(trace.path("spanCount").asInt()).isEqualTo(ShopTraces.SPANS.size());

      // And /api/exemplars names the same trace for that bucket
      JsonNode exemplars = json(AdminPort.get(admin, "/api/exemplars?service=gateway&operation="
          + URLEncoder.encode(ShopTraces.ROOT_OPERATION, StandardCharsets.UTF_8) + "&start=" + windowStart
          + "&end=" + windowStart).body()).path("data");
      List<String> slowBucket = new ArrayList<>();
      exemplars.forEach(e -> {
        if (e.path("le").asText().equals("1400") && !e.path("error").asBoolean()) {
          slowBucket.add(e.path("traceId").asText());
          assertThat(e.path("seconds").asDouble()).isEqualTo(ShopTraces.DURATION.toMillis() / 100.0);
          assertThat(e.path("windowStart").asLong()).isEqualTo(windowStart);
          assertThat(e.path("labels").path("span_kind").asText()).isEqualTo("SPAN_KIND_SERVER");
        }
      });
      assertThat(slowBucket).containsExactly(slow);
      assertThat(AdminPort.get(admin, "/api/exemplars").statusCode()).as("no service").isEqualTo(400);
    }
  }

  private static HttpResponse<String> openMetrics(int port) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(30)).header("Accept", "application/openmetrics-text; version=1.0.0").build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The root operation's bucket {@code le} with an exemplar: groups count, trace id, value; null without one. */
  private static Matcher exemplar(String exposition, String le) {
    Matcher m = Pattern.compile("(?m)^traces_span_metrics_duration_milliseconds_bucket\\{" + Pattern.quote(ROOT)
        + ",le=\"" + le + "\"} (\\d+) # \\{trace_id=\"([0-9a-f]{32})\"} (\\S+) \\S+$").matcher(exposition);
    return m.find() ? m : null;
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }
}

package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.config.Settings;
import io.tracestream.replay.source.OtlpJson;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.PrometheusServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans from two hours ago, replayed into a backfill with remote write to a real Prometheus (the
 * Debian binary, which CI installs: without it this test fails), come back from {@code query_range}
 * over that past interval at their window ends.
 */
class PrometheusHistoryIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WINDOW_MS = 10_000;

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  private PrometheusServer prometheus;

  @AfterEach
  void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @Test
  void windowsOfSpansFromTwoHoursAgoAreInPrometheusAtTheirOriginalTimes() throws Exception {
    int port = startPrometheus();
    // Given, in each of six 10 s windows two hours ago, 2, 4, ... 12 one-span traces of checkout
    long w0 = (Instant.now().minus(Duration.ofHours(2)).toEpochMilli() / WINDOW_MS) * WINDOW_MS;
    List<String> lines = new ArrayList<>();
    long id = 1;
    for (int k = 0; k < 6; k++) {
      for (int i = 0; i < 2 * (k + 1); i++) {
        long endMs = w0 + k * WINDOW_MS + 1_000 + i * 100L;
        lines.add(OtlpJson.line(serverSpan(id++, endMs, 10 + i)));
      }
    }
    Path file = Files.write(dir.resolve("two-hours-ago.jsonl"), lines);
    Map<String, String> values = BackfillDeterminismIT.settings(KAFKA.bootstrapServers(), dir.resolve("state"));
    ReplayOptions options = new ReplayOptions(List.of(file.toString()), null, false, null, null, "history", false, null,
        null, false, URI.create("http://127.0.0.1:" + port + "/api/v1/write"), Map.of(), Progress.Mode.NONE);

    // When it is replayed into a backfill that remote-writes its window series
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Replay.Outcome outcome = Replay.run(options, Settings.of(values), InputStream.nullInputStream(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(outcome.exitCode()).as(log).isZero();
    assertThat(outcome.history()).as(log).isNotNull();

    // Then a query_range over that past interval, one step per window end, returns the cumulative
    // counts at the window ends: 2, 2+4, ... as they were two hours ago
    List<double[]> calls = queryRange(port, "traces_span_metrics_calls_total{service_name=\"checkout\"}", w0 + WINDOW_MS,
        w0 + 6 * WINDOW_MS);
    assertThat(calls).extracting(p -> (long) p[0]).containsExactly(
        w0 + WINDOW_MS, w0 + 2 * WINDOW_MS, w0 + 3 * WINDOW_MS, w0 + 4 * WINDOW_MS, w0 + 5 * WINDOW_MS, w0 + 6 * WINDOW_MS);
    assertThat(calls).extracting(p -> p[1]).containsExactly(2.0, 6.0, 12.0, 20.0, 30.0, 42.0);
    // the edge from the (uninstrumented) caller, per servicegraph
    List<double[]> edges = queryRange(port, "traces_service_graph_request_total{client=\"user\",server=\"checkout\"}",
        w0 + WINDOW_MS, w0 + 6 * WINDOW_MS);
    assertThat(edges).extracting(p -> p[1]).containsExactly(2.0, 6.0, 12.0, 20.0, 30.0, 42.0);
    // and the window's p99 at its end: window 5 holds 12 spans of 10..21 ms, DDSketch rank floor(0.99 * 11) = 10: 20 ms
    List<double[]> p99 = queryRange(port, "tracestream_span_latency_seconds{service_name=\"checkout\",quantile=\"0.99\"}",
        w0 + 6 * WINDOW_MS, w0 + 6 * WINDOW_MS);
    assertThat(p99).hasSize(1);
    assertThat(p99.get(0)[1]).isBetween(0.0199, 0.0201);
    // before the first window there was nothing to count
    assertThat(queryRange(port, "traces_span_metrics_calls_total", w0 - 60_000, w0 - WINDOW_MS)).isEmpty();
  }

  private static ExportTraceServiceRequest serverSpan(long id, long endMs, long durationMs) {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x7f00L).putLong(id).array()))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName("POST /checkout")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano((endMs - durationMs) * 1_000_000)
        .setEndTimeUnixNano(endMs * 1_000_000)
        .build();
    Resource resource = Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue("checkout"))).build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  /** [timestamp ms, value] of the one series the query returns, or none. */
  private static List<double[]> queryRange(int port, String query, long startMs, long endMs) throws Exception {
    String url = "http://127.0.0.1:" + port + "/api/v1/query_range?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
        + "&start=" + startMs / 1000.0 + "&end=" + endMs / 1000.0 + "&step=" + WINDOW_MS / 1000;
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode result = JSON.readTree(response.body()).path("data").path("result");
    assertThat(result.size()).as(response.body()).isLessThanOrEqualTo(1);
    List<double[]> points = new ArrayList<>();
    for (JsonNode series : result) {
      for (JsonNode value : series.path("values")) {
        points.add(new double[] {Math.round(value.get(0).asDouble() * 1000), Double.parseDouble(value.get(1).asText())});
      }
    }
    return points;
  }

  private int startPrometheus() throws IOException {
    prometheus = PrometheusServer.start(dir.resolve("prometheus"), """
        global:
          scrape_interval: 1m
        storage:
          tsdb:
            out_of_order_time_window: 1d
        """, "--web.enable-remote-write-receiver");
    return prometheus.url().getPort();
  }
}

package io.tracestream.topology;

import static io.tracestream.topology.MetricsText.scrape;
import static io.tracestream.topology.MetricsText.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTel SDK → bridge → Kafka → topology (exactly-once) → exporters → /metrics, on a real broker: span
 * metrics, and the whole-trace SLA metrics and dependency edges of the same spans (each its own
 * one-span trace).
 */
class SpanMetricsPipelineIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void spansSentByTheSdkComeOutAsSpanAndTraceCountsErrorsAndQuantilesOnMetrics() throws Exception {
    KAFKA.createTopics(3, "pipeline_spans");
    Map<String, String> common = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.spans", "pipeline_spans");
    Map<String, String> bridgeSettings = new java.util.HashMap<>(common);
    bridgeSettings.putAll(Map.of("bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0"));
    Map<String, String> topologySettings = new java.util.HashMap<>(common);
    topologySettings.putAll(Map.of("topology.application.id", "pipeline-it", "topology.window", "10s",
        "topology.grace", "1s", "topology.idle.close", "2s", "topology.admin.port", "0",
        "topology.state.dir", stateDir.toString(), "topic.span-metrics", "pipeline_span_metrics",
        "topic.dlq", "pipeline_dlq", "kafka.commit.interval.ms", "200"));
    topologySettings.putAll(Map.of("topic.traces", "pipeline_traces", "topic.trace-metrics", "pipeline_trace_metrics",
        "topic.edges", "pipeline_edges"));

    try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
        TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
      // Given 180 OK and 20 failed calls of 1..200 ms, all ending in one 10 s window a minute ago
      long windowStart = (Instant.now().minusSeconds(60).toEpochMilli() / 10_000) * 10_000;
      Instant base = Instant.ofEpochMilli(windowStart + 1_000);
      SdkTracerProvider provider = SdkTracerProvider.builder()
          .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "checkout").build()))
          .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder()
              .setEndpoint("http://127.0.0.1:" + bridge.grpcPort()).build()).build())
          .build();
      Tracer tracer = provider.get("it");
      for (int i = 1; i <= 200; i++) {
        Instant start = base.plusMillis(i);
        var span = tracer.spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER).setStartTimestamp(start).startSpan();
        if (i % 10 == 0) {
          span.setStatus(StatusCode.ERROR);
        }
        span.end(start.plusMillis(i));
      }
      assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
      provider.close();

      // Then, once the idle task's event time has moved past the window's end + grace, /metrics shows
      // the window's counts, histogram and quantiles
      String ok = "service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"POST /checkout\",status_code=\"STATUS_CODE_UNSET\"";
      String failed = ok.replace("STATUS_CODE_UNSET", "STATUS_CODE_ERROR");
      Await.until(Duration.ofSeconds(90), "the window's results on /metrics",
          () -> value(scrape(topology), "traces_span_metrics_calls_total", ok).isPresent()
              && value(scrape(topology), "traces_span_metrics_calls_total", failed).isPresent());
      String metrics = scrape(topology);
      assertThat(value(metrics, "traces_span_metrics_calls_total", ok)).hasValue(180);
      assertThat(value(metrics, "traces_span_metrics_calls_total", failed)).hasValue(20);
      assertThat(value(metrics, "traces_span_metrics_duration_milliseconds_count", ok)).hasValue(180);
      assertThat(value(metrics, "traces_span_metrics_duration_milliseconds_bucket", ok + ",le=\"100\""))
          .as("OK calls of 1..100 ms, less every tenth").hasValue(90);
      // the quantile gauge covers every call of the operation, OK and failed: 1..200 ms
      for (double q : new double[] {0.5, 0.95, 0.99}) {
        double exact = 1 + Math.floor(q * 199);
        String labels = ok.replace(",status_code=\"STATUS_CODE_UNSET\"", "") + ",quantile=\"" + q + "\"";
        OptionalDouble seconds = value(metrics, "tracestream_span_latency_seconds", labels);
        assertThat(seconds).as("quantile %s", q).isPresent();
        assertThat(seconds.getAsDouble() * 1000).as("p%s in ms", q * 100).isCloseTo(exact, withinPercentage(1.5));
      }
      assertThat(value(metrics, "tracestream_dlq_records_total", "")).hasValue(0);

      // And each span, a trace of its own, comes out in the trace metrics of its root operation
      String root = "root_service=\"checkout\",root_operation=\"POST /checkout\"";
      Await.until(Duration.ofSeconds(90), "the trace window's results on /metrics",
          () -> value(scrape(topology), "tracestream_traces_total", root).isPresent());
      String traces = scrape(topology);
      assertThat(value(traces, "tracestream_traces_total", root)).hasValue(200);
      assertThat(value(traces, "tracestream_trace_error_ratio", root).orElseThrow()).isCloseTo(0.1, within(1e-9));
      OptionalDouble p99 = value(traces, "tracestream_trace_duration_seconds", root + ",quantile=\"0.99\"");
      assertThat(p99.orElseThrow() * 1000).as("p99 in ms").isCloseTo(1 + Math.floor(0.99 * 199), withinPercentage(1.5));

      // And each root server span is a call from the uninstrumented "user", on the servicegraph metrics
      String edge = "client=\"user\",server=\"checkout\",connection_type=\"virtual_node\"";
      Await.until(Duration.ofSeconds(90), "the edge window's results on /metrics",
          () -> value(scrape(topology), "traces_service_graph_request_total", edge).isPresent());
      String edges = scrape(topology);
      assertThat(value(edges, "traces_service_graph_request_total", edge)).hasValue(200);
      assertThat(value(edges, "traces_service_graph_request_failed_total", edge)).hasValue(20);
      assertThat(value(edges, "traces_service_graph_request_server_seconds_count", edge)).hasValue(200);
      assertThat(metrics).as("Kafka Streams metrics").containsPattern("(?m)^kafka_stream_thread_");
      assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + topology.adminPort()
          + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }
}

package io.tracestream.topology;

import static io.tracestream.topology.MetricsText.scrape;
import static io.tracestream.topology.MetricsText.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTel SDK → bridge → Kafka → topology → /metrics with a service that keeps one trace in ten: frontend (every
 * span kept) calls payment 10,000 times; payment's SDK samples 10 % by OpenTelemetry's consistent probability sampling
 * and says so in the trace state ({@code ot=th:e6666666666666}). Payment's calls on /metrics are an estimate of the
 * 10,000 that frontend counts exactly.
 *
 * <p>The bound: payment keeps K ~ Binomial(10,000, 0.1) spans (the SDK's trace ids are random), each counting 10,
 * so its count has mean 10,000 and standard error 10 * sqrt(10,000 * 0.1 * 0.9) = 300. The test allows 5 standard
 * errors, 1,500: a correct pipeline fails it about once in 1.7 million runs, one that ignores sampling (about 1,000)
 * always does.
 */
class SampledServiceIT {
  private static final int TRACES = 10_000;
  private static final double STANDARD_ERROR = 10 * Math.sqrt(TRACES * 0.1 * 0.9);

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  /**
   * Keeps a trace when the randomness of its trace id (its last 56 bits) is at least the 10 % threshold, whatever
   * the parent decided, and writes the threshold into the span's trace state: what the spec's consistent
   * probability sampler does (the pinned SDK has none that writes {@code th}).
   */
  private static final class TenPercent implements Sampler {
    private static final String THRESHOLD = "e6666666666666";
    private static final long T = Long.parseLong(THRESHOLD, 16);

    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind,
        Attributes attributes, List<LinkData> links) {
      long randomness = Long.parseUnsignedLong(traceId.substring(18), 16);
      if (randomness < T) {
        return SamplingResult.drop();
      }
      return new SamplingResult() {
        @Override
        public SamplingDecision getDecision() {
          return SamplingDecision.RECORD_AND_SAMPLE;
        }

        @Override
        public Attributes getAttributes() {
          return Attributes.empty();
        }

        @Override
        public TraceState getUpdatedTraceState(TraceState parentTraceState) {
          return parentTraceState.toBuilder().put("ot", "th:" + THRESHOLD).build();
        }
      };
    }

    @Override
    public String getDescription() {
      return "ConsistentTenPercent";
    }
  }

  private static SdkTracerProvider provider(String service, Sampler sampler, int grpcPort) {
    return SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
        .setSampler(sampler)
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + grpcPort).build())
            .setMaxQueueSize(4 * TRACES).setMaxExportBatchSize(1_000).build())
        .build();
  }

  @Test
  void aTenPercentSampledServicesCallsMatchTheUnsampledCallersCountWithinFiveStandardErrors() throws Exception {
    KAFKA.createTopics(3, "sampled_spans");
    Map<String, String> common = Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", "sampled_spans");
    Map<String, String> bridgeSettings = new HashMap<>(common);
    bridgeSettings.putAll(Map.of("bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0"));
    Map<String, String> topologySettings = new HashMap<>(common);
    topologySettings.putAll(Map.of("topology.application.id", "sampled-it", "topology.window", "10s",
        "topology.grace", "1s", "topology.idle.close", "2s", "topology.admin.port", "0",
        "topology.state.dir", stateDir.toString(), "topic.span-metrics", "sampled_span_metrics",
        "topic.dlq", "sampled_dlq", "kafka.commit.interval.ms", "200"));
    topologySettings.putAll(Map.of("topic.traces", "sampled_traces", "topic.trace-metrics", "sampled_trace_metrics",
        "topic.edges", "sampled_edges", "topology.trace.idle", "2s"));

    try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
        TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
      // Given 10,000 checkouts, each a frontend server span calling payment, in one 10 s window a minute ago
      long windowStart = (Instant.now().minusSeconds(60).toEpochMilli() / 10_000) * 10_000;
      Instant base = Instant.ofEpochMilli(windowStart + 1_000);
      SdkTracerProvider frontend = provider("frontend", Sampler.alwaysOn(), bridge.grpcPort());
      SdkTracerProvider payment = provider("payment", new TenPercent(), bridge.grpcPort());
      Tracer frontendTracer = frontend.get("it");
      Tracer paymentTracer = payment.get("it");
      for (int i = 0; i < TRACES; i++) {
        Instant start = base.plusNanos(500_000L * i);
        Span checkout = frontendTracer.spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER)
            .setNoParent().setStartTimestamp(start).startSpan();
        Span call = frontendTracer.spanBuilder("POST /pay").setSpanKind(SpanKind.CLIENT)
            .setParent(Context.root().with(checkout)).setStartTimestamp(start.plusNanos(100_000)).startSpan();
        // payment's SDK continues the trace from the call's context, as propagation would hand it over
        Span pay = paymentTracer.spanBuilder("POST /pay").setSpanKind(SpanKind.SERVER)
            .setParent(Context.root().with(Span.wrap(call.getSpanContext())))
            .setStartTimestamp(start.plusNanos(200_000)).startSpan();
        pay.end(start.plusNanos(2_200_000));
        call.end(start.plusNanos(2_300_000));
        checkout.end(start.plusNanos(2_400_000));
      }
      for (SdkTracerProvider provider : List.of(frontend, payment)) {
        assertThat(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
        provider.close();
      }

      // Then frontend's calls to payment are exact, and payment's calls an estimate of them
      String calls = "service_name=\"frontend\",span_kind=\"SPAN_KIND_CLIENT\",span_name=\"POST /pay\","
          + "status_code=\"STATUS_CODE_UNSET\"";
      String answered = "service_name=\"payment\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"POST /pay\","
          + "status_code=\"STATUS_CODE_UNSET\"";
      Await.until(Duration.ofSeconds(60), "the window's results on /metrics",
          () -> value(scrape(topology), "traces_span_metrics_calls_total", answered).isPresent()
              && value(scrape(topology), "traces_span_metrics_calls_total", calls).isPresent());
      String metrics = scrape(topology);
      assertThat(value(metrics, "traces_span_metrics_calls_total", calls)).hasValue(TRACES);
      double estimate = value(metrics, "traces_span_metrics_calls_total", answered).orElseThrow();
      assertThat(estimate % 10).as("each kept span counts 10").isZero();
      assertThat(estimate).as("payment's calls, estimated from 1 in 10 kept")
          .isCloseTo(TRACES, within(5 * STANDARD_ERROR));
      assertThat(value(metrics, "traces_span_metrics_duration_milliseconds_count", answered)).hasValue(estimate);

      // And the edge: a frontend → payment pair is seen only for payment's kept spans, each standing for 10 calls
      String edge = "client=\"frontend\",server=\"payment\",connection_type=\"\"";
      Await.until(Duration.ofSeconds(60), "the edge window's results on /metrics",
          () -> value(scrape(topology), "traces_service_graph_request_total", edge).isPresent());
      assertThat(value(scrape(topology), "traces_service_graph_request_total", edge)).hasValue(estimate);
    }
  }
}

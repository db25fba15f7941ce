package io.tracestream.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.PrometheusServer;
import java.net.URLEncoder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jaeger's Monitor tab on the shipped Jaeger config: the PromQL Jaeger builds from its metric backend
 * ({@link JaegerMonitorQueries}), run on a real Prometheus that scrapes the installed topology unit
 * ({@link SmokeUnits}), answers the numbers of the spans sent.
 */
class JaegerMonitorIT {
  private static final Path LOGS = Path.of(System.getProperty("smoke.logs", "target/smoke-logs"), "jaeger-monitor");
  private static final String CALLS = "traces_span_metrics_calls_total{service_name=\"smoke\",span_name=\"GET /smoke\","
      + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_";
  /** What the UI sends for a service: server spans, rates per 10 minutes (its default). */
  private static final JaegerMonitorQueries.Params SERVICE =
      new JaegerMonitorQueries.Params(List.of("smoke"), List.of("SPAN_KIND_SERVER"), "10m", false);
  private static final JaegerMonitorQueries.Params OPERATIONS =
      new JaegerMonitorQueries.Params(List.of("smoke"), List.of("SPAN_KIND_SERVER"), "10m", true);

  @TempDir
  Path dir;

  @Test
  void theMonitorTabsQueriesOnTheShippedConfigAnswerTheSpansSent() throws Exception {
    JaegerMonitorQueries jaeger = JaegerMonitorQueries.of(Staging.DEPLOY.resolve("jaeger/jaeger-otlp-14317.yaml"));
    try (SmokeUnits units = SmokeUnits.install(dir.resolve("root"), LOGS, SmokeUnits.Wrapper.NONE)) {
      units.startAll();
      // Given a first window on /metrics (5 ok spans, 5 errors), so that every series Prometheus will see
      // is there at its first scrape and the rates of all of them are extrapolated alike
      Instant window = Instant.ofEpochMilli((Instant.now().minusSeconds(60).toEpochMilli() / 10_000) * 10_000);
      units.send(window, 5, 3, 5, 30);
      units.awaitMetrics(CALLS + "UNSET\"} 5", CALLS + "ERROR\"} 5");
      try (PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), """
          global:
            scrape_interval: 1s
          scrape_configs:
            - job_name: tracestream-topology
              static_configs: [{targets: ['127.0.0.1:%d']}]
          """.formatted(units.topologyAdmin))) {
        Await.until(Duration.ofSeconds(30), "the first window in Prometheus",
            () -> value(prometheus.query("sum(" + jaeger.calls() + "{service_name=\"smoke\"})")) == 10);

        // When the next window adds 16 ok spans of 3 ms and 4 errors of 30 ms
        units.send(window.plusSeconds(10), 16, 3, 4, 30);
        units.awaitMetrics(CALLS + "UNSET\"} 21", CALLS + "ERROR\"} 9");
        Await.until(Duration.ofSeconds(30), "the second window in Prometheus",
            () -> value(prometheus.query("sum(" + jaeger.calls() + "{service_name=\"smoke\"})")) == 30);

        // Then, at the last scrape, Jaeger's queries answer the second window's numbers
        double at = value(prometheus.query("max(timestamp(" + jaeger.calls() + "{service_name=\"smoke\"}))"));
        // buckets (ms) ... 2, 4, ... 10, 50: 16 of 20 in (2, 4], 4 in (10, 50]; linear inside a bucket
        assertThat(atTime(prometheus, jaeger.latencies(0.95, SERVICE), at)).isCloseTo(10 + 40 * 3 / 4.0, within(1e-9));
        assertThat(atTime(prometheus, jaeger.latencies(0.50, SERVICE), at)).isCloseTo(2 + 2 * 10 / 16.0, within(1e-9));
        assertThat(atTime(prometheus, jaeger.latencies(0.75, OPERATIONS), at))
            .isCloseTo(2 + 2 * 15 / 16.0, within(1e-9));
        assertThat(atTime(prometheus, jaeger.errorRates(SERVICE), at)).isCloseTo(4 / 20.0, within(1e-9));
        assertThat(atTime(prometheus, jaeger.errorRates(OPERATIONS), at)).isCloseTo(4 / 20.0, within(1e-9));
        double calls = 20 * extrapolation(prometheus, jaeger.calls() + "{status_code=\"STATUS_CODE_ERROR\"}", at) / 600;
        assertThat(atTime(prometheus, jaeger.callRates(SERVICE), at)).isCloseTo(calls, within(1e-9));
        assertThat(atTime(prometheus, jaeger.callRates(OPERATIONS), at)).isCloseTo(calls, within(1e-9));
      }
      units.stopAll();
    }
  }

  /**
   * How much Prometheus's rate() stretches an increase over [at - 10m, at] when {@code at} is a sample's time
   * and the series began inside the range (Prometheus 2.42 {@code extrapolatedRate}): from the first sample
   * back by half the mean interval between samples, not to the range's start.
   */
  private static double extrapolation(PrometheusServer prometheus, String series, double at) {
    JsonNode samples = prometheus.get("/api/v1/query?query=" + URLEncoder.encode(series + "[10m]", UTF_8)
        + "&time=" + at).path("data").path("result").get(0).path("values");
    double first = samples.get(0).get(0).asDouble();
    double sampled = at - first;
    return (sampled + sampled / (samples.size() - 1) / 2) / sampled;
  }

  /** The one value of a query Jaeger sends as query_range, at one step. */
  private static double atTime(PrometheusServer prometheus, String promql, double at) {
    JsonNode answer = prometheus.queryRange(promql, at, at, "60s");
    assertThat(answer.path("status").asText()).as(promql + ": " + answer.path("error").asText()).isEqualTo("success");
    JsonNode result = answer.path("data").path("result");
    assertThat(result).as(promql).hasSize(1);
    return result.get(0).path("values").get(0).get(1).asDouble();
  }

  private static double value(JsonNode answer) {
    JsonNode result = answer.path("data").path("result");
    return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
  }
}

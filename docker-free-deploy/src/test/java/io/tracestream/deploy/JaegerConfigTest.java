package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Jaeger v2 configs wire the Monitor tab to tracestream's metrics with the settings
 * {@code JaegerMonitorIT} ran Jaeger's queries under.
 */
class JaegerConfigTest {
  private static final List<Path> CONFIGS = List.of(Staging.DEPLOY.resolve("jaeger/jaeger-otlp-14317.yaml"),
      Staging.DEPLOY.resolve("jaeger/jaeger-kafka.yaml"));

  @Test
  void bothConfigsReadTheMetricNamesTheTopologyExportsFromTheLocalPrometheus() throws Exception {
    for (Path config : CONFIGS) {
      JaegerMonitorQueries queries = JaegerMonitorQueries.of(config);

      assertThat(queries).as(config.toString()).isEqualTo(new JaegerMonitorQueries("http://127.0.0.1:9090",
          "traces_span_metrics_calls_total", "traces_span_metrics_duration_milliseconds"));
    }
  }

  @Test
  void bothConfigsHaveTheSameMetricBackendWrittenOutNotLeftToJaegersDefaults() throws Exception {
    JsonNode first = JaegerMonitorQueries.metricBackend(CONFIGS.get(0));

    assertThat(JaegerMonitorQueries.metricBackend(CONFIGS.get(1))).isEqualTo(first);
    assertThat(first.fieldNames()).toIterable().containsExactlyInAnyOrder("endpoint", "metric_namespace",
        "latency_unit", "normalize_calls", "normalize_duration");
  }

  /** Issue 21: without normalize_*, Jaeger asks for ..._calls and ..._duration_bucket, which nobody exports. */
  @Test
  void aConfigWithoutNormalizeAsksForNamesThatAreNotExported(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("jaeger.yaml"), """
        extensions:
          jaeger_query:
            storage:
              metrics: m
          jaeger_storage:
            metric_backends:
              m:
                prometheus:
                  endpoint: http://127.0.0.1:9090
        """);

    assertThat(JaegerMonitorQueries.of(config)).isEqualTo(new JaegerMonitorQueries("http://127.0.0.1:9090",
        "traces_span_metrics_calls", "traces_span_metrics_duration"));
  }
}

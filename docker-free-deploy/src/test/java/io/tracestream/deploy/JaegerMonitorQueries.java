package io.tracestream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The PromQL that Jaeger v2's Monitor tab sends, built from a Jaeger config's Prometheus metric backend as
 * Jaeger builds it. A port of {@code internal/storage/metricstore/prometheus/metricstore/reader.go}
 * (GetLatencies, GetCallRates, GetErrorRates, buildPromQuery, buildFullLatencyMetricName,
 * buildFullCallsMetricName) and the defaults of {@code internal/storage/metricstore/prometheus/options.go}
 * in jaegertracing/jaeger v2.20.0 (commit 8498073f); the format strings are copied unchanged.
 *
 * @param endpoint the backend's {@code endpoint}
 * @param calls the calls counter's name: {@code metric_namespace} + {@code _calls}, + {@code _total} when
 *     {@code normalize_calls}
 * @param latency the duration histogram's name without {@code _bucket}: {@code metric_namespace} +
 *     {@code _duration}, + {@code _milliseconds} or {@code _seconds} ({@code latency_unit}) when
 *     {@code normalize_duration}
 */
record JaegerMonitorQueries(String endpoint, String calls, String latency) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The metric backend that {@code extensions.jaeger_query.storage.metrics} names in a Jaeger v2 config. */
  static JsonNode metricBackend(Path jaegerConfig) throws IOException {
    JsonNode extensions = YAML.readTree(jaegerConfig.toFile()).path("extensions");
    String name = extensions.path("jaeger_query").path("storage").path("metrics").asText();
    return extensions.path("jaeger_storage").path("metric_backends").path(name).path("prometheus");
  }

  static JaegerMonitorQueries of(Path jaegerConfig) throws IOException {
    JsonNode prometheus = metricBackend(jaegerConfig);
    String namespace = prometheus.path("metric_namespace").asText("traces_span_metrics");
    String calls = namespace + "_calls" + (prometheus.path("normalize_calls").asBoolean(false) ? "_total" : "");
    String unit = prometheus.path("latency_unit").asText("ms");
    String latency = namespace + "_duration" + (prometheus.path("normalize_duration").asBoolean(false)
        ? "_" + switch (unit) {
          case "ms" -> "milliseconds";
          case "s" -> "seconds";
          default -> throw new IllegalArgumentException("latency_unit must be ms or s, not " + unit);
        }
        : "");
    return new JaegerMonitorQueries(prometheus.path("endpoint").asText("http://localhost:9090"), calls, latency);
  }

  /** What the UI asks for: services, span kinds ({@code SPAN_KIND_SERVER}), the rate window, per operation. */
  record Params(List<String> services, List<String> spanKinds, String rate, boolean groupByOperation) {}

  String latencies(double quantile, Params p) {
    return String.format(Locale.ROOT,
        "histogram_quantile(%.2f, sum(rate(%s_bucket{service_name =~ %s, %s}[%s])) by (%s))",
        quantile, latency, quoted(String.join("|", p.services())), spanKindFilter(p), p.rate(), groupBy(p, true));
  }

  String callRates(Params p) {
    return String.format("sum(rate(%s{service_name =~ %s, %s}[%s])) by (%s)",
        calls, quoted(String.join("|", p.services())), spanKindFilter(p), p.rate(), groupBy(p, false));
  }

  String errorRates(Params p) {
    String services = quoted(String.join("|", p.services()));
    return String.format("sum(rate(%s{service_name =~ %s, status_code = \"STATUS_CODE_ERROR\", %s}[%s])) by (%s)"
        + " / sum(rate(%s{service_name =~ %s, %s}[%s])) by (%s)",
        calls, services, spanKindFilter(p), p.rate(), groupBy(p, false),
        calls, services, spanKindFilter(p), p.rate(), groupBy(p, false));
  }

  private static String spanKindFilter(Params p) {
    return p.spanKinds().isEmpty() ? "" : "span_kind =~ " + quoted(String.join("|", p.spanKinds()));
  }

  private static String groupBy(Params p, boolean histogramBuckets) {
    List<String> by = new ArrayList<>(List.of("service_name"));
    if (p.groupByOperation()) {
      by.add("span_name");
    }
    if (histogramBuckets) {
      by.add("le");
    }
    return String.join(",", by);
  }

  /** Go's {@code %q} for the names used here: plain ASCII without quotes or backslashes. */
  private static String quoted(String s) {
    if (!s.matches("[ -~&&[^\"\\\\]]*")) {
      throw new IllegalArgumentException("not a plain name: " + s);
    }
    return "\"" + s + "\"";
  }
}

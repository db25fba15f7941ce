package io.tracestream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.rules.PrometheusRules;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.config.Settings;
import io.tracestream.launcher.AllInOne;
import io.tracestream.launcher.demo.DemoTraffic;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.PrometheusServer;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-in-one with the demo's traffic, scraped by a real Prometheus that also evaluates the default
 * alert rules as exported by {@code rules export}: every query of every panel of every dashboard
 * (variables set to real values) parses and returns data, every variable query lists values, and so
 * do the queries Jaeger's Monitor tab sends.
 */
class DashboardQueriesIT {
  /** Values for the dashboards' template variables: real names of the demo's services and operations. */
  private static final Map<String, String> VALUES = Map.of("service", "execution", "operation", "POST /orders",
      "root_service", "trading-bot", "root_operation", "POST /api/trade");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_]+)\\)");

  @TempDir
  Path dir;

  @Test
  void everyPanelQueryReturnsDataFromARealPrometheus() throws Exception {
    Map<String, String> settings = new HashMap<>(Map.of(
        "kafka.server.listeners", "PLAINTEXT://127.0.0.1:" + freePort() + ",CONTROLLER://127.0.0.1:" + freePort(),
        "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0", "topology.admin.port", "0",
        "alerting.admin.port", "0", "topology.window", "5s", "topology.grace", "2s", "topology.idle.close", "2s"));
    // The exchange API fails half its calls 5 s out of every 20: more than the default rule's 10 %.
    AllInOne.Options options = new AllInOne.Options(dir.resolve("data"), null, true, 40,
        new DemoTraffic.Incidents(Duration.ofSeconds(20), Duration.ofSeconds(5)));
    Path rules = Files.writeString(dir.resolve("tracestream-alerts.rules.yml"), PrometheusRules.export(
        RuleSet.parse(new String(AlertingConfig.class.getResourceAsStream("default-rules.yaml").readAllBytes(),
            StandardCharsets.UTF_8), "default-rules.yaml"), "tracestream", Duration.ofMinutes(1)));

    try (AllInOne all = AllInOne.start(Settings.of(settings), options, Duration.ofSeconds(90));
        PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: ['%s']
            scrape_configs:
              - job_name: tracestream-bridge
                static_configs: [{targets: ['127.0.0.1:%d']}]
              - job_name: tracestream-topology
                static_configs: [{targets: ['127.0.0.1:%d']}]
              - job_name: tracestream-alerting
                static_configs: [{targets: ['127.0.0.1:%d']}]
            """.formatted(rules, all.bridgeAdminPort(), all.topologyAdminPort(), all.alertingAdminPort()))) {

      // Given a few closed windows of every kind, scraped
      Await.until(Duration.ofSeconds(90), "failed calls over edges in Prometheus", () -> hasData(prometheus,
          "rate(traces_service_graph_request_failed_total[1m]) > 0"));
      Await.until(Duration.ofSeconds(60), "an exported rule pending or firing in Prometheus", () -> hasData(prometheus,
          "ALERTS"));

      // Then every panel's query returns data (waiting while the slowest series fill in)
      List<String> empty = new ArrayList<>();
      try {
        Await.until(Duration.ofSeconds(60), "data for every panel", () -> {
          empty.clear();
          for (Dashboards.Query q : Dashboards.queries()) {
            String promql = Dashboards.substitute(q.expr(), VALUES, "1m");
            JsonNode answer = prometheus.query(promql);
            assertThat(answer.path("status").asText()).as(q + " parses; " + answer.path("error").asText())
                .isEqualTo("success");
            if (answer.path("data").path("result").isEmpty()) {
              empty.add(q + "  (ran: " + promql + ")");
            }
          }
          return empty.isEmpty();
        });
      } catch (AssertionError e) {
        assertThat(empty).as("panels whose query returned nothing").isEmpty();
      }

      // And every variable query lists values, among them the ones used above
      for (Dashboards.Variable v : Dashboards.variables()) {
        Matcher m = LABEL_VALUES.matcher(Dashboards.substitute(v.query(), VALUES, "1m"));
        assertThat(m.matches()).as(v + " is label_values(selector, label)").isTrue();
        JsonNode values = prometheus.get("/api/v1/label/" + m.group(2) + "/values?match[]="
            + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8)).path("data");
        List<String> names = new ArrayList<>();
        values.forEach(n -> names.add(n.asText()));
        assertThat(names).as(v.dashboard() + " $" + v.name()).contains(VALUES.get(v.name()));
      }

      // And the queries of Jaeger's Monitor tab (metric namespace traces_span_metrics, normalized names)
      double end = System.currentTimeMillis() / 1000.0;
      String service = "service_name =~ \"execution\", span_kind =~ \"SPAN_KIND_SERVER\"";
      for (String jaeger : List.of(
          "histogram_quantile(0.95, sum(rate(traces_span_metrics_duration_milliseconds_bucket{" + service
              + "}[10m])) by (service_name,le))",
          "sum(rate(traces_span_metrics_calls_total{" + service + "}[10m])) by (service_name)",
          "sum(rate(traces_span_metrics_calls_total{" + service + ", status_code = \"STATUS_CODE_ERROR\"}[10m]))"
              + " by (service_name,span_name) / sum(rate(traces_span_metrics_calls_total{" + service
              + "}[10m])) by (service_name,span_name)")) {
        JsonNode answer = prometheus.queryRange(jaeger, end - 300, end, "5s");
        assertThat(answer.path("status").asText()).as(jaeger).isEqualTo("success");
        assertThat(answer.path("data").path("result")).as("Jaeger Monitor query: " + jaeger).isNotEmpty();
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean hasData(PrometheusServer prometheus, String promql) {
    return !prometheus.query(promql).path("data").path("result").isEmpty();
  }
}

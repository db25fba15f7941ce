package io.tracestream.alerting.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PrometheusRulesTest {
  private static final Duration RANGE = Duration.ofMinutes(5);

  private static AlertRule rule(String yaml) {
    return RuleSet.parse("rules:\n" + yaml, "t.yaml").rules().get(0);
  }

  @Test
  void anExportedSpanQuantileUsesTheQuantileGaugeInSeconds() {
    AlertRule r = rule("""
          - name: p99
            signal: span_latency
            quantile: 0.99
            match: {service: checkout}
            match_re: {operation: "GET /.*"}
            operator: ">"
            threshold: 500ms
        """);

    assertThat(PrometheusRules.expression(r, "5m")).isEqualTo(
        "max by (service_name, span_name, span_kind) (tracestream_span_latency_seconds{service_name=\"checkout\", "
            + "span_name=~\"GET /.*\", quantile=\"0.99\"}) > 0.5");
  }

  @Test
  void anotherSpanQuantileUsesTheDurationBuckets() {
    AlertRule r = rule("""
          - name: p999
            signal: span_latency
            quantile: 0.999
            group_by: [service]
            operator: ">"
            threshold: 2s
        """);

    assertThat(PrometheusRules.expression(r, "5m")).isEqualTo(
        "histogram_quantile(0.999, sum by (service_name, le) "
            + "(rate(traces_span_metrics_duration_milliseconds_bucket[5m])))"
            + " > 2000");
  }

  @Test
  void anErrorRatioDividesErrorCallsByAllCallsWithMinCount() {
    AlertRule r = rule("""
          - name: errors
            signal: error_ratio
            match: {service: "pay\\"ment"}
            group_by: [service]
            operator: ">"
            threshold: 5%
            min_count: 20
        """);

    assertThat(PrometheusRules.expression(r, "5m")).isEqualTo(
        "(sum by (service_name) (rate(traces_span_metrics_calls_total{service_name=\"pay\\\"ment\", "
            + "status_code=\"STATUS_CODE_ERROR\"}[5m])) / sum by (service_name) (rate(traces_span_metrics_calls_total"
            + "{service_name=\"pay\\\"ment\"}[5m]))) > 0.05 and sum by (service_name) (increase("
            + "traces_span_metrics_calls_total{service_name=\"pay\\\"ment\"}[5m])) >= 20");
  }

  @Test
  void anEdgeFailureRatioUsesTheServiceGraphCounters() {
    AlertRule r = rule("""
          - name: db
            signal: edge_failure_ratio
            match: {server: postgres}
            operator: ">="
            threshold: 0.01
        """);

    assertThat(PrometheusRules.expression(r, "5m")).isEqualTo(
        "(sum by (client, server, connection_type) "
            + "(rate(traces_service_graph_request_failed_total{server=\"postgres\"}[5m]))"
            + " / sum by (client, server, connection_type) "
            + "(rate(traces_service_graph_request_total{server=\"postgres\"}[5m])))"
            + " >= 0.01");
  }

  @Test
  void annotationsBecomePrometheusTemplates() {
    RuleSet rules = RuleSet.parse("""
        rules:
          - name: trade-flow
            signal: trace_latency
            quantile: 0.95
            operator: ">"
            threshold: 1500ms
            for: 90s
            keep_firing_for: 2m
            annotations:
              summary: "{{root_operation}} p95 is {{value}}, over {{threshold}}"
        """, "t.yaml");

    String yaml = PrometheusRules.export(rules, "tracestream", RANGE);

    assertThat(yaml).contains("alert: TradeFlow", "for: 90s", "keep_firing_for: 2m", "severity: warning",
        "{{ $labels.root_operation }} p95 is {{ $value | humanizeDuration }}, over 1500ms",
        "tracestream_trace_duration_seconds{quantile=\\\"0.95\\\"}) > 1.5");
  }

  @Test
  void aTraceQuantileThatIsNotExportedCannotBeExported() {
    RuleSet rules = RuleSet.parse("""
        rules:
          - name: t
            signal: trace_latency
            quantile: 0.9
            operator: ">"
            threshold: 1s
        """, "t.yaml");

    assertThatThrownBy(() -> PrometheusRules.export(rules, "tracestream", RANGE))
        .hasMessageContaining("rule t: trace latency quantile 0.9 is not exported");
  }

  @Test
  void anAlertNameIsTheRuleNameWhenItIsOneElseItsCamelCase() {
    assertThat(PrometheusRules.alertName("OperationP99Slow")).isEqualTo("OperationP99Slow");
    assertThat(PrometheusRules.alertName("checkout_p99")).isEqualTo("checkout_p99");
    assertThat(PrometheusRules.alertName("operation-p99-slow")).isEqualTo("OperationP99Slow");
    assertThat(PrometheusRules.alertName("trade.flow:sla")).isEqualTo("TradeFlowSla");
  }
}

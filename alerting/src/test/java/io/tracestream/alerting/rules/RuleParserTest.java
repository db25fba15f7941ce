package io.tracestream.alerting.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleParserTest {
  static final String EXAMPLE = """
      rules:
        - name: checkout-p99
          signal: span_latency
          quantile: 0.99
          match: {service: checkout}
          match_re: {operation: "POST /.*"}
          operator: ">"
          threshold: 500ms
          for: 2m
          keep_firing_for: 1m
          severity: critical
          labels: {team: payments}
          annotations:
            summary: "p99 of {{service}} {{operation}} is {{value}} (threshold {{threshold}})"
        - name: payment-errors
          signal: error_ratio
          match: {service: payment}
          group_by: [service]
          operator: ">="
          threshold: 5%
          min_count: 20
        - name: trade-flow
          signal: trace_latency
          quantile: 0.95
          match: {root_service: frontend, root_operation: "POST /trade"}
          operator: ">"
          threshold: 1.5s
        - name: db-edge-failures
          signal: edge_failure_ratio
          match: {server: postgres}
          operator: ">"
          threshold: 0.01
        - name: frontend-traffic
          signal: call_rate
          match: {service: frontend, kind: SPAN_KIND_SERVER}
          group_by: [service]
          operator: "<"
          threshold: 600/m
      """;

  private static RuleSet parse(String yaml) {
    return RuleSet.parse(yaml, "rules.yaml");
  }

  private static void assertFails(String yaml, int line, String reason) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(RuleFileException.class)
        .hasMessageStartingWith("rules.yaml:" + line + ": ")
        .hasMessageContaining(reason)
        .satisfies(e -> assertThat(((RuleFileException) e).line()).isEqualTo(line));
  }

  @Test
  void readsEveryFieldWithItsUnit() {
    RuleSet rules = parse(EXAMPLE);

    assertThat(rules.size()).isEqualTo(5);
    AlertRule p99 = rules.rule("checkout-p99").orElseThrow();
    assertThat(p99.line()).isEqualTo(2);
    assertThat(p99.signal()).isEqualTo(Signal.SPAN_LATENCY);
    assertThat(p99.quantile()).isEqualTo(0.99);
    assertThat(p99.operator()).isEqualTo(Operator.GT);
    assertThat(p99.threshold()).isEqualTo(500);
    assertThat(p99.forDuration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(p99.keepFiringFor()).isEqualTo(Duration.ofMinutes(1));
    assertThat(p99.severity()).isEqualTo("critical");
    assertThat(p99.labels()).isEqualTo(Map.of("team", "payments"));
    assertThat(p99.groupBy()).containsExactly("service", "operation", "kind");
    assertThat(rules.rule("payment-errors").orElseThrow().threshold()).isEqualTo(0.05);
    assertThat(rules.rule("payment-errors").orElseThrow().minCount()).isEqualTo(20);
    assertThat(rules.rule("payment-errors").orElseThrow().severity()).isEqualTo("warning");
    assertThat(rules.rule("trade-flow").orElseThrow().threshold()).isEqualTo(1500);
    assertThat(rules.rule("db-edge-failures").orElseThrow().threshold()).isEqualTo(0.01);
    assertThat(rules.rule("frontend-traffic").orElseThrow().threshold()).isEqualTo(10);
  }

  @Test
  void matchersAreExactOrWholeValueRegex() {
    AlertRule p99 = parse(EXAMPLE).rule("checkout-p99").orElseThrow();

    assertThat(p99.matches(Map.of("service", "checkout", "operation", "POST /cart", "kind", "x"))).isTrue();
    assertThat(p99.matches(Map.of("service", "checkout", "operation", "GET /cart", "kind", "x"))).isFalse();
    assertThat(p99.matches(Map.of("service", "checkout", "operation", "xPOST /cart", "kind", "x"))).isFalse();
    assertThat(p99.matches(Map.of("service", "checkout2", "operation", "POST /cart", "kind", "x"))).isFalse();
  }

  @Test
  void aLatencyThresholdWithoutUnitFailsNamingItsLine() {
    assertFails(EXAMPLE.replace("threshold: 500ms", "threshold: 500"), 8, "a latency threshold is written with a unit");
  }

  @Test
  void anUnknownSignalFailsNamingItsLine() {
    assertFails(EXAMPLE.replace("signal: error_ratio", "signal: errors"), 16, "unknown signal 'errors'");
  }

  @Test
  void aRatioAboveOneHundredPercentFails() {
    assertFails(EXAMPLE.replace("threshold: 5%", "threshold: 105%"), 20, "a ratio threshold");
  }

  @Test
  void anUnknownPlaceholderInAnAnnotationFails() {
    assertFails(EXAMPLE.replace("{{operation}}", "{{operatoin}}"), 14, "unknown placeholder [operatoin]");
  }

  @Test
  void aPlaceholderOfALabelLeftOutByGroupByFails() {
    String yaml = EXAMPLE.replace("    min_count: 20\n",
        "    min_count: 20\n    annotations: {summary: \"{{operation}}\"}\n");
    assertFails(yaml, 22, "unknown placeholder [operation]");
  }

  @Test
  void aMatcherOnALabelTheSignalDoesNotHaveFails() {
    assertFails(EXAMPLE.replace("match: {server: postgres}", "match: {service: postgres}"), 30,
        "unknown label 'service'");
  }

  @Test
  void anInvalidRegexFails() {
    assertFails(EXAMPLE.replace("\"POST /.*\"", "\"POST /(\""), 6, "not a valid regular expression");
  }

  @Test
  void aMissingFieldFailsAtTheRuleLine() {
    assertFails(EXAMPLE.replace("    operator: \"<\"\n", ""), 33, "missing 'operator'");
  }

  @Test
  void anUnknownFieldFails() {
    assertFails(EXAMPLE.replace("for: 2m", "fro: 2m"), 9, "unknown field 'fro'");
  }

  @Test
  void aDuplicateRuleNameFails() {
    assertFails(EXAMPLE.replace("name: trade-flow", "name: checkout-p99"), 22, "used twice");
  }

  @Test
  void aBadDurationFails() {
    assertFails(EXAMPLE.replace("for: 2m", "for: two minutes"), 9, "for must be a duration");
  }

  @Test
  void aQuantileOutsideZeroToOneFails() {
    assertFails(EXAMPLE.replace("quantile: 0.99", "quantile: 99"), 4, "quantile must be a number between 0 and 1");
  }

  @Test
  void aQuantileOnANonLatencySignalFails() {
    assertFails(EXAMPLE.replace("    min_count: 20\n", "    min_count: 20\n    quantile: 0.5\n"), 22,
        "'quantile' applies only to");
  }

  @Test
  void aReservedLabelFails() {
    assertFails(EXAMPLE.replace("labels: {team: payments}", "labels: {alertname: x}"), 12, "set by tracestream itself");
  }

  @Test
  void brokenYamlFailsWithItsLine() {
    assertFails("rules:\n  - name: a\n    signal: [span_latency\n", 3, "not valid YAML");
  }

  @Test
  void anEmptyRuleListFails() {
    assertFails("rules: []\n", 1, "at least one rule");
  }

  @Test
  void aFileWithoutRulesFails() {
    assertFails("alerts:\n  - name: a\n", 1, "expected a map with 'rules:'");
  }

  @Test
  void declaredDimensionsAreLabelsOfSpanAndTraceRulesButNotOfEdgeRules() {
    String rule = """
        dimensions: [symbol]
        rules:
          - name: r
            signal: %s
            %s
            match: {symbol: AAPL}
            operator: ">"
            threshold: %s
        """;

    assertThat(parse(rule.formatted("error_ratio", "", "5%")).rules()).singleElement()
        .satisfies(r -> assertThat(r.groupBy()).containsExactly("service", "operation", "kind"));
    assertThat(parse(rule.formatted("trace_latency", "quantile: 0.99", "2s")).rules()).hasSize(1);
    assertFails(rule.formatted("edge_failure_ratio", "", "5%"), 6, "match: unknown label 'symbol'");
  }

  @Test
  void anUndeclaredDimensionIsAnUnknownLabel() {
    assertFails("""
        rules:
          - name: r
            signal: error_ratio
            group_by: [symbol]
            operator: ">"
            threshold: 5%
        """, 4, "group_by: unknown label 'symbol'");
  }

  @Test
  void aDimensionMustBeAnExportedLabelNameNotASignalLabel() {
    assertFails("dimensions: [http.response.status_code]\nrules: []\n", 1, "is not a label name");
    assertFails("dimensions: [root_service]\nrules: []\n", 1, "is a label of traces signals already");
  }

  @Test
  void aSeverityOtherThanCriticalWarningOrInfoIsRefusedNamingTheLine() {
    String file = """
        rules:
          - name: CheckoutP99
            signal: span_latency
            quantile: 0.99
            operator: ">"
            threshold: 500ms
            severity: page
        """;

    assertFails(file, 7, "severity must be one of [critical, warning, info], as Alertmanager routes expect "
        + "(what was 'page' is 'critical'); got 'page'");
  }
}

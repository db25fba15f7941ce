package io.tracestream.alerting.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.alerting.Binaries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported rules are what Prometheus' own checker accepts. */
class PromtoolCheckIT {
  private static final String MORE = """
        - name: checkout-p999
          signal: span_latency
          quantile: 0.999
          group_by: [service]
          operator: ">"
          threshold: 2s
          annotations: {summary: "{{service}} p99.9 is {{value}}"}
        - name: search-errors
          signal: trace_error_ratio
          match_re: {root_operation: "GET /search.*"}
          operator: ">"
          threshold: 2%
          min_count: 50
          annotations: {summary: "{{root_service}} {{root_operation}} fails {{value}} of traces"}
        - name: frontend-traffic-low
          signal: call_rate
          match: {service: frontend}
          group_by: []
          operator: "<"
          threshold: 1/s
          annotations: {summary: "only {{value}}, below {{threshold}} ({{rule}}, {{severity}})"}
      """;

  @Test
  void promtoolAcceptsTheExportedRules(@TempDir Path dir) throws Exception {
    Path promtool = Binaries.require("prometheus", "promtool");
    RuleSet rules = RuleSet.parse(RuleParserTest.EXAMPLE + MORE, "rules.yaml");
    Path file = dir.resolve("tracestream.rules.yml");
    Files.writeString(file, PrometheusRules.export(rules, "tracestream", Duration.ofMinutes(5)));

    Process process = new ProcessBuilder(promtool.toString(), "check", "rules", file.toString())
        .redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).as(output + "\n" + Files.readString(file)).isZero();
    assertThat(output).contains("SUCCESS: 8 rules found");
  }
}

package io.tracestream.alerting.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.Binaries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default rules as {@code rules export} writes them, run by {@code promtool test rules} on series shaped
 * like the topology's /metrics: when they fire and when they do not.
 */
class DefaultRulesPromtoolIT {
  private static final String TRADE = "{root_service=\"trading-bot\", root_operation=\"POST /api/trade\"}";
  private static final String PORTFOLIO =
      "{root_service=\"portfolio-intelligence\", root_operation=\"GET /portfolio\"}";
  private static final String TICKS = "{root_service=\"ingestion\", root_operation=\"POST /ticks\"}";

  @TempDir
  Path dir;

  @Test
  void flowErrorRatioFiresOnAFlowWithTooManyFailedTracesAndNotBelowItsThresholdOrMinCount() throws Exception {
    RuleSet rules = RuleSet.parse(new String(AlertingConfig.class.getResourceAsStream("default-rules.yaml")
        .readAllBytes(), StandardCharsets.UTF_8), "default-rules.yaml");
    Files.writeString(dir.resolve("tracestream-alerts.rules.yml"),
        PrometheusRules.export(rules, "tracestream", Duration.ofMinutes(5)));
    String description = rules.rule("FlowErrorRatio").orElseThrow().annotations().get("description");

    // Given a scrape a minute: trade fails 20 % of 60 traces a minute, portfolio 50 % of 2 a minute
    // (10 in the 5m range, below min_count 20), ticks 5 % of 60 a minute (below the 10 % threshold)
    Map<String, Object> test = Map.of(
        "rule_files", List.of("tracestream-alerts.rules.yml"),
        "evaluation_interval", "1m",
        "tests", List.of(Map.of(
            "interval", "1m",
            "input_series", List.of(
                series("tracestream_traces_total" + TRADE, "0+60x20"),
                series("tracestream_trace_error_ratio" + TRADE, "0.2x20"),
                series("tracestream_traces_total" + PORTFOLIO, "0+2x20"),
                series("tracestream_trace_error_ratio" + PORTFOLIO, "0.5x20"),
                series("tracestream_traces_total" + TICKS, "0+60x20"),
                series("tracestream_trace_error_ratio" + TICKS, "0.05x20")),
            "alert_rule_test", List.of(
                // breached from the evaluation at 1m on: pending then (for: 30s), firing at 2m
                Map.of("eval_time", "1m", "alertname", "FlowErrorRatio", "exp_alerts", List.of()),
                Map.of("eval_time", "10m", "alertname", "FlowErrorRatio", "exp_alerts", List.of(Map.of(
                    "exp_labels", Map.of("severity", "critical", "root_service", "trading-bot",
                        "root_operation", "POST /api/trade"),
                    "exp_annotations", Map.of(
                        "summary", "20% of the whole requests of trading-bot POST /api/trade hold a failed span"
                            + " (threshold 10%)",
                        "description", description))))))));
    Path file = dir.resolve("tests.yml");
    new ObjectMapper(new YAMLFactory()).writeValue(file.toFile(), test);

    // When promtool runs the tests
    Path promtool = Binaries.require("prometheus", "promtool");
    Process process = new ProcessBuilder(promtool.toString(), "test", "rules", file.toString())
        .directory(dir.toFile()).redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    // Then they pass
    assertThat(process.exitValue()).as(output + "\n" + Files.readString(file)).isZero();
    assertThat(output).contains("SUCCESS");
  }

  private static Map<String, String> series(String series, String values) {
    return Map.of("series", series, "values", values);
  }
}

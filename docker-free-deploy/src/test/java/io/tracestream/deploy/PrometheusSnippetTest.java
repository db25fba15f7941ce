package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** promtool (Debian's prometheus package) on the shipped snippets. */
class PrometheusSnippetTest {
  @Test
  void theScrapeSnippetIsAValidPrometheusConfigWithTheDesignPorts() throws Exception {
    String promtool = Staging.requireTool("promtool", "prometheus");
    var file = Staging.DEPLOY.resolve("prometheus/tracestream-scrape.yml");

    String out = Staging.run(List.of(promtool, "check", "config", "--syntax-only", file.toString()));

    assertThat(out).contains("SUCCESS");
    assertThat(Files.readString(file)).contains("127.0.0.1:9464", "127.0.0.1:9465", "127.0.0.1:9466");
  }

  @Test
  void theRulesFileIsValid() throws Exception {
    String promtool = Staging.requireTool("promtool", "prometheus");

    String out = Staging.run(List.of(promtool, "check", "rules",
        Staging.DEPLOY.resolve("prometheus/tracestream.rules.yml").toString()));

    assertThat(out).contains("SUCCESS: 7 rules found");
  }

  /** The lag rule fires on a stream thread's consumer 10 minutes behind by more than 100,000 records, not below. */
  @Test
  void theLagRuleFiresOnATopologyThatStaysBehindAndNotOnOneThatCatchesUp(@TempDir Path dir) throws Exception {
    String promtool = Staging.requireTool("promtool", "prometheus");
    Files.copy(Staging.DEPLOY.resolve("prometheus/tracestream.rules.yml"), dir.resolve("rules.yml"));
    String lag = "kafka_consumer_fetch_manager_records_lag_max{job=\"tracestream-topology\", instance=\"%s\", "
        + "client_id=\"tracestream-1-StreamThread-1-consumer\"}";
    Files.writeString(dir.resolve("test.yml"), """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: '%s'
                values: '150000x20'
              - series: '%s'
                values: '150000x5 500x15'
            alert_rule_test:
              - eval_time: 9m
                alertname: TracestreamTopologyLagging
                exp_alerts: []
              - eval_time: 15m
                alertname: TracestreamTopologyLagging
                exp_alerts:
                  - exp_labels: {severity: warning, instance: "a:9465"}
                    exp_annotations:
                      summary: "the topology on a:9465 is 150000 records behind its input for 10 minutes"
                      description: "Window results and alerts come late by that much (nothing is lost). Add
                        topology instances or topology.stream.threads (up to the partitions of otlp_spans), or
                        look for a stuck task: stream-topology/README.md, Troubleshooting."
        """.formatted(lag.formatted("a:9465"), lag.formatted("b:9465")));

    String out = Staging.run(List.of(promtool, "test", "rules", dir.resolve("test.yml").toString()));

    assertThat(out).contains("SUCCESS");
  }
}

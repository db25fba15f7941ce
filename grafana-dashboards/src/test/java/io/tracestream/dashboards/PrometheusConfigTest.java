package io.tracestream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.rules.PrometheusRules;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.testkit.PrometheusServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped prometheus.yml passes promtool, with the rule files it names in place. */
class PrometheusConfigTest {
  private static final Path MODULE = Path.of(System.getProperty("dashboards.dir", "."));

  @TempDir
  Path dir;

  @Test
  void promtoolAcceptsTheShippedConfigAndItsRuleFiles() throws Exception {
    // The config names /etc/prometheus/...; here they point at the repository's pipeline rules and
    // at the default alert rules as `rules export` writes them.
    Path exported = Files.writeString(dir.resolve("tracestream-alerts.rules.yml"), PrometheusRules.export(
        RuleSet.parse(new String(AlertingConfig.class.getResourceAsStream("default-rules.yaml").readAllBytes(),
            StandardCharsets.UTF_8), "default-rules.yaml"), "tracestream", Duration.ofMinutes(5)));
    String config = Files.readString(MODULE.resolve("prometheus/prometheus.yml"))
        .replace("/etc/prometheus/tracestream.rules.yml",
            MODULE.resolve("../docker-free-deploy/prometheus/tracestream.rules.yml").toAbsolutePath().normalize().toString())
        .replace("/etc/prometheus/tracestream-alerts.rules.yml", exported.toString());
    Path file = Files.writeString(dir.resolve("prometheus.yml"), config);

    Process promtool = new ProcessBuilder(PrometheusServer.binary("promtool").toString(), "check", "config",
        file.toString()).redirectErrorStream(true).start();
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(promtool.waitFor()).as(output).isZero();
    assertThat(output).contains("SUCCESS");
    assertThat(output).contains("rule files found").doesNotContain(" 0 rule files");
  }
}

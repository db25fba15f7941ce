package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    assertThat(out).contains("SUCCESS: 6 rules found");
  }
}

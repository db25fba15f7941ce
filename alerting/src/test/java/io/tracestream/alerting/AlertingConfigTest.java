package io.tracestream.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertingConfigTest {
  @TempDir
  Path dir;

  private Map<String, String> settings(String rules) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, rules);
    return new HashMap<>(Map.of("alerting.rules.file", file.toString()));
  }

  private static final String RULES = """
      rules:
        - name: errors
          signal: error_ratio
          operator: ">"
          threshold: 5%
      """;

  @Test
  void defaultsAreThoseOfTheReadme() throws Exception {
    AlertingConfig config = AlertingConfig.from(Settings.of(settings(RULES)));

    assertThat(config.adminPort()).isEqualTo(9466);
    assertThat(config.alertsTopic()).isEqualTo("tracestream.alerts");
    assertThat(config.applicationId()).isEqualTo("tracestream-alerting");
    assertThat(config.resendInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.pageMaxAge()).isEqualTo(Duration.ofHours(1));
    assertThat(config.alertmanagerUrl()).isEmpty();
    assertThat(config.rules().size()).isEqualTo(1);
    assertThat(AlertingConfig.KEYS).extracting(k -> k.name()).contains("alerting.rules.file",
        "alerting.alertmanager.url", "alerting.webhook.url", "alerting.slack.webhook.url", "alerting.admin.port",
        "alerting.page.max.age", "topic.alerts");
  }

  @Test
  void aUrlIsTakenAsGiven() throws Exception {
    Map<String, String> s = settings(RULES);
    s.put("alerting.alertmanager.url", "http://127.0.0.1:9093");

    assertThat(AlertingConfig.from(Settings.of(s)).alertmanagerUrl()).contains(URI.create("http://127.0.0.1:9093"));
  }

  @Test
  void aUrlThatIsNotHttpFailsNamingTheKey() throws Exception {
    Map<String, String> s = settings(RULES);
    s.put("alerting.webhook.url", "hooks.example/alert");

    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(s)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.webhook.url: expected an http:// or https:// URL");
  }

  @Test
  void aTraceLinkTemplateWithoutTheTraceIdFailsNamingTheKey() throws Exception {
    Map<String, String> s = settings(RULES);
    s.put("alerting.trace.link.template", "http://jaeger:16686/search");

    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(s)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.trace.link.template: the template must contain {traceId}");
  }

  @Test
  void aBadUrlIsNamedWithoutItsPathWhichHoldsTheCredential() throws Exception {
    Map<String, String> s = settings(RULES);
    s.put("alerting.slack.webhook.url", "ftp://hooks.slack.com/services/T000/B000/SECRETTOKEN");
    Map<String, String> t = settings(RULES);
    t.put("alerting.webhook.url", "https://hooks.example/alert/SECRET TOKEN");

    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(s)))
        .hasMessage("alerting.slack.webhook.url: expected an http:// or https:// URL, got 'ftp://hooks.slack.com/…'");
    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(t)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.webhook.url: not a URL")
        .hasMessageNotContaining("SECRET");
  }

  @Test
  void theRuleFileIsRequired() {
    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.rules.file: required");
  }

  @Test
  void aMissingRuleFileFailsNamingTheKey() {
    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(Map.of("alerting.rules.file", "/nonexistent/rules.yaml"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.rules.file: /nonexistent/rules.yaml:1: cannot read the rule file");
  }

  @Test
  void aBadPageAgeFailsNamingTheKey() throws Exception {
    Map<String, String> s = settings(RULES);
    s.put("alerting.page.max.age", "a while");

    assertThatThrownBy(() -> AlertingConfig.from(Settings.of(s)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("alerting.page.max.age: expected a positive duration");
  }
}

package io.tracestream.alerting;

import io.tracestream.alerting.rules.RuleFileException;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import io.tracestream.tls.TlsConfig;
import io.tracestream.alerting.notify.Redacted;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The alerting part's settings, validated at start; documented in alerting/README.md. */
public record AlertingConfig(
    Map<String, Object> kafka,
    String spansTopic,
    String spanMetricsTopic,
    String traceMetricsTopic,
    String edgesTopic,
    String alertsTopic,
    RuleSet rules,
    Path rulesFile,
    String applicationId,
    Path stateDir,
    String bind,
    int adminPort,
    Optional<URI> alertmanagerUrl,
    Optional<URI> webhookUrl,
    Optional<URI> slackWebhookUrl,
    Optional<String> generatorUrl,
    Duration resendInterval,
    Duration pageMaxAge,
    Duration settle,
    Duration deliveryTimeout,
    Duration retryFor,
    java.util.Optional<TlsConfig> adminTls,
    HttpLimits adminLimits,
    Optional<BearerAuth> adminAuth,
    TraceLink traceLink) {

  public static final List<ConfigKey> KEYS = java.util.stream.Stream.of(List.of(
      new ConfigKey("kafka.bootstrap.servers", "127.0.0.1:9092",
          "Kafka brokers; every kafka.* key goes to Kafka Streams and the notifier's consumer as is"),
      new ConfigKey("topic.spans", "otlp_spans",
          "only read for its partition count, when an input topic has to be created"),
      new ConfigKey("topic.span-metrics", "tracestream.span-metrics", "input: span window results"),
      new ConfigKey("topic.trace-metrics", "tracestream.trace-metrics", "input: whole-trace window results"),
      new ConfigKey("topic.edges", "tracestream.edges", "input: dependency edge window results"),
      new ConfigKey("topic.alerts", "tracestream.alerts", "output: alert transitions, keyed by rule and series labels"),
      new ConfigKey("alerting.rules.file", null, "the YAML rule file (required)"),
      new ConfigKey("alerting.application.id", "tracestream-alerting",
          "Kafka Streams application id of the evaluator; the notifier's consumer group is <id>-notifier"),
      new ConfigKey("alerting.state.dir", "./data/alerting", "Kafka Streams state (RocksDB) of the evaluator"),
      new ConfigKey("alerting.bind", "127.0.0.1", "address the admin port binds to"),
      new ConfigKey("alerting.admin.port", "9466", "/metrics, /health/live, /health/ready, /api/alerts"),
      new ConfigKey("alerting.alertmanager.url", null,
          "Alertmanager base URL, such as http://127.0.0.1:9093; alerts go to <url>/api/v2/alerts"),
      new ConfigKey("alerting.webhook.url", null,
          "generic JSON webhook: each firing and resolved transition is POSTed"),
      new ConfigKey("alerting.slack.webhook.url", null, "Slack-compatible incoming webhook"),
      new ConfigKey("alerting.generator.url", null,
          "generatorURL of the alerts sent to Alertmanager; default http://<bind>:<admin port>/api/alerts"),
      new ConfigKey("alerting.alertmanager.resend.interval", "1m",
          "firing alerts are sent to Alertmanager again this often (at most 1m)"),
      new ConfigKey("alerting.page.max.age", "1h",
          "transitions of windows older than this (a replay) are recorded but not paged"),
      new ConfigKey("alerting.window.settle", "5s",
          "wall-clock time without more input for a window after which it is evaluated"),
      new ConfigKey("alerting.delivery.timeout", "10s", "HTTP timeout of one delivery"),
      new ConfigKey("alerting.delivery.retry.for", "10m",
          "a failing delivery is retried with backoff this long, then given up and counted")),
      List.of(new ConfigKey(TraceLink.KEY, TraceLink.DEFAULT,
          "link in a firing alert's trace_url annotation to its example trace (trace_id); {traceId} is replaced")),
      TlsConfig.keys("alerting.admin", "the admin port"),
      HttpLimits.keys("alerting.admin", "the admin port"),
      BearerAuth.keys("alerting.admin", "clients of the admin port (except /health/live)"))
      .flatMap(List::stream).toList();

  public static AlertingConfig from(Settings settings) {
    settings.requireKnown("alerting.", KEYS);
    String rulesKey = "alerting.rules.file";
    Path rulesFile = Path.of(settings.optional(rulesKey)
        .orElseThrow(() -> new ConfigException(rulesKey, "required: the YAML rule file")));
    RuleSet rules;
    try {
      rules = RuleSet.load(rulesFile);
    } catch (RuleFileException e) {
      throw new ConfigException(rulesKey, e.getMessage());
    }
    int adminPort = settings.port("alerting.admin.port", 9466);
    Duration resend = settings.duration("alerting.alertmanager.resend.interval", Duration.ofMinutes(1));
    if (resend.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ConfigException("alerting.alertmanager.resend.interval",
          "must be at most 1m: Alertmanager expects firing alerts again at least every minute, got " + resend);
    }
    return new AlertingConfig(
        settings.kafkaClientProperties(),
        settings.string("topic.spans", "otlp_spans"),
        settings.string("topic.span-metrics", "tracestream.span-metrics"),
        settings.string("topic.trace-metrics", "tracestream.trace-metrics"),
        settings.string("topic.edges", "tracestream.edges"),
        settings.string("topic.alerts", "tracestream.alerts"),
        rules,
        rulesFile,
        settings.string("alerting.application.id", "tracestream-alerting"),
        Path.of(settings.string("alerting.state.dir", "./data/alerting")),
        settings.string("alerting.bind", "127.0.0.1"),
        adminPort,
        url(settings, "alerting.alertmanager.url"),
        url(settings, "alerting.webhook.url"),
        url(settings, "alerting.slack.webhook.url"),
        url(settings, "alerting.generator.url").map(URI::toString),
        resend,
        settings.duration("alerting.page.max.age", Duration.ofHours(1)),
        settings.duration("alerting.window.settle", Duration.ofSeconds(5)),
        settings.duration("alerting.delivery.timeout", Duration.ofSeconds(10)),
        settings.duration("alerting.delivery.retry.for", Duration.ofMinutes(10)),
        TlsConfig.from(settings, "alerting.admin"),
        HttpLimits.from(settings, "alerting.admin"),
        BearerAuth.from(settings, "alerting.admin"),
        new TraceLink(settings.string(TraceLink.KEY, TraceLink.DEFAULT)));
  }

  private static Optional<URI> url(Settings settings, String key) {
    Optional<String> raw = settings.optional(key);
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(raw.get());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        // the URL is a credential (a Slack or webhook URL): the message shows only its scheme and host
        throw new ConfigException(key, "expected an http:// or https:// URL, got '" + Redacted.url(raw.get()) + "'");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "not a URL: " + e.getReason() + " at index " + e.getIndex());
    }
  }
}

package io.tracestream.alerting;

import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The alerting app on a real broker with a real Alertmanager. */
class AlertingIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String RULES = """
      rules:
        - name: %s
          signal: span_latency
          quantile: 0.99
          match: {service: checkout, operation: GET /cart}
          operator: ">"
          threshold: 500ms
          for: 2m
          severity: page
          annotations:
            summary: "p99 of {{service}} {{operation}} is {{value}} (threshold {{threshold}})"
        - name: old-%s
          signal: span_latency
          quantile: 0.99
          match: {operation: GET /old}
          operator: ">"
          threshold: 500ms
      """;
  private static final SeriesKey CART_OK = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final SeriesKey CART_ERROR = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR");

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  static Path dir;

  /** Alertmanager's own notifications (what it would page), and the notifier's direct webhook. */
  private static Hooks amNotifications;
  private static Alertmanager alertmanager;

  @BeforeAll
  static void startAlertmanager() throws Exception {
    amNotifications = new Hooks();
    alertmanager = new Alertmanager(Files.createDirectories(dir.resolve("alertmanager")), amNotifications.url());
  }

  @AfterAll
  static void stopAlertmanager() throws Exception {
    if (alertmanager != null) {
      alertmanager.close();
    }
    if (amNotifications != null) {
      amNotifications.close();
    }
  }

  private static Map<String, String> settings(String name, String webhookUrl, String resend) throws Exception {
    Path rules = dir.resolve(name + ".rules.yaml");
    Files.writeString(rules, RULES.formatted(rule(name), name));
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    s.put("topic.span-metrics", name + ".span-metrics");
    s.put("topic.alerts", name + ".alerts");
    s.put("alerting.rules.file", rules.toString());
    s.put("alerting.application.id", name);
    s.put("alerting.state.dir", dir.resolve(name + "-state").toString());
    s.put("alerting.admin.port", "0");
    s.put("alerting.alertmanager.url", alertmanager.url());
    s.put("alerting.webhook.url", webhookUrl);
    s.put("alerting.alertmanager.resend.interval", resend);
    s.put("alerting.window.settle", "1s");
    s.put("kafka.commit.interval.ms", "100");
    // a killed instance's group membership ends after this, not the default 45 s
    s.put("kafka.session.timeout.ms", "6000");
    s.put("kafka.heartbeat.interval.ms", "1000");
    return s;
  }

  /** One rule name per test: Alertmanager keys alerts by labels, the tests share it. */
  private static String rule(String name) {
    return "cart-p99-" + name;
  }

  /** p99 over 500ms: 95 spans of 10ms that are fine and 5 of 900ms that fail, in the window at {@code start}. */
  private static void breach(KafkaProducer<byte[], byte[]> producer, String topic, long start) {
    send(producer, topic, CART_OK, window(start, 95, 0, 10));
    send(producer, topic, CART_ERROR, window(start, 5, 5, 900));
  }

  private static void fine(KafkaProducer<byte[], byte[]> producer, String topic, long start) {
    send(producer, topic, CART_OK, window(start, 100, 0, 10));
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, SeriesKey key, WindowResult value) {
    // all series of a service in one partition, as the topology writes them
    producer.send(new ProducerRecord<>(topic, 0, JsonSerde.of(SeriesKey.class).toBytes(key),
        JsonSerde.of(WindowResult.class).toBytes(value)));
    producer.flush();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(KAFKA.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Windows a few minutes ago: recent enough to be paged. */
  private static long recentWindow() {
    return (System.currentTimeMillis() / MINUTE - 10) * MINUTE;
  }

  private static List<String> statuses(List<JsonNode> notifications, String alertname) {
    return notifications.stream()
        .filter(n -> n.path("groupLabels").path("alertname").asText().equals(alertname))
        .map(n -> n.path("status").asText()).toList();
  }

  @Test
  void aP99BreachFiresInAlertmanagerAndTheRecoveryResolvesIt() throws Exception {
    String name = "it-fire";
    KAFKA.createTopics(2, name + ".span-metrics", name + ".alerts");
    long t0 = recentWindow();
    try (Hooks webhook = new Hooks(2); // down for the first two attempts
        AlertingApp app = AlertingApp.start(AlertingConfig.from(
            io.tracestream.config.Settings.of(settings(name, webhook.url(), "2s"))));
        KafkaProducer<byte[], byte[]> producer = producer()) {
      // Given: a replay of two days ago that breaches another rule: recorded, not paged
      SeriesKey old = new SeriesKey("checkout", "GET /old", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR");
      send(producer, name + ".span-metrics", old, window(t0 - 2 * 24 * 60 * MINUTE, 5, 5, 900));

      // When: the p99 breaches for two windows (for: 2m)
      breach(producer, name + ".span-metrics", t0);
      breach(producer, name + ".span-metrics", t0 + MINUTE);

      // Then: Alertmanager lists the alert active, with the series labels and the rendered annotation
      Await.until(TIMEOUT, "Alertmanager to list the alert active", () -> alertmanager.active(rule(name)).size() == 1);
      JsonNode alert = alertmanager.active(rule(name)).get(0);
      assertThat(alert.path("labels").path("service").asText()).isEqualTo("checkout");
      assertThat(alert.path("labels").path("severity").asText()).isEqualTo("page");
      assertThat(alert.path("annotations").path("summary").asText()).startsWith("p99 of checkout GET /cart is ")
          .endsWith("(threshold 500ms)");
      assertThat(alert.path("generatorURL").asText()).startsWith("http://127.0.0.1:" + app.adminPort() + "/api/alerts?alert=");
      assertThat(alert.path("startsAt").asText()).isEqualTo(java.time.Instant.ofEpochMilli(t0 + 2 * MINUTE).toString()
          .replace("Z", ".000Z"));
      String current = get(app.adminPort(), "/api/alerts");
      assertThat(current).contains("\"status\":\"FIRING\"", "\"rule\":\"" + rule(name) + "\"");
      Await.until(TIMEOUT, "Alertmanager to notify the firing alert",
          () -> statuses(amNotifications.received(), rule(name)).contains("firing"));

      // When: the next window is fine
      fine(producer, name + ".span-metrics", t0 + 2 * MINUTE);

      // Then: the alert resolves in Alertmanager
      Await.until(TIMEOUT, "Alertmanager to notify the resolved alert",
          () -> statuses(amNotifications.received(), rule(name)).contains("resolved"));
      assertThat(alertmanager.active(rule(name))).isEmpty();
      assertThat(get(app.adminPort(), "/api/alerts")).doesNotContain("\"rule\":\"" + rule(name) + "\"")
          .contains("\"rule\":\"old-" + name + "\"", "\"page\":false"); // the replay's alert, never paged
      String metrics = get(app.adminPort(), "/metrics");
      assertThat(metrics).contains("tracestream_alerting_rules 2.0",
          "tracestream_alerting_deliveries_total{outcome=\"delivered\",receiver=\"alertmanager\"} 2.0",
          "tracestream_alerting_deliveries_total{outcome=\"delivered\",receiver=\"webhook\"} 2.0",
          "tracestream_alerting_deliveries_total{outcome=\"retry\",receiver=\"webhook\"} 2.0",
          "tracestream_alerting_alerts{state=\"firing\"} 1.0"); // the replay's
      // the replay's firing and the pending were read and not paged
      Await.until(TIMEOUT, "the notifier to skip the pending and the replayed firing",
          () -> get(app.adminPort(), "/metrics").contains("tracestream_alerting_skipped_total{reason=\"not_paged\"} 2.0"));
      assertThat(alertmanager.alerts()).noneMatch(a -> a.path("labels").path("alertname").asText().equals("old-" + name));
      assertThat(webhook.received()).extracting(n -> n.path("status").asText()).containsExactly("firing", "resolved");
      assertThat(webhook.received()).allMatch(n -> n.path("rule").asText().equals(rule(name)));
    }
  }

  @Test
  void aKillAndRestartWhileFiringDeliversEachTransitionOnce() throws Exception {
    String name = "it-kill";
    String spans = name + ".span-metrics";
    KAFKA.createTopics(2, spans, name + ".alerts");
    long t0 = recentWindow();
    try (Hooks webhook = new Hooks(); KafkaProducer<byte[], byte[]> producer = producer()) {
      Map<String, String> settings = settings(name, webhook.url(), "1m");
      Process first = startProcess(settings, "first");
      try {
        breach(producer, spans, t0);
        breach(producer, spans, t0 + MINUTE);
        Await.until(TIMEOUT, "the webhook to get the firing transition", () -> webhook.received().size() == 1);
        Await.until(TIMEOUT, "Alertmanager to list the alert active", () -> alertmanager.active(rule(name)).size() == 1);
        Await.until(TIMEOUT, "the notifier to commit past the firing transition", () -> notifierCaughtUp(name));
        // a window that keeps it firing, evaluated right before the kill
        breach(producer, spans, t0 + 2 * MINUTE);
      } finally {
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no goodbye to the group
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }

      Process second = startProcess(settings, "second");
      try {
        fine(producer, spans, t0 + 3 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get the resolved transition",
            () -> webhook.received().stream().anyMatch(n -> n.path("status").asText().equals("resolved")));
        Await.until(TIMEOUT, "Alertmanager to notify the resolved alert",
            () -> statuses(amNotifications.received(), rule(name)).contains("resolved"));
      } finally {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }

      // Transitions of one alert are delivered in order, so a repeated firing would have come before the resolve.
      List<String> keys = webhook.received().stream().map(n -> n.path("idempotencyKey").asText()).toList();
      String alertId = rule(name) + "{kind=\"SPAN_KIND_SERVER\",operation=\"GET /cart\",service=\"checkout\"}";
      assertThat(keys).containsExactly(alertId + "@" + t0 + ":firing", alertId + "@" + t0 + ":resolved");
      assertThat(statuses(amNotifications.received(), rule(name))).containsExactly("firing", "resolved");
    }
  }

  private static Process startProcess(Map<String, String> settings, String name) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), AlertingProcess.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("alerting-" + name + ".log").toFile()).start();
  }

  /** The notifier group has committed every committed record of the alerts topic. */
  private static boolean notifierCaughtUp(String name) {
    try (Admin admin = KAFKA.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name + "-notifier")
          .partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < 2; p++) {
        latest.put(new TopicPartition(name + ".alerts", p), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
      return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
          || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
    } catch (Exception e) {
      return false;
    }
  }

  private static String get(int port, String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

package io.tracestream.alerting;

import static io.tracestream.alerting.CartAlert.alertId;
import static io.tracestream.alerting.CartAlert.breach;
import static io.tracestream.alerting.CartAlert.fine;
import static io.tracestream.alerting.CartAlert.notified;
import static io.tracestream.alerting.CartAlert.recentWindow;
import static io.tracestream.alerting.CartAlert.rule;
import static io.tracestream.alerting.CartAlert.send;
import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.model.SeriesKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The alerting app on a real broker with a real Alertmanager. */
class AlertingIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

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
    return CartAlert.settings(name, dir, KAFKA.bootstrapServers(), alertmanager.url(), webhookUrl, resend);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return CartAlert.producer(KAFKA.clientProperties());
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
          () -> notified(amNotifications.received(), rule(name)).contains("firing"));

      // When: the next window is fine
      fine(producer, name + ".span-metrics", t0 + 2 * MINUTE);

      // Then: the alert resolves in Alertmanager
      Await.until(TIMEOUT, "Alertmanager to notify the resolved alert",
          () -> notified(amNotifications.received(), rule(name)).contains("resolved"));
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
        Await.until(TIMEOUT, "the notifier to commit past the firing transition", () -> CartAlert.notifierCaughtUp(KAFKA, name, 2));
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
            () -> notified(amNotifications.received(), rule(name)).contains("resolved"));
      } finally {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }

      // Transitions of one alert are delivered in order, so a repeated firing would have come before the resolve.
      List<String> keys = webhook.received().stream().map(n -> n.path("idempotencyKey").asText()).toList();
      String alertId = alertId(name);
      assertThat(keys).containsExactly(alertId + "@" + t0 + ":firing", alertId + "@" + t0 + ":resolved");
      assertThat(notified(amNotifications.received(), rule(name))).containsExactly("firing", "resolved");
    }
  }

  private static Process startProcess(Map<String, String> settings, String name) throws Exception {
    return AlertingProcess.start(settings, dir.resolve("alerting-" + name + ".log"));
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

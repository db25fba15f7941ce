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
import io.tracestream.testkit.TopicReader;
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
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
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
      assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
      assertThat(alert.path("annotations").path("summary").asText()).startsWith("p99 of checkout GET /cart is ")
          .endsWith("(threshold 500ms)");
      assertThat(alert.path("generatorURL").asText()).startsWith("http://127.0.0.1:" + app.adminPort()
          + "/api/alerts?alert=");
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
          () -> get(app.adminPort(), "/metrics")
              .contains("tracestream_alerting_skipped_total{reason=\"not_paged\"} 2.0"));
      assertThat(alertmanager.alerts())
          .noneMatch(a -> a.path("labels").path("alertname").asText().equals("old-" + name));
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
        Await.until(TIMEOUT, "Alertmanager to list the alert active",
            () -> alertmanager.active(rule(name)).size() == 1);
        Await.until(TIMEOUT, "the notifier to commit past the firing transition",
            () -> CartAlert.notifierCaughtUp(KAFKA, name, 2));
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

  /**
   * The window between a receiver's 2xx and the notifier's commit (docs/RELIABILITY.md): each kill lands
   * in it because the receiver's answer is held until the process is dead; the receiver has taken the
   * transition, and the notifier, still waiting for the answer, cannot have committed.
   */
  @Test
  void aKillBetweenAReceiversAnswerAndTheCommitPagesOnceInAlertmanagerAndRepeatsTheKeyToTheWebhook() throws Exception {
    String name = "it-commit-kill";
    String spans = name + ".span-metrics";
    String alerts = name + ".alerts";
    KAFKA.createTopics(2, spans, alerts);
    long t0 = recentWindow();
    String firing = alertId(name) + "@" + t0 + ":firing";
    String resolved = alertId(name) + "@" + t0 + ":resolved";
    try (ForwardingProxy proxy = new ForwardingProxy(alertmanager.url());
        Hooks webhook = new Hooks();
        KafkaProducer<byte[], byte[]> producer = producer()) {
      // Alertmanager first, then the webhook: the notifier delivers in the order of its receivers
      Map<String, String> settings = CartAlert.settings(name, dir, KAFKA.bootstrapServers(), proxy.url(), webhook.url(),
          "1m");

      // Given: the first process is killed once Alertmanager has answered 2xx to the firing alert
      Process first = startProcess(settings, "commit-first");
      proxy.beforeNextAnswer(() -> kill(first));
      breach(producer, spans, t0);
      breach(producer, spans, t0 + MINUTE);
      Await.until(TIMEOUT, "the first process to be killed in Alertmanager's answer", () -> !first.isAlive());
      assertThat(proxy.firingPosts(rule(name))).as("Alertmanager's answers to the firing alert").containsExactly(200);
      Await.until(TIMEOUT, "Alertmanager to hold the alert", () -> alertmanager.active(rule(name)).size() == 1);
      assertThat(webhook.received()).as("webhook deliveries before the first kill").isEmpty();
      ConsumerRecord<String, byte[]> record = transition(alerts, firing);
      OffsetAndMetadata afterFirst = committed(name, record);
      assertThat(afterFirst == null ? 0 : afterFirst.offset()).as("notifier's committed offset after the first kill")
          .isLessThanOrEqualTo(record.offset());
      assertThat(afterFirst == null ? "" : afterFirst.metadata()).doesNotContain("alertmanager");

      // When: a second process sends it to Alertmanager again and is killed in the webhook's answer
      AtomicReference<Process> second = new AtomicReference<>();
      webhook.beforeNextAnswer(() -> kill(second.get()));
      second.set(startProcess(settings, "commit-second"));
      Await.until(TIMEOUT, "the second process to be killed in the webhook's answer", () -> !second.get().isAlive());
      assertThat(proxy.firingPosts(rule(name))).as("Alertmanager's answers to the firing alert")
          .containsExactly(200, 200);
      OffsetAndMetadata afterSecond = committed(name, record);
      assertThat(afterSecond.offset()).as("notifier's committed offset after the second kill")
          .isEqualTo(record.offset());
      assertThat(afterSecond.metadata()).isEqualTo("delivered=alertmanager");

      // And: a third process delivers what is left, then the resolve
      Process third = startProcess(settings, "commit-third");
      try {
        Await.until(TIMEOUT, "the webhook to get the firing transition again", () -> webhook.received().size() == 2);
        fine(producer, spans, t0 + 2 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get the resolved transition", () -> webhook.received().size() == 3);
        Await.until(TIMEOUT, "Alertmanager to notify the resolved alert",
            () -> notified(amNotifications.received(), rule(name)).contains("resolved"));
        Await.until(TIMEOUT, "the notifier to commit past the resolve",
            () -> CartAlert.notifierCaughtUp(KAFKA, name, 2));
      } finally {
        kill(third);
      }

      // Then: Alertmanager paged the firing once although it was given it twice (group_interval 1s, repeat_interval 1h)
      assertThat(notified(amNotifications.received(), rule(name))).as("Alertmanager's notifications")
          .containsExactly("firing", "resolved");
      // and the webhook's repeat is the same transition under the same key, which a receiver drops
      List<JsonNode> hooks = webhook.received();
      assertThat(hooks).extracting(n -> n.path("idempotencyKey").asText()).containsExactly(firing, firing, resolved);
      assertThat(hooks.get(1)).as("the repeated delivery").isEqualTo(hooks.get(0));
    }
  }

  /** SIGKILL: no shutdown hook, no commit, no goodbye to the group. */
  private static void kill(Process process) {
    process.destroyForcibly();
    try {
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("killed process exited").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The record of the transition with this idempotency key on the alerts topic. */
  private static ConsumerRecord<String, byte[]> transition(String topic, String idempotencyKey) {
    return TopicReader.readUntil(KAFKA.bootstrapServers(), topic, TIMEOUT, records -> records.stream()
        .anyMatch(r -> key(r).equals(idempotencyKey))).stream().filter(r -> key(r).equals(idempotencyKey))
        .findFirst().orElseThrow();
  }

  private static String key(ConsumerRecord<String, byte[]> record) {
    return AlertingTopology.TRANSITION.fromBytes(record.value()).idempotencyKey();
  }

  /** The notifier group's committed offset of the record's partition; null if none. */
  private static OffsetAndMetadata committed(String name, ConsumerRecord<String, byte[]> record) throws Exception {
    try (Admin admin = KAFKA.admin()) {
      return admin.listConsumerGroupOffsets(name + "-notifier").partitionsToOffsetAndMetadata().get()
          .get(new TopicPartition(record.topic(), record.partition()));
    }
  }

  private static Process startProcess(Map<String, String> settings, String name) throws Exception {
    return AlertingProcess.start(settings, dir.resolve("alerting-" + name + ".log"));
  }

  private static String get(int port, String path) {
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

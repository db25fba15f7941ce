package io.tracestream.alerting;

import static io.tracestream.alerting.CartAlert.alertId;
import static io.tracestream.alerting.CartAlert.breach;
import static io.tracestream.alerting.CartAlert.fine;
import static io.tracestream.alerting.CartAlert.notified;
import static io.tracestream.alerting.CartAlert.recentWindow;
import static io.tracestream.alerting.CartAlert.rule;
import static io.tracestream.alerting.Results.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops for 60 s while an alert fires: the alerting process, never restarted, resolves it
 * and fires the next episode afterwards, each transition delivered once, in order, to the webhook and
 * through a real Alertmanager.
 */
class AlertingBrokerStopFaultIT {
  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("faults.outage.seconds", 60));
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  @Test
  void alertingRecoversFromABrokerOutageWithoutARestartAndPagesEachTransitionOnce() throws Exception {
    Assumptions.assumeTrue(KAFKA.broker().canStop(), "needs a broker the test can stop");
    String name = "outage";
    String spans = name + ".span-metrics";
    KAFKA.createTopics(2, spans, name + ".alerts");
    long started = System.nanoTime();
    long t0 = recentWindow();
    int adminPort = CartAlert.freePort();
    Path log = dir.resolve("alerting.log");

    try (Hooks amNotifications = new Hooks();
        Alertmanager alertmanager = new Alertmanager(Files.createDirectories(dir.resolve("alertmanager")), amNotifications.url());
        Hooks webhook = new Hooks();
        KafkaProducer<byte[], byte[]> producer = CartAlert.producer(KAFKA.clientProperties())) {
      Map<String, String> settings = CartAlert.with(
          CartAlert.settings(name, dir, KAFKA.bootstrapServers(), alertmanager.url(), webhook.url(), "1m"),
          "alerting.admin.port", String.valueOf(adminPort));
      Process alerting = AlertingProcess.start(settings, log);
      try {
        Await.until(TIMEOUT, "the alerting process to be ready", () -> status(adminPort, "/health/ready") == 200);

        // Given: the alert fires (two breached windows, for: 2m)
        breach(producer, spans, t0);
        breach(producer, spans, t0 + MINUTE);
        Await.until(TIMEOUT, "the webhook to get the firing transition", () -> webhook.received().size() == 1);
        Await.until(TIMEOUT, "Alertmanager to notify the firing alert",
            () -> notified(amNotifications.received(), rule(name)).size() == 1);

        // When: the broker stops for 60 s, then comes back at the same address with the same data
        KAFKA.broker().stop();
        long stopped = System.nanoTime();
        Await.until(OUTAGE.plusSeconds(10), "the outage to last " + OUTAGE.toSeconds() + " s",
            () -> System.nanoTime() - stopped >= OUTAGE.toNanos());
        assertThat(alerting.isAlive()).as("alerting process alive during the outage").isTrue();
        long restartCalled = System.nanoTime();
        KAFKA.broker().start();
        long back = System.nanoTime();

        // Then: the next windows resolve the alert and fire a new episode, through the same process
        fine(producer, spans, t0 + 2 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get the resolved transition", () -> webhook.received().size() >= 2);
        double firstDelivery = (System.nanoTime() - back) / 1e9;
        breach(producer, spans, t0 + 3 * MINUTE);
        breach(producer, spans, t0 + 4 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get the second firing transition", () -> webhook.received().size() >= 3);
        double secondFiring = (System.nanoTime() - back) / 1e9;
        Await.until(TIMEOUT, "Alertmanager to notify the resolve and the second firing",
            () -> notified(amNotifications.received(), rule(name)).size() >= 3);
        // the notifier has handled every transition: a repeat would have been delivered by now
        Await.until(TIMEOUT, "the notifier to commit past the last transition",
            () -> CartAlert.notifierCaughtUp(KAFKA, name, 2));

        assertThat(alerting.isAlive()).as("the same alerting process, never restarted").isTrue();
        List<String> keys = webhook.received().stream().map(n -> n.path("idempotencyKey").asText()).toList();
        String id = alertId(name);
        assertThat(keys).as("webhook deliveries, in order").containsExactly(
            id + "@" + t0 + ":firing", id + "@" + t0 + ":resolved", id + "@" + (t0 + 3 * MINUTE) + ":firing");
        assertThat(notified(amNotifications.received(), rule(name))).as("Alertmanager's notifications, in order")
            .containsExactly("firing", "resolved", "firing");
        assertThat(alertmanager.active(rule(name))).hasSize(1);

        long threadsReplaced = Files.readAllLines(log).stream().filter(l -> l.contains("replacing it")).count();
        double amRecovery = amNotifications.firstReceivedAfter(back) / 1e9;
        ReliabilityReport.write("alerting-broker-stop", String.format("""
            | faults injected | transitions paged | webhook deliveries | duplicates | Alertmanager notifications | alerting restarts | broker start (s) | first delivery after broker start (s) | second firing delivered after broker start (s) | Alertmanager's first notification after broker start (s) | stream threads replaced | test duration (s) |
            | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
            | broker stopped %d s while an alert fires | 3 | %d | %d | %d | 0 | %.1f | %.1f | %.1f | %.1f | %d | %.0f |
            """, OUTAGE.toSeconds(), keys.size(), keys.size() - keys.stream().distinct().count(),
            notified(amNotifications.received(), rule(name)).size(), (back - restartCalled) / 1e9, firstDelivery,
            secondFiring, amRecovery, threadsReplaced, (System.nanoTime() - started) / 1e9));
      } finally {
        alerting.destroyForcibly();
        alerting.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static int status(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }
}

package io.tracestream.alerting;

import static io.tracestream.alerting.CartAlert.breach;
import static io.tracestream.alerting.CartAlert.fine;
import static io.tracestream.alerting.CartAlert.notified;
import static io.tracestream.alerting.CartAlert.recentWindow;
import static io.tracestream.alerting.CartAlert.rule;
import static io.tracestream.alerting.Results.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops for 60 s while two alerts fire: the alerting process, never restarted, delivers the
 * firing it was holding when the broker went away, then resolves both alerts and fires their next
 * episode, each transition delivered once, in order, to the webhook and through a real Alertmanager.
 *
 * <p>The outage begins inside a delivery: the webhook stops the broker before it answers the first
 * firing transition, so the notifier's commit after that answer meets a broker that is gone, while
 * the other alert's firing, written in the same transaction, waits behind it in the same poll.
 */
class AlertingBrokerStopFaultIT {
  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("faults.outage.seconds", 60));
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ERRORS_RULE = """
        - name: cart-errors-%s
          signal: error_ratio
          match: {service: checkout, operation: GET /cart}
          operator: ">"
          threshold: 1%%
          for: 2m
          severity: critical
      """;

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  @Test
  void alertingRecoversFromABrokerOutageWithoutARestartAndPagesEachTransitionOnce() throws Exception {
    Assumptions.assumeTrue(KAFKA.broker().canStop(), "needs a broker the test can stop");
    String name = "outage";
    String spans = name + ".span-metrics";
    KAFKA.createTopics(2, spans);
    KAFKA.createTopics(1, name + ".alerts"); // both alerts' transitions in one partition, one after the other
    long started = System.nanoTime();
    long t0 = recentWindow();
    int adminPort = CartAlert.freePort();
    Path log = dir.resolve("alerting.log");
    String errorsRule = "cart-errors-" + name;
    List<String> rules = List.of(rule(name), errorsRule);

    try (Hooks amNotifications = new Hooks();
        Alertmanager alertmanager = new Alertmanager(Files.createDirectories(dir.resolve("alertmanager")),
            amNotifications.url());
        Hooks webhook = new Hooks();
        KafkaProducer<byte[], byte[]> producer = CartAlert.producer(KAFKA.clientProperties())) {
      Map<String, String> settings = CartAlert.settings(name, dir, KAFKA.bootstrapServers(), alertmanager.url(),
          webhook.url(), "1m");
      settings.put("alerting.admin.port", String.valueOf(adminPort));
      settings.put("alerting.delivery.timeout", "60s"); // the webhook answers once the broker is down
      // a second rule that fires on the same windows: the error ratio of the breached windows is 5 %
      Files.writeString(Path.of(settings.get("alerting.rules.file")), ERRORS_RULE.formatted(name),
          StandardOpenOption.APPEND);
      Process alerting = AlertingProcess.start(settings, log);
      try {
        Await.until(TIMEOUT, "the alerting process to be ready", () -> status(adminPort, "/health/ready") == 200);

        // Given: both alerts fire (two breached windows, for: 2m), and the broker stops inside the first delivery
        AtomicLong stopped = new AtomicLong();
        webhook.beforeNextAnswer(() -> {
          try {
            KAFKA.broker().stop();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          stopped.set(System.nanoTime());
        });
        breach(producer, spans, t0);
        breach(producer, spans, t0 + MINUTE);
        Await.until(TIMEOUT, "the broker to stop inside the first webhook delivery", () -> stopped.get() != 0);

        // When: the broker stays down for 60 s, then comes back at the same address with the same data
        Await.until(OUTAGE.plusSeconds(10), "the outage to last " + OUTAGE.toSeconds() + " s",
            () -> System.nanoTime() - stopped.get() >= OUTAGE.toNanos());
        assertThat(alerting.isAlive()).as("alerting process alive during the outage").isTrue();
        int deliveredDuringOutage = webhook.received().size() - 1;
        long restartCalled = System.nanoTime();
        KAFKA.broker().start();
        long back = System.nanoTime();

        // Then: the other firing is delivered, and the next windows resolve both and fire them again
        Await.until(TIMEOUT, "the webhook to get the second alert's firing", () -> webhook.received().size() >= 2);
        double firstDelivery = (System.nanoTime() - back) / 1e9;
        fine(producer, spans, t0 + 2 * MINUTE);
        breach(producer, spans, t0 + 3 * MINUTE);
        breach(producer, spans, t0 + 4 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get both resolves and both second firings",
            () -> webhook.received().size() >= 6);
        double allDelivered = (System.nanoTime() - back) / 1e9;
        Await.until(TIMEOUT, "Alertmanager to notify the resolves and the second firings", () -> rules.stream()
            .allMatch(r -> notified(amNotifications.received(), r).size() >= 3));
        // the notifier has handled every transition: a repeat would have been delivered by now
        Await.until(TIMEOUT, "the notifier to commit past the last transition",
            () -> CartAlert.notifierCaughtUp(KAFKA, name, 1));

        assertThat(alerting.isAlive()).as("the same alerting process, never restarted").isTrue();
        List<String> keys = webhook.received().stream().map(n -> n.path("idempotencyKey").asText()).toList();
        for (String rule : rules) {
          String id = CartAlert.seriesOf(rule);
          assertThat(keys.stream().filter(k -> k.startsWith(id + "@")))
              .as("webhook deliveries of " + rule + ", in order")
              .containsExactly(id + "@" + t0 + ":firing", id + "@" + t0 + ":resolved",
                  id + "@" + (t0 + 3 * MINUTE) + ":firing");
          assertThat(notified(amNotifications.received(), rule))
              .as("Alertmanager's notifications of " + rule + ", in order")
              .containsExactly("firing", "resolved", "firing");
          assertThat(alertmanager.active(rule)).as("active in Alertmanager: " + rule).hasSize(1);
        }
        assertThat(keys).hasSize(6);

        long threadsReplaced = Files.readAllLines(log).stream().filter(l -> l.contains("replacing it")).count();
        ReliabilityReport.write("alerting-broker-stop", String.format("""
            | faults injected | alerts | transitions paged | webhook deliveries | lost | duplicates \
            | delivered during the outage \
            | Alertmanager notifications | alerting restarts | broker start-up (s) \
            | held firing delivered after broker start (s) | all 6 delivered after broker start (s) \
            | stream threads replaced | test duration (s) |
            | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
            | broker stopped %d s inside a webhook delivery | 2 | 6 \
            | %d | %d | %d | %d | %d | 0 | %.1f | %.1f | %.1f | %d | %.0f |
            """, OUTAGE.toSeconds(), keys.size(), 6 - keys.stream().distinct().count(),
            keys.size() - keys.stream().distinct().count(),
            deliveredDuringOutage, rules.stream().mapToInt(r -> notified(amNotifications.received(), r).size()).sum(),
            (back - restartCalled) / 1e9, firstDelivery, allDelivered, threadsReplaced,
            (System.nanoTime() - started) / 1e9));
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

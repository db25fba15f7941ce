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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import io.tracestream.testkit.TopicReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the alerting process after a receiver took a transition (answered 2xx) and before the
 * notifier committed it: the restarted notifier sends it again with the same idempotency key;
 * Alertmanager merges it into the alert it holds and pages once, and the webhook gets an identical
 * repeat that a receiver drops by {@code idempotencyKey}.
 *
 * <p>The kill lands in that window deterministically: the receiver's answer is held until the process
 * is dead. Alertmanager (behind a forwarding proxy of the test) and the webhook have taken the
 * transition, and the notifier cannot have committed, since it is still waiting for the answer. Nothing
 * the notifier does between reading a 2xx and committing is durable, so this is the same state as a
 * kill after the answer arrived.
 */
class NotifierKillFaultIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  @Test
  void aKillBetweenTheReceiversAnswerAndTheCommitPagesOnce() throws Exception {
    String name = "notifier-kill";
    String spans = name + ".span-metrics";
    String alerts = name + ".alerts";
    KAFKA.createTopics(2, spans, alerts);
    long started = System.nanoTime();
    long t0 = recentWindow();
    String firing = alertId(name) + "@" + t0 + ":firing";
    String resolved = alertId(name) + "@" + t0 + ":resolved";

    try (Hooks amNotifications = new Hooks();
        Alertmanager alertmanager = new Alertmanager(Files.createDirectories(dir.resolve("alertmanager")), amNotifications.url());
        Proxy proxy = new Proxy(alertmanager.url());
        Hooks webhook = new Hooks();
        KafkaProducer<byte[], byte[]> producer = CartAlert.producer(KAFKA.clientProperties())) {
      // Alertmanager first, then the webhook: the notifier delivers in the order of its receivers
      Map<String, String> settings = CartAlert.settings(name, dir, KAFKA.bootstrapServers(), proxy.url(), webhook.url(), "1m");

      // Given: the first process is killed once Alertmanager has answered 2xx for the firing alert
      Process first = AlertingProcess.start(settings, dir.resolve("alerting-first.log"));
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

      // When: a second process sends it again (Alertmanager) and is killed in the webhook's answer
      AtomicReference<Process> second = new AtomicReference<>();
      webhook.beforeNextAnswer(() -> kill(second.get()));
      second.set(AlertingProcess.start(settings, dir.resolve("alerting-second.log")));
      Await.until(TIMEOUT, "the second process to be killed in the webhook's answer", () -> !second.get().isAlive());
      assertThat(proxy.firingPosts(rule(name))).as("Alertmanager's answers to the firing alert").containsExactly(200, 200);
      OffsetAndMetadata afterSecond = committed(name, record);
      assertThat(afterSecond.offset()).as("notifier's committed offset after the second kill").isEqualTo(record.offset());
      assertThat(afterSecond.metadata()).isEqualTo("delivered=alertmanager");

      // And: a third process delivers what is left, then the resolve
      Process third = AlertingProcess.start(settings, dir.resolve("alerting-third.log"));
      try {
        Await.until(TIMEOUT, "the webhook to get the firing transition again", () -> webhook.received().size() == 2);
        fine(producer, spans, t0 + 2 * MINUTE);
        Await.until(TIMEOUT, "the webhook to get the resolved transition", () -> webhook.received().size() == 3);
        Await.until(TIMEOUT, "Alertmanager to notify the resolved alert",
            () -> notified(amNotifications.received(), rule(name)).contains("resolved"));
        Await.until(TIMEOUT, "the notifier to commit past the resolve", () -> CartAlert.notifierCaughtUp(KAFKA, name, 2));
      } finally {
        kill(third);
      }

      // Then: Alertmanager paged the firing once although it was sent twice
      assertThat(notified(amNotifications.received(), rule(name))).as("Alertmanager's notifications")
          .containsExactly("firing", "resolved");
      // and the webhook's repeat is the same transition under the same key, which a receiver drops
      List<JsonNode> hooks = webhook.received();
      assertThat(hooks).extracting(n -> n.path("idempotencyKey").asText()).containsExactly(firing, firing, resolved);
      assertThat(hooks.get(1)).as("the repeated delivery").isEqualTo(hooks.get(0));
      assertThat(hooks.stream().map(n -> n.path("idempotencyKey").asText()).distinct())
          .as("what a receiver that drops repeated keys pages").containsExactly(firing, resolved);

      ReliabilityReport.write("notifier-kill", String.format("""
          | faults injected | firing alert sent to Alertmanager | Alertmanager notifications | webhook deliveries | repeated keys | pages after dropping repeated keys | test duration (s) |
          | --- | --- | --- | --- | --- | --- | --- |
          | SIGKILL in Alertmanager's 2xx, then in the webhook's 2xx | %d | %s | %d | %d | %d | %.0f |
          """, proxy.firingPosts(rule(name)).size(), String.join(", ", notified(amNotifications.received(), rule(name))),
          hooks.size(), hooks.size() - hooks.stream().map(n -> n.path("idempotencyKey").asText()).distinct().count(),
          hooks.stream().map(n -> n.path("idempotencyKey").asText()).distinct().count(), (System.nanoTime() - started) / 1e9));
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

  /**
   * Alertmanager behind a forwarding proxy: each POST goes to Alertmanager, and Alertmanager's answer
   * goes back to the sender, after an optional action of the test.
   */
  private static final class Proxy implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<Forwarded> forwarded = new CopyOnWriteArrayList<>();
    private final AtomicReference<Runnable> beforeNextAnswer = new AtomicReference<>();

    record Forwarded(Instant at, JsonNode body, int status) {}

    Proxy(String target) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        try (exchange; InputStream in = exchange.getRequestBody()) {
          byte[] body = in.readAllBytes();
          HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
          forwarded.add(new Forwarded(Instant.now(), JSON.readTree(body), answer.statusCode()));
          Runnable action = beforeNextAnswer.getAndSet(null);
          if (action != null) {
            action.run();
          }
          exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
          }
        } catch (IOException e) {
          // the sender is gone (killed before the answer)
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void beforeNextAnswer(Runnable action) {
      beforeNextAnswer.set(action);
    }

    /** Alertmanager's answers to the POSTs that carried alert {@code alertname} firing (endsAt ahead), in order. */
    List<Integer> firingPosts(String alertname) {
      return forwarded.stream().filter(f -> f.body().valueStream().anyMatch(a ->
              alertname.equals(a.path("labels").path("alertname").asText())
                  && Instant.parse(a.path("endsAt").asText()).isAfter(f.at())))
          .map(Forwarded::status).toList();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}

package io.tracestream.alerting;

import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The alert the integration and fault tests drive: p99 of checkout {@code GET /cart} over 500 ms for
 * two minutes, with its rule file, the alerting settings of a test, and window results that breach or
 * clear it. One rule name per test ({@link #rule}): Alertmanager keys alerts by labels and tests share it.
 */
final class CartAlert {
  private static final String RULES = """
      rules:
        - name: %s
          signal: span_latency
          quantile: 0.99
          match: {service: checkout, operation: GET /cart}
          operator: ">"
          threshold: 500ms
          for: 2m
          severity: critical
          annotations:
            summary: "p99 of {{service}} {{operation}} is {{value}} (threshold {{threshold}})"
        - name: old-%s
          signal: span_latency
          quantile: 0.99
          match: {operation: GET /old}
          operator: ">"
          threshold: 500ms
      """;
  private static final SeriesKey CART_OK = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER",
      "STATUS_CODE_UNSET");
  private static final SeriesKey CART_ERROR = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER",
      "STATUS_CODE_ERROR");

  private CartAlert() {}

  static String rule(String name) {
    return "cart-p99-" + name;
  }

  static String alertId(String name) {
    return seriesOf(rule(name));
  }

  /** The alert id of rule {@code ruleName} on the cart series (a rule grouping by all its signal's labels). */
  static String seriesOf(String ruleName) {
    return ruleName + "{kind=\"SPAN_KIND_SERVER\",operation=\"GET /cart\",service=\"checkout\"}";
  }

  /**
   * Settings of test {@code name}: topics {@code name.span-metrics} and {@code name.alerts}, its own rule file
   * and state.
   */
  static Map<String, String> settings(String name, Path dir, String bootstrapServers, String alertmanagerUrl,
      String webhookUrl, String resend) throws IOException {
    Path rules = dir.resolve(name + ".rules.yaml");
    Files.writeString(rules, RULES.formatted(rule(name), name));
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrap.servers", bootstrapServers);
    s.put("topic.span-metrics", name + ".span-metrics");
    s.put("topic.alerts", name + ".alerts");
    s.put("alerting.rules.file", rules.toString());
    s.put("alerting.application.id", name);
    s.put("alerting.state.dir", dir.resolve(name + "-state").toString());
    s.put("alerting.admin.port", "0");
    s.put("alerting.alertmanager.url", alertmanagerUrl);
    s.put("alerting.webhook.url", webhookUrl);
    s.put("alerting.alertmanager.resend.interval", resend);
    s.put("alerting.window.settle", "1s");
    s.put("kafka.commit.interval.ms", "100");
    // a killed instance's group membership ends after this, not the default 45 s
    s.put("kafka.session.timeout.ms", "6000");
    s.put("kafka.heartbeat.interval.ms", "1000");
    return s;
  }

  /** p99 over 500ms: 95 spans of 10ms that are fine and 5 of 900ms that fail, in the window at {@code start}. */
  static void breach(KafkaProducer<byte[], byte[]> producer, String topic, long start) {
    send(producer, topic, CART_OK, window(start, 95, 0, 10));
    send(producer, topic, CART_ERROR, window(start, 5, 5, 900));
  }

  static void fine(KafkaProducer<byte[], byte[]> producer, String topic, long start) {
    send(producer, topic, CART_OK, window(start, 100, 0, 10));
  }

  static void send(KafkaProducer<byte[], byte[]> producer, String topic, SeriesKey key, WindowResult value) {
    // all series of a service in one partition, as the topology writes them
    producer.send(new ProducerRecord<>(topic, 0, JsonSerde.of(SeriesKey.class).toBytes(key),
        JsonSerde.of(WindowResult.class).toBytes(value)));
    producer.flush();
  }

  static KafkaProducer<byte[], byte[]> producer(Map<String, Object> clientProperties) {
    return new KafkaProducer<>(clientProperties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Windows a few minutes ago: recent enough to be paged. */
  static long recentWindow() {
    return (System.currentTimeMillis() / MINUTE - 10) * MINUTE;
  }

  /** The statuses of Alertmanager's notifications (webhook payloads) of group {@code alertname}, in order. */
  static List<String> notified(List<JsonNode> notifications, String alertname) {
    return notifications.stream()
        .filter(n -> n.path("groupLabels").path("alertname").asText().equals(alertname))
        .map(n -> n.path("status").asText()).toList();
  }

  /** The notifier group of test {@code name} has committed every committed record of its alerts topic. */
  static boolean notifierCaughtUp(KafkaBrokerExtension kafka, String name, int partitions) {
    try (Admin admin = kafka.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name + "-notifier")
          .partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        latest.put(new TopicPartition(name + ".alerts", p), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
      return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
          || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
    } catch (Exception e) {
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

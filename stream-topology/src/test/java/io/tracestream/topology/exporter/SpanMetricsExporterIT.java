package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SpanMetricsExporterIT {
  private static final String TOPIC = "it.span-metrics";
  private static final int PARTITIONS = 3;
  private static final Duration STALE_AFTER = Duration.ofMinutes(5);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final JsonSerde<SeriesKey> KEYS = JsonSerde.of(SeriesKey.class);
  private static final JsonSerde<WindowResult> VALUES = JsonSerde.of(WindowResult.class);
  private static final List<SeriesKey> SERIES = List.of(
      new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET"),
      new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR"),
      new SeriesKey("checkout", "charge", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET"),
      new SeriesKey("payment", "charge", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET"),
      new SeriesKey("payment", "SELECT accounts", "SPAN_KIND_CLIENT", "STATUS_CODE_OK"),
      new SeriesKey("cart", "redis GET", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET"));
  private static final SeriesKey ABORTED_ONLY =
      new SeriesKey("ghost", "never committed", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** What the committed windows alone give, by the pure state: the exporter must show exactly this. */
  private static final SpanMetricsState COMMITTED = new SpanMetricsState(STALE_AFTER);

  @BeforeAll
  static void produceOneCommittedAndOneAbortedTransaction() throws Exception {
    KAFKA.createTopics(PARTITIONS, TOPIC);
    Map<String, Object> config = new HashMap<>(KAFKA.clientProperties());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "span-metrics-it");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();

      producer.beginTransaction();
      for (int i = 0; i < SERIES.size(); i++) {
        int partition = i % PARTITIONS; // keyed by series: one series, one partition
        for (WindowResult result : List.of(window(MINUTE, 4, 9, 9, 3, 4, 9), window(2 * MINUTE, 30, 700, 700, 30, 700))) {
          send(producer, partition, SERIES.get(i), result);
          COMMITTED.apply(partition, SERIES.get(i), result);
        }
      }
      producer.send(new ProducerRecord<>(TOPIC, 0, KEYS.toBytes(SERIES.get(0)),
          "not a window result".getBytes(StandardCharsets.UTF_8)));
      producer.commitTransaction();

      producer.beginTransaction();
      send(producer, 0, SERIES.get(0), window(3 * MINUTE, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
      send(producer, 1, ABORTED_ONLY, window(3 * MINUTE, 1, 1, 1, 1));
      producer.flush();
      producer.abortTransaction();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, int partition, SeriesKey key, WindowResult value) {
    producer.send(new ProducerRecord<>(TOPIC, partition, KEYS.toBytes(key), VALUES.toBytes(value)));
  }

  @Test
  void exportsExactlyTheCommittedWindowsAndCountsTheUndecodableRecord() throws Exception {
    try (WindowMetricsExporter<SeriesKey, WindowResult> exporter = exporter("exactly-committed")) {
      Await.until(TIMEOUT, "the exporter to catch up", exporter::ready);

      String scrape = exporter.scrape();

      assertThat(spanMetrics(scrape)).isEqualTo(committedText());
      assertThat(scrape)
          .contains("traces_span_metrics_calls_total{service_name=\"checkout\",span_name=\"GET /cart\","
              + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"} 5\n")
          .doesNotContain("ghost")
          .contains(WindowMetricsExporter.APPLIED + "{topic=\"" + TOPIC + "\"} 12\n")
          .contains(WindowMetricsExporter.UNDECODABLE + "{topic=\"" + TOPIC + "\"} 1\n");
    }
  }

  @Test
  void twoInstancesInOneGroupExportEachSeriesExactlyOnce() throws Exception {
    Set<String> expected = samples(committedText());
    try (WindowMetricsExporter<SeriesKey, WindowResult> first = exporter("two-instances")) {
      Await.until(TIMEOUT, "the first instance to export every series",
          () -> first.ready() && samples(spanMetrics(first.scrape())).equals(expected));

      try (WindowMetricsExporter<SeriesKey, WindowResult> second = exporter("two-instances")) {
        // Then, once the group has rebalanced, the two split the series with nothing lost and nothing twice
        Await.until(TIMEOUT, "both instances to share the series", () -> {
          Set<String> a = samples(spanMetrics(first.scrape()));
          Set<String> b = samples(spanMetrics(second.scrape()));
          return second.ready() && !a.isEmpty() && !b.isEmpty() && union(a, b).equals(expected)
              && disjoint(series(a), series(b));
        });
      }
    }
  }

  private static WindowMetricsExporter<SeriesKey, WindowResult> exporter(String group) {
    return WindowMetricsExporter.spanMetrics(KAFKA.clientProperties(), TOPIC, group, STALE_AFTER, Duration.ofHours(1));
  }

  private static String committedText() throws Exception {
    StringBuilder out = new StringBuilder();
    COMMITTED.write(out);
    return out.toString();
  }

  /** The scrape without the exporter's own families, which follow the span metrics. */
  private static String spanMetrics(String scrape) {
    return scrape.substring(0, scrape.indexOf("# HELP " + WindowMetricsExporter.APPLIED));
  }

  private static Set<String> samples(String text) {
    return Arrays.stream(text.split("\n")).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toSet());
  }

  /** The series labels of each sample, without le and quantile. */
  private static Set<String> series(Set<String> samples) {
    return samples.stream()
        .map(s -> s.substring(s.indexOf('{'), s.indexOf('}')).replaceAll(",(le|quantile)=\"[^\"]*\"", ""))
        .collect(Collectors.toSet());
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> union = new HashSet<>(a);
    union.addAll(b);
    return union;
  }

  private static boolean disjoint(Set<String> a, Set<String> b) {
    return a.stream().noneMatch(b::contains);
  }
}

package io.tracestream.replay.backfill;

import io.tracestream.replay.history.HistoryBuilder;
import io.tracestream.topology.StreamTopology;
import io.tracestream.topology.TopologyConfig;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a run's result topics whole ({@code read_committed}, up to their end offsets when called). */
public final class ResultTopics {
  /** One record: its key and value as the UTF-8 JSON they are. */
  public record Entry(String topic, String key, String value) {}

  private ResultTopics() {}

  /** Every committed record of {@code topic}, partition by partition in offset order. */
  public static List<Entry> read(Map<String, Object> kafka, String topic) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.keySet().retainAll(ConsumerConfig.configNames());
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<Entry> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          out.add(new Entry(topic, utf8(record.key()), utf8(record.value())));
        }
      }
    }
    return out;
  }

  /** The window results of the run's span-metrics, trace-metrics and edges topics, for {@link HistoryBuilder}. */
  public static List<HistoryBuilder.Result> windowResults(TopologyConfig config) {
    List<HistoryBuilder.Result> out = new ArrayList<>();
    for (Entry e : read(config.kafka(), config.spanMetricsTopic())) {
      try {
        SeriesKey key = StreamTopology.SERIES_KEY.fromBytes(bytes(e.key()));
        WindowResult value = StreamTopology.WINDOW_RESULT.fromBytes(bytes(e.value()));
        out.add(new HistoryBuilder.Result(value.windowStart(), value.windowEnd(), "1" + e.key(), x -> x.spanMetrics(key, value)));
      } catch (SerializationException | NullPointerException ignored) {
        // not a window result; the live exporter skips it as well
      }
    }
    for (Entry e : read(config.kafka(), config.traceMetricsTopic())) {
      try {
        TraceSeriesKey key = StreamTopology.TRACE_SERIES_KEY.fromBytes(bytes(e.key()));
        WindowResult value = StreamTopology.WINDOW_RESULT.fromBytes(bytes(e.value()));
        out.add(new HistoryBuilder.Result(value.windowStart(), value.windowEnd(), "2" + e.key(), x -> x.traceMetrics(key, value)));
      } catch (SerializationException | NullPointerException ignored) {
        // as above
      }
    }
    for (Entry e : read(config.kafka(), config.edgesTopic())) {
      try {
        EdgeKey key = StreamTopology.EDGE_KEY.fromBytes(bytes(e.key()));
        EdgeWindowResult value = StreamTopology.EDGE_WINDOW_RESULT.fromBytes(bytes(e.value()));
        out.add(new HistoryBuilder.Result(value.windowStart(), value.windowEnd(), "3" + e.key(), x -> x.edge(key, value)));
      } catch (SerializationException | NullPointerException ignored) {
        // as above
      }
    }
    return out;
  }

  private static String utf8(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}

package io.tracestream.benchmarks;

import io.tracestream.topology.StreamTopology;
import io.tracestream.topology.model.WindowResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a window-result topic read_committed from its start on a thread of its own and notes, for
 * every result, the wall-clock time at which it became visible here: the moment its transaction was
 * committed, plus this consumer's fetch delay (fetch.max.wait.ms 20 ms, so at most tens of ms).
 */
final class ResultWatch implements AutoCloseable {
  /** One window result and when it was seen, epoch milliseconds. */
  record Seen(long windowStart, long windowEnd, long count, long seenMillis) {}

  private final List<Seen> seen = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  private ResultWatch(String bootstrap, String topic) {
    thread = new Thread(() -> watch(bootstrap, topic), "bench-result-watch");
    thread.setDaemon(true);
    thread.start();
  }

  static ResultWatch start(String bootstrap, String topic) {
    return new ResultWatch(bootstrap, topic);
  }

  private void watch(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.CLIENT_ID_CONFIG, "bench-result-watch",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of();
      while (running && partitions.isEmpty()) {
        partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (running) {
        var records = consumer.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> record : records) {
          WindowResult r = StreamTopology.WINDOW_RESULT.fromBytes(record.value());
          synchronized (seen) {
            seen.add(new Seen(r.windowStart(), r.windowEnd(), r.count(), now));
          }
        }
      }
    }
  }

  List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}

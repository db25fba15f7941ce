package io.tracestream.replay.source;

import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A past time range of a spans topic: per partition, from the first record at or after {@code start}
 * to the last before {@code end} (by record timestamp, {@code offsetsForTimes}), read
 * {@code read_committed} without a consumer group. The partitions are merged by record timestamp, so
 * the spans come out in about the order they went in, whatever the partition count.
 */
public final class TopicRangeSource {
  private static final Duration POLL = Duration.ofMillis(200);
  /** A partition is paused while this many of its records wait for the merge. */
  private static final int BUFFER = 2000;

  private final Map<String, Object> kafka;
  private final String topic;
  private final Instant start;
  private final Instant end;
  private final AtomicLong total = new AtomicLong(-1);
  private final AtomicLong done = new AtomicLong();

  public TopicRangeSource(Map<String, Object> kafkaProperties, String topic, Instant start, Instant end) {
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("--start " + start + " must be before --end " + end);
    }
    this.kafka = kafkaProperties;
    this.topic = topic;
    this.start = start;
    this.end = end;
  }

  /** Records in the range, known once reading began; -1 before. */
  public long total() {
    return total.get();
  }

  public long done() {
    return done.get();
  }

  public void readAll(SpanSink sink) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.keySet().retainAll(ConsumerConfig.configNames());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist");
      }
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> from = offsets(consumer, partitions, start, ends);
      Map<TopicPartition, Long> to = offsets(consumer, partitions, end, ends);
      Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffers = new HashMap<>();
      long records = 0;
      for (TopicPartition tp : partitions) {
        if (from.get(tp) < to.get(tp)) {
          buffers.put(tp, new ArrayDeque<>());
          records += to.get(tp) - from.get(tp);
        }
      }
      total.set(records);
      consumer.assign(buffers.keySet());
      buffers.keySet().forEach(tp -> consumer.seek(tp, from.get(tp)));
      merge(consumer, buffers, to, sink);
    }
  }

  /** Per partition, the first offset with a timestamp at or after {@code time}, or the end offset when none is. */
  private static Map<TopicPartition, Long> offsets(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
      Instant time, Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, time.toEpochMilli()));
    Map<TopicPartition, Long> out = new HashMap<>();
    consumer.offsetsForTimes(query).forEach((tp, found) -> out.put(tp, found == null ? ends.get(tp) : found.offset()));
    return out;
  }

  /** Emits the record with the smallest timestamp among the heads of every partition still being read. */
  private void merge(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffers,
      Map<TopicPartition, Long> to, SpanSink sink) {
    Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> active = new HashMap<>(buffers);
    Comparator<ConsumerRecord<byte[], byte[]>> order = Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(
        ConsumerRecord::timestamp).thenComparingInt(ConsumerRecord::partition);
    while (!active.isEmpty()) {
      // Fill: every partition still being read needs a head before the smallest can be chosen.
      while (true) {
        List<TopicPartition> finished = new ArrayList<>();
        boolean missingHead = false;
        for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e : active.entrySet()) {
          if (e.getValue().isEmpty()) {
            if (consumer.position(e.getKey()) >= to.get(e.getKey())) {
              finished.add(e.getKey());
            } else {
              missingHead = true;
            }
          }
        }
        finished.forEach(active::remove);
        if (!missingHead || active.isEmpty()) {
          break;
        }
        List<TopicPartition> full = new ArrayList<>();
        active.forEach((tp, buffer) -> {
          if (buffer.size() >= BUFFER) {
            full.add(tp);
          }
        });
        consumer.pause(full);
        consumer.resume(active.keySet().stream().filter(tp -> !full.contains(tp)).toList());
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (record.offset() < to.get(tp) && active.containsKey(tp)) {
            active.get(tp).add(record);
          }
        }
      }
      ArrayDeque<ConsumerRecord<byte[], byte[]>> next = null;
      for (ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer : active.values()) {
        if (!buffer.isEmpty() && (next == null || order.compare(buffer.peek(), next.peek()) < 0)) {
          next = buffer;
        }
      }
      if (next == null) {
        continue;
      }
      ConsumerRecord<byte[], byte[]> record = next.poll();
      done.incrementAndGet();
      String location = record.topic() + "-" + record.partition() + "@" + record.offset();
      if (record.value() == null) {
        sink.bad(location, "null value (a tombstone), not an OTLP request");
        continue;
      }
      try {
        sink.accept(OtlpCodec.decodeProtobuf(record.value()), location);
      } catch (OtlpDecodeException e) {
        sink.bad(location, e.getMessage());
      }
    }
  }
}

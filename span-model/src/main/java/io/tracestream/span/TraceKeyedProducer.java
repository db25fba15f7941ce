package io.tracestream.span;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes otlp_spans records keyed by trace id. The future of {@link #send} completes only when Kafka
 * has acknowledged every record (acks=all, idempotent), so a caller can acknowledge its own client.
 */
public final class TraceKeyedProducer implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final String topic;

  public TraceKeyedProducer(Producer<String, byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** A producer with the durable defaults, overridden by {@code kafkaProperties} (the {@code kafka.*} keys). */
  public static TraceKeyedProducer create(Map<String, Object> kafkaProperties, String topic) {
    return new TraceKeyedProducer(
        new KafkaProducer<>(producerConfig(kafkaProperties), new StringSerializer(), new ByteArraySerializer()),
        topic);
  }

  /** Durable defaults: acks=all, idempotence, lz4; then the operator's {@code kafka.*} settings. */
  public static Map<String, Object> producerConfig(Map<String, Object> kafkaProperties) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.putAll(kafkaProperties);
    return config;
  }

  public String topic() {
    return topic;
  }

  public Producer<String, byte[]> producer() {
    return producer;
  }

  /** Sends every record; completes when all are acknowledged, or exceptionally with the first failure. */
  public CompletableFuture<Void> send(List<TraceRecord> records) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (records.isEmpty()) {
      done.complete(null);
      return done;
    }
    AtomicInteger pending = new AtomicInteger(records.size());
    for (TraceRecord record : records) {
      try {
        producer.send(new ProducerRecord<>(topic, record.traceId(), record.value()), (metadata, error) -> {
          if (error != null) {
            done.completeExceptionally(error);
          } else if (pending.decrementAndGet() == 0) {
            done.complete(null);
          }
        });
      } catch (RuntimeException e) { // buffer full past max.block.ms, closed producer, ...
        done.completeExceptionally(e);
        break;
      }
    }
    return done;
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}

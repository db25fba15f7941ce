package io.tracestream.topology.exporter;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the committed window results of one topic as Prometheus metrics ({@link #scrape()}), for
 * the topology's {@code /metrics}: span metrics ({@link #spanMetrics}), whole-trace SLA metrics
 * ({@link #traceMetrics}) or dependency edges ({@link #edges}); the record types and the
 * {@link WindowState} that turns results into families are what differ.
 *
 * <p>It reads with {@code isolation.level=read_committed}, so windows of an aborted transaction are
 * never counted. The consumer group only spreads partitions over instances: offsets are never
 * committed. Each newly assigned partition is read again from its beginning and its series rebuilt,
 * so a counter has the same value whichever instance exports it, a restart never counts a window
 * twice, and each series is exported by exactly one instance at a time. The topic must therefore
 * keep its window results (no compaction; retention deletes lower counters like a reset).
 * A partition's series are left out of the scrape until it has been read up to the end offset it had
 * when assigned, so a rebuilding counter is never exported half-counted.
 */
public final class WindowMetricsExporter<K, V> implements AutoCloseable {
  static final String APPLIED = "tracestream_exporter_records_applied_total";
  static final String UNDECODABLE = "tracestream_exporter_undecodable_records_total";

  private static final Logger LOG = LoggerFactory.getLogger(WindowMetricsExporter.class);
  private static final long UNKNOWN_END = -1;
  private static final Duration POLL = Duration.ofMillis(200);

  private final String topic;
  private final JsonSerde<K> keys;
  private final JsonSerde<V> values;
  private final WindowState<K, V, ?> state;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread poller;
  /**
   * Partitions being rebuilt, with the end offset to reach ({@link #UNKNOWN_END} until looked up);
   * written by the poll thread only, read by scrapes.
   */
  private final Map<Integer, Long> rebuilding = new ConcurrentHashMap<>();
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();
  private volatile boolean assigned;
  private volatile boolean ready;
  private volatile boolean closed;

  /**
   * Exports {@code tracestream.span-metrics}: the spanmetrics connector's families and span latency
   * quantiles. Starts reading at once; the parameters are those of the constructor.
   */
  public static WindowMetricsExporter<SeriesKey, WindowResult> spanMetrics(Map<String, Object> kafkaProperties,
      String topic, String groupId, Duration staleAfter, Duration expireAfter) {
    return new WindowMetricsExporter<>(kafkaProperties, topic, groupId, SeriesKey.class, WindowResult.class,
        new SpanMetricsState(staleAfter, expireAfter));
  }

  /**
   * Exports {@code tracestream.trace-metrics}: traces, error ratio and duration quantiles per root
   * operation. Starts reading at once; the parameters are those of the constructor.
   */
  public static WindowMetricsExporter<TraceSeriesKey, WindowResult> traceMetrics(Map<String, Object> kafkaProperties,
      String topic, String groupId, Duration staleAfter, Duration expireAfter) {
    return new WindowMetricsExporter<>(kafkaProperties, topic, groupId, TraceSeriesKey.class, WindowResult.class,
        new TraceMetricsState(staleAfter, expireAfter));
  }

  /**
   * Exports {@code tracestream.edges}: the servicegraph connector's request counters and client and
   * server latency histograms per edge. Starts reading at once; the parameters are those of the
   * constructor.
   */
  public static WindowMetricsExporter<EdgeKey, EdgeWindowResult> edges(Map<String, Object> kafkaProperties,
      String topic, String groupId, Duration expireAfter) {
    return new WindowMetricsExporter<>(kafkaProperties, topic, groupId, EdgeKey.class, EdgeWindowResult.class,
        new EdgeMetricsState(expireAfter));
  }

  /**
   * Starts reading at once, on a daemon thread.
   *
   * @param kafkaProperties Kafka consumer properties (bootstrap servers, TLS, SASL, ...); the
   *     exporter sets group id, read_committed, no auto commit and the deserializers itself, and
   *     refuses properties that contradict them
   * @param topic the window-results topic, such as {@code tracestream.span-metrics}
   * @param groupId the consumer group shared by every exporter instance of one application for this
   *     topic, such as {@code <application.id>-exporter}
   * @param keyType the topic's key, read as JSON
   * @param valueType the topic's value, read as JSON
   * @param state what the results become
   */
  private WindowMetricsExporter(Map<String, Object> kafkaProperties, String topic, String groupId, Class<K> keyType,
      Class<V> valueType, WindowState<K, V, ?> state) {
    Objects.requireNonNull(kafkaProperties, "kafkaProperties");
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic must be named");
    }
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("groupId must be named");
    }
    this.topic = topic;
    this.keys = JsonSerde.of(keyType);
    this.values = JsonSerde.of(valueType);
    this.state = state;
    Map<String, Object> config = new HashMap<>(kafkaProperties);
    require(config, ConsumerConfig.GROUP_ID_CONFIG, groupId);
    require(config, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    require(config, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-" + topic);
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.poller = new Thread(this::run, "tracestream-exporter-" + topic);
    poller.setDaemon(true);
    poller.start();
  }

  private static void require(Map<String, Object> config, String key, String value) {
    Object given = config.get(key);
    if (given != null && !String.valueOf(given).equalsIgnoreCase(value)) {
      throw new IllegalArgumentException(
          key + ": the window-metrics exporter needs '" + value + "', got '" + given + "'");
    }
    config.put(key, value);
  }

  /** The Prometheus text (format 0.0.4) of the series of this instance's partitions, and its own counters. */
  public String scrape() {
    return scrape(List.of(this), false);
  }

  /**
   * One Prometheus text of several exporters (of different topics): each one's series, then the
   * exporters' own counters, one family each with a sample per topic (a family may appear only once).
   *
   * @param openMetrics OpenMetrics 1.0.0 with exemplars on the histogram buckets, without the closing
   *     {@code # EOF} (the caller ends the exposition), instead of the Prometheus text format 0.0.4
   */
  public static String scrape(List<WindowMetricsExporter<?, ?>> exporters, boolean openMetrics) {
    StringBuilder out = new StringBuilder(4096);
    try {
      for (WindowMetricsExporter<?, ?> exporter : exporters) {
        exporter.state.write(out, partition -> !exporter.rebuilding.containsKey(partition), openMetrics);
      }
      PrometheusText text = new PrometheusText(out, openMetrics);
      text.family(APPLIED, "counter", "Window results applied, rebuilds after rebalances included.");
      for (WindowMetricsExporter<?, ?> exporter : exporters) {
        text.sample(APPLIED, exporter.applied.get(), "topic", exporter.topic);
      }
      text.family(UNDECODABLE, "counter", "Records skipped because they are not valid window results.");
      for (WindowMetricsExporter<?, ?> exporter : exporters) {
        text.sample(UNDECODABLE, exporter.undecodable.get(), "topic", exporter.topic);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder does not throw
    }
    return out.toString();
  }

  /**
   * True once the group has assigned this instance its partitions (possibly none) and it has read them
   * up to the end offsets they had then; for {@code /health/ready}. Stays true across later rebalances.
   */
  public boolean ready() {
    return ready;
  }

  private void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebuild());
      while (!closed) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            apply(record);
          }
          checkRebuilt();
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          LOG.warn("window-metrics exporter: polling {} failed, retrying: {}", topic, e.toString());
          LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    try {
      K key = keys.fromBytes(record.key());
      V result = values.fromBytes(record.value());
      state.apply(record.partition(), key, result);
      applied.incrementAndGet();
    } catch (SerializationException | IllegalArgumentException e) {
      undecodable.incrementAndGet();
      LOG.debug("skipping undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.getMessage());
    }
  }

  /** Looks up the end offsets of newly assigned partitions, and ends the rebuild of those read up to them. */
  private void checkRebuilt() {
    List<TopicPartition> unknown = rebuilding.entrySet().stream()
        .filter(e -> e.getValue() == UNKNOWN_END)
        .map(e -> new TopicPartition(topic, e.getKey()))
        .toList();
    try {
      if (!unknown.isEmpty()) {
        // under read_committed these are the last stable offsets: where the committed data ends
        consumer.endOffsets(unknown, POLL).forEach((tp, end) -> rebuilding.replace(tp.partition(), UNKNOWN_END, end));
      }
      for (Map.Entry<Integer, Long> e : rebuilding.entrySet()) {
        long end = e.getValue();
        if (end != UNKNOWN_END && consumer.position(new TopicPartition(topic, e.getKey()), POLL) >= end) {
          rebuilding.remove(e.getKey());
        }
      }
    } catch (TimeoutException e) {
      return; // the broker is slow or away; try again after the next poll
    }
    if (assigned && rebuilding.isEmpty() && !ready) {
      ready = true;
      LOG.info("window-metrics exporter caught up on {} partitions {}", topic, consumer.assignment());
    }
  }

  /** Runs inside {@code poll}, on the poll thread. */
  private final class Rebuild implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
      numbers.forEach(p -> rebuilding.put(p, UNKNOWN_END)); // hidden from scrapes until rebuilt
      state.dropPartitions(numbers); // a partition never keeps state from an earlier assignment
      consumer.seekToBeginning(partitions);
      assigned = true;
      LOG.info("window-metrics exporter assigned {}, rebuilding them from the beginning", partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
      state.dropPartitions(numbers); // before un-hiding, so a half-rebuilt partition never shows
      numbers.forEach(rebuilding::remove);
    }
  }

  /** Stops reading and closes the consumer, which leaves the group so another instance takes over. */
  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      poller.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

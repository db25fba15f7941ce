package io.tracestream.topology;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The load of {@link StandbyFailoverFaultIT}: a preload sent at once, then a steady rate of traces
 * web -> orders -> (postgresql, stock -> redis), 8 spans each, ending at the time they are sent, as
 * one record per service keyed by trace id (so a trace's records share its partition).
 */
final class FailoverLoad {
  static final int SPANS_PER_TRACE = 8;
  private static final long TRACE_ID_HIGH = 0xFA11L;
  private static final long FLUSH_TRACE_ID_HIGH = 0xF1F1L;

  private final String bootstrapServers;
  private final String topic;
  private final int partitions;
  private final int preload;
  private final int perSecond;
  private final KafkaProducer<String, byte[]> producer;
  private final List<String> traceIds = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Thread thread = new Thread(this::run, "failover-load");
  private long spanIds = 1;

  FailoverLoad(String bootstrapServers, String topic, int partitions, int preload, int perSecond) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.partitions = partitions;
    this.preload = preload;
    this.perSecond = perSecond;
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer());
  }

  void start() {
    thread.start();
  }

  int sentTraces() {
    return traceIds.size();
  }

  /** Every trace id sent, in sending order. */
  List<String> traceIds() {
    return List.copyOf(traceIds);
  }

  /** The first trace sent to each partition. */
  List<String> probes() {
    String[] first = new String[partitions];
    for (String id : traceIds) {
      int p = partition(id);
      if (first[p] == null) {
        first[p] = id;
      }
    }
    return List.of(first);
  }

  /** The partition of a trace id: Kafka's default partitioner on the key, as the producer uses it. */
  int partition(String traceId) {
    return Utils.toPositive(Utils.murmur2(traceId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Stops sending and waits until everything sent is acknowledged. */
  void stopAndFlush() throws InterruptedException {
    stop.set(true);
    thread.join(Duration.ofSeconds(30).toMillis());
    producer.close(Duration.ofSeconds(30));
  }

  /**
   * Completes every trace sent: one span per partition ending {@code ahead} from now moves each trace
   * assembly task's event time past every trace's idle gap (wall-clock idle.close is out of the way).
   */
  void flush(Duration ahead) throws Exception {
    long end = (System.currentTimeMillis() + ahead.toMillis()) * 1_000_000L;
    try (KafkaProducer<String, byte[]> flusher = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
      for (int partition = 0; partition < partitions; partition++) {
        ByteString traceId = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(FLUSH_TRACE_ID_HIGH).putLong(partition).array());
        Span span = span(traceId, null, "flush", Span.SpanKind.SPAN_KIND_SERVER, end, 1);
        flusher.send(new ProducerRecord<>(topic, partition, TraceIds.toHex(traceId),
            TopologyFixture.request("flush", span).toByteArray())).get();
      }
    }
  }

  void interrupt() {
    stop.set(true);
    thread.interrupt();
  }

  /** The first send that failed, or null. */
  Exception failure() {
    return failure.get();
  }

  private void run() {
    long steadyFrom = 0;
    for (long i = 0; !stop.get() && !Thread.currentThread().isInterrupted(); i++) {
      if (i == preload) {
        steadyFrom = System.nanoTime();
      }
      if (i >= preload) {
        LockSupport.parkNanos(steadyFrom + (i - preload) * 1_000_000_000L / perSecond - System.nanoTime());
      }
      try {
        send(i);
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
        return;
      }
    }
  }

  private void send(long n) {
    ByteString traceId = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(TRACE_ID_HIGH).putLong(n).array());
    long end = System.currentTimeMillis() * 1_000_000L;
    Span checkout = span(traceId, null, "GET /checkout", Span.SpanKind.SPAN_KIND_SERVER, end, 120);
    Span callOrders = span(traceId, checkout, "POST /orders", Span.SpanKind.SPAN_KIND_CLIENT, end - 2_000_000, 100);
    Span orders = span(traceId, callOrders, "POST /orders", Span.SpanKind.SPAN_KIND_SERVER, end - 3_000_000, 95);
    Span insert = span(traceId, orders, "INSERT orders", Span.SpanKind.SPAN_KIND_CLIENT, end - 50_000_000, 10).toBuilder()
        .addAttributes(attribute("db.system", "postgresql")).addAttributes(attribute("db.name", "orders")).build();
    Span price = span(traceId, orders, "price", Span.SpanKind.SPAN_KIND_INTERNAL, end - 45_000_000, 5);
    Span callStock = span(traceId, orders, "GET /stock", Span.SpanKind.SPAN_KIND_CLIENT, end - 5_000_000, 40);
    Span stock = span(traceId, callStock, "GET /stock", Span.SpanKind.SPAN_KIND_SERVER, end - 6_000_000, 35);
    Span redis = span(traceId, stock, "GET", Span.SpanKind.SPAN_KIND_CLIENT, end - 10_000_000, 2).toBuilder()
        .addAttributes(attribute("db.system", "redis")).build();
    String key = TraceIds.toHex(traceId);
    for (byte[] value : List.of(TopologyFixture.request("web", checkout, callOrders).toByteArray(),
        TopologyFixture.request("orders", orders, insert, price, callStock).toByteArray(),
        TopologyFixture.request("stock", stock, redis).toByteArray())) {
      producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
    }
    traceIds.add(key);
  }

  private synchronized Span span(ByteString traceId, Span parent, String name, Span.SpanKind kind, long endNanos, long durationMs) {
    Span.Builder span = Span.newBuilder().setTraceId(traceId)
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(spanIds++).array()))
        .setName(name).setKind(kind)
        .setStartTimeUnixNano(endNanos - durationMs * 1_000_000L).setEndTimeUnixNano(endNanos);
    if (parent != null) {
      span.setParentSpanId(parent.getSpanId());
    }
    return span.build();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}

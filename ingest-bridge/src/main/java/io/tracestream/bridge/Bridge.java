package io.tracestream.bridge;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tracestream.admin.AdminServer;
import io.tracestream.admin.ProcessMetrics;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest bridge: OTLP gRPC and HTTP receivers (and, when configured, Jaeger Thrift over HTTP and UDP)
 * writing to Kafka, its admin port, and the optional forward. {@link #start} returns once every port is
 * bound; {@link #close} stops taking requests, lets those in flight finish, then flushes and closes the
 * producer.
 */
public final class Bridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

  private final PrometheusMeterRegistry registry;
  private final KafkaHealth health;
  private final TraceKeyedProducer producer;
  private final KafkaClientMetrics producerMetrics;
  private final Forwarder forwarder;
  private final GrpcReceiver grpc;
  private final HttpReceiver http;
  private final JaegerHttpReceiver jaegerHttp;
  private final JaegerUdpReceiver jaegerUdp;
  private final AdminServer admin;

  private Bridge(BridgeConfig config) throws IOException {
    registry = ProcessMetrics.registry("bridge");
    BridgeMetrics metrics = new MicrometerBridgeMetrics(registry);

    health = new KafkaHealth(config.kafka(), config.healthInterval());
    producer = TraceKeyedProducer.create(producerConfig(config), config.spansTopic());
    producerMetrics = new KafkaClientMetrics(producer.producer());
    producerMetrics.bindTo(registry);
    MemoryBudget budget = new MemoryBudget(config.memoryBudget(), config.grpcLimits().reservedBytes());
    Gauge.builder("tracestream.bridge.memory.budget", budget, MemoryBudget::limit).baseUnit("bytes")
        .description("bridge.memory.budget: heap the requests in flight and the forward queue may hold")
        .register(registry);
    Gauge.builder("tracestream.bridge.memory.reserved", budget, MemoryBudget::reserved).baseUnit("bytes")
        .description("bytes of bridge.memory.budget reserved at start for the gRPC connections' flow-control windows")
        .register(registry);
    Gauge.builder("tracestream.bridge.memory.used", budget, MemoryBudget::used).baseUnit("bytes")
        .description("bytes of bridge.memory.budget held now by requests in flight and the forward queue")
        .register(registry);
    forwarder = config.forwardEndpoint()
        .<Forwarder>map(uri -> new OtlpForwarder(uri, budget, config.forwardQueueBytes(), config.forwardTimeout(),
            metrics))
        .orElse(Forwarder.NONE);
    SpanIngest ingest = new SpanIngest(new TraceSplitter(config.maxRecordBytes()), producer, health::reachable,
        budget, config.ackTimeout(), forwarder, metrics);
    health.start();
    admin = new AdminServer(config.adminBind(), config.adminPort(), config.adminTls(), config.adminLimits(),
        config.adminAuth(), registry::scrape, health::reachable,
        "Kafka at " + config.kafka().get("bootstrap.servers") + " is not reachable");
    grpc = new GrpcReceiver(config.bind(), config.grpcPort(), config.maxRequestBytes(), config.retryAfter(),
        config.tls(), config.auth(), config.grpcLimits(), ingest, metrics);
    Gauge.builder("tracestream.bridge.grpc.connections", grpc, GrpcReceiver::connections)
        .description("open gRPC connections; at most bridge.grpc.max.connections").register(registry);
    http = new HttpReceiver(config.bind(), config.httpPort(), config.httpThreads(), config.httpLimits(),
        config.maxRequestBytes(), config.retryAfter(), config.tls(), config.auth(), config.corsOrigins(), ingest,
        metrics);
    JaegerIngest jaeger = new JaegerIngest(ingest);
    jaegerHttp = config.jaegerHttpPort().isEmpty() ? null : new JaegerHttpReceiver(config.bind(),
        config.jaegerHttpPort().getAsInt(), config.httpThreads(), config.httpLimits(), config.maxRequestBytes(),
        config.retryAfter(), config.tls(), config.auth(), jaeger, metrics);
    jaegerUdp = config.jaegerUdpPort().isEmpty() ? null : new JaegerUdpReceiver(config.bind(),
        config.jaegerUdpPort().getAsInt(), config.jaegerUdpReceiveBuffer(), jaeger, metrics);
    if (jaegerHttp != null || jaegerUdp != null) {
      LOG.info("bridge listening for Jaeger Thrift: {}{}",
          jaegerHttp == null ? "" : "HTTP " + config.bind() + ":" + jaegerHttp.port() + " (POST /api/traces) ",
          jaegerUdp == null ? "" : "UDP " + config.bind() + ":" + jaegerUdp.port() + " (emitBatch, compact)");
    }
    LOG.info("bridge listening: OTLP gRPC {}:{}, OTLP HTTP {}:{} ({}{}{}), admin {}:{} ({}); writing to topic {} at {}",
        config.bind(), grpc.port(), config.bind(), http.port(),
        config.tls().map(t -> t.mutual() ? "mTLS" : "TLS").orElse("plaintext"),
        config.auth().isPresent() ? ", bearer tokens" : "",
        config.corsOrigins().isEmpty() ? "" : ", CORS " + config.corsOrigins(),
        config.adminBind(), admin.port(), config.adminTls().map(t -> t.mutual() ? "mTLS" : "TLS").orElse("plaintext"),
        config.spansTopic(), config.kafka().get("bootstrap.servers"));
  }

  public static Bridge start(BridgeConfig config) throws IOException {
    return new Bridge(config);
  }

  /**
   * The Kafka producer settings the bridge runs with for {@code config}. Public so that a benchmark's
   * baseline producer writes exactly as the bridge does, without copying these settings.
   *
   * <p>A request waits at most {@code bridge.kafka.ack.timeout} for Kafka, and {@code max.block.ms} bounds
   * how long a send may wait for buffer space or metadata, so a full buffer is answered quickly.
   */
  public static Map<String, Object> producerConfig(BridgeConfig config) {
    Map<String, Object> kafka = new HashMap<>();
    long ackMs = config.ackTimeout().toMillis();
    kafka.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(ackMs, 1000L));
    kafka.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1 << 20, config.maxRecordBytes() + (64 << 10)));
    kafka.put(ProducerConfig.CLIENT_ID_CONFIG, "tracestream-bridge");
    kafka.putAll(config.kafka());
    return TraceKeyedProducer.producerConfig(kafka);
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int httpPort() {
    return http.port();
  }

  /** The Jaeger Thrift HTTP port, if {@code bridge.jaeger.http.port} is set. */
  public OptionalInt jaegerHttpPort() {
    return jaegerHttp == null ? OptionalInt.empty() : OptionalInt.of(jaegerHttp.port());
  }

  /** The Jaeger Thrift UDP port, if {@code bridge.jaeger.udp.port} is set. */
  public OptionalInt jaegerUdpPort() {
    return jaegerUdp == null ? OptionalInt.empty() : OptionalInt.of(jaegerUdp.port());
  }

  public int adminPort() {
    return admin.port();
  }

  @Override
  public void close() {
    grpc.close();
    http.close();
    if (jaegerHttp != null) {
      jaegerHttp.close();
    }
    if (jaegerUdp != null) {
      jaegerUdp.close();
    }
    forwarder.close();
    producer.flush();
    producerMetrics.close();
    producer.close();
    health.close();
    admin.close();
    registry.close();
  }
}

package io.tracestream.bridge;

import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import io.tracestream.tls.TlsConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/** The bridge's settings, validated at start; every key is documented in ingest-bridge/README.md. */
public record BridgeConfig(
    Map<String, Object> kafka,
    String spansTopic,
    String bind,
    int grpcPort,
    int httpPort,
    int adminPort,
    int maxRequestBytes,
    int maxRecordBytes,
    long memoryBudget,
    Duration ackTimeout,
    Duration healthInterval,
    Duration retryAfter,
    int httpThreads,
    HttpLimits httpLimits,
    String adminBind,
    HttpLimits adminLimits,
    Optional<URI> forwardEndpoint,
    long forwardQueueBytes,
    Duration forwardTimeout,
    Optional<TlsConfig> tls,
    Optional<TlsConfig> adminTls,
    Optional<BearerAuth> auth,
    Optional<BearerAuth> adminAuth,
    List<String> corsOrigins,
    GrpcLimits grpcLimits,
    OptionalInt jaegerHttpPort,
    OptionalInt jaegerUdpPort,
    int jaegerUdpReceiveBuffer) {

  public static final List<ConfigKey> KEYS = Stream.of(List.of(
      new ConfigKey("kafka.bootstrap.servers", "127.0.0.1:9092",
          "Kafka brokers; every kafka.* key goes to the producer as is"),
      new ConfigKey("topic.spans", "otlp_spans", "topic the spans are written to, keyed by trace id"),
      new ConfigKey("bridge.bind", "127.0.0.1", "address the OTLP ports bind to (and the admin port, unless"
          + " bridge.admin.bind is set)"),
      new ConfigKey("bridge.admin.bind", "the value of bridge.bind", "address the admin port binds to, e.g."
          + " 127.0.0.1 or an ops network's address while OTLP listens on 0.0.0.0"),
      new ConfigKey("bridge.grpc.port", "4317", "OTLP/gRPC port"),
      new ConfigKey("bridge.http.port", "4318", "OTLP/HTTP port (POST /v1/traces)"),
      new ConfigKey("bridge.admin.port", "9464", "/metrics, /health/live, /health/ready"),
      new ConfigKey("bridge.max.request.bytes", "16MiB",
          "largest request body after decompression; larger gets 413 / RESOURCE_EXHAUSTED"),
      new ConfigKey("bridge.max.record.bytes", "900KiB",
          "largest Kafka record value; a larger trace is split over several records"),
      new ConfigKey("bridge.memory.budget", "25%", "heap the requests in flight may hold in all (bodies, decoded"
          + " JSON, Kafka records, the forward queue), in bytes or as a percentage of the maximum heap; past it"
          + " 503 / UNAVAILABLE, or 413 / RESOURCE_EXHAUSTED for a request that needs more than three quarters of it"),
      new ConfigKey("bridge.kafka.ack.timeout", "5s",
          "how long a request waits for Kafka's acknowledgement before 503 / UNAVAILABLE"),
      new ConfigKey("bridge.kafka.health.interval", "1s", "how often Kafka reachability is checked"),
      new ConfigKey("bridge.retry.after", "1s", "the delay advised to clients in Retry-After / RetryInfo"),
      new ConfigKey("bridge.http.threads", "32", "OTLP/HTTP requests whose bodies are read and processed at once;"
          + " more wait for a turn (a client stalling in its headers takes none)"),
      new ConfigKey("bridge.jaeger.http.port", null, "Jaeger Thrift over HTTP (POST /api/traces, a Batch in the"
          + " binary protocol, as Jaeger clients send to JAEGER_ENDPOINT); Jaeger's collector port is 14268;"
          + " unset: off"),
      new ConfigKey("bridge.jaeger.udp.port", null, "Jaeger Thrift over UDP (the agent's emitBatch in the compact"
          + " protocol, as Jaeger clients send to JAEGER_AGENT_HOST); Jaeger's agent port is 6831; unset: off"),
      new ConfigKey("bridge.jaeger.udp.receive.buffer", "4MiB", "the UDP socket's receive buffer (SO_RCVBUF; the"
          + " OS may cap it, Linux at net.core.rmem_max): datagrams arriving while it is full are lost uncounted"),
      new ConfigKey("bridge.forward.otlp.endpoint", null,
          "OTLP/gRPC endpoint (Jaeger) that accepted spans are also sent to, e.g. http://127.0.0.1:14317"),
      new ConfigKey("bridge.forward.queue.bytes", "a quarter of bridge.memory.budget", "bytes of requests"
          + " waiting to be forwarded, within bridge.memory.budget; past it they are dropped and counted"),
      new ConfigKey("bridge.forward.timeout", "5s", "deadline of one forward call"),
      new ConfigKey("bridge.cors.allowed.origins", null,
          "comma-separated origins (https://app.example.com) browsers may send OTLP/HTTP from; * for any; unset: no "
              + "CORS headers"),
      new ConfigKey("bridge.grpc.max.connections", "a quarter of bridge.memory.budget over"
          + " bridge.grpc.flow.control.window, at most 256", "open gRPC connections; more are closed as they are"
          + " accepted. Their flow-control windows are reserved from bridge.memory.budget: at most a quarter of it"),
      new ConfigKey("bridge.grpc.max.connections.per.address", "32", "open gRPC connections from one client"
          + " address; more are closed as they are accepted"),
      new ConfigKey("bridge.grpc.flow.control.window", "64KiB", "HTTP/2 flow-control window of a gRPC"
          + " connection: what a client may send before a call reads it (at least 65535 bytes)"),
      new ConfigKey("bridge.grpc.handshake.timeout", "10s", "a gRPC connection that has not begun HTTP/2 (and"
          + " TLS) this long after it was accepted is closed"),
      new ConfigKey("bridge.grpc.read.timeout", "30s", "a gRPC call whose message has not arrived whole this long"
          + " after its headers is cancelled (a client sending slowly would hold its part of the memory budget)"),
      new ConfigKey("bridge.grpc.max.concurrent.calls", "100",
          "concurrent calls (HTTP/2 streams) per gRPC connection; more are refused"),
      new ConfigKey("bridge.grpc.max.rst.frames", "200",
          "RST_STREAM frames a client may send per bridge.grpc.rst.window before its connection is closed (rapid "
              + "reset)"),
      new ConfigKey("bridge.grpc.rst.window", "10s", "window of bridge.grpc.max.rst.frames"),
      new ConfigKey("bridge.grpc.max.connection.idle", "5m", "a gRPC connection without calls this long is closed"),
      new ConfigKey("bridge.grpc.max.connection.age", "30m",
          "a gRPC connection is closed gracefully (GOAWAY) after this long, so clients rebalance"),
      new ConfigKey("bridge.grpc.permit.keepalive.time", "30s",
          "clients pinging more often than this are disconnected")),
      BearerAuth.keys("bridge", "OTLP clients"),
      BearerAuth.keys("bridge.admin", "clients of the admin port (except /health/live)"),
      HttpLimits.keys("bridge.http", "the OTLP/HTTP port"),
      HttpLimits.keys("bridge.admin", "the admin port"),
      TlsConfig.keys("bridge", "the OTLP ports (gRPC and HTTP)"),
      TlsConfig.keys("bridge.admin", "the admin port"))
      .flatMap(List::stream).toList();

  public static final String MEMORY_BUDGET = "bridge.memory.budget";
  /** Keys that were replaced; naming the replacement beats "unknown key". */
  private static final Map<String, String> REPLACED = Map.of(
      "bridge.max.inflight.bytes", MEMORY_BUDGET,
      "bridge.forward.queue", "bridge.forward.queue.bytes");

  public static BridgeConfig from(Settings settings) {
    return from(settings, Runtime.getRuntime().maxMemory());
  }

  /** With {@code maxHeap} as the heap a percentage of {@code bridge.memory.budget} is taken of. */
  static BridgeConfig from(Settings settings, long maxHeap) {
    REPLACED.forEach((old, replacement) -> {
      if (settings.optional(old).isPresent()) {
        throw new ConfigException(old, "was replaced by " + replacement + " (see ingest-bridge/README.md)");
      }
    });
    settings.requireKnown("bridge.", KEYS);
    Map<String, Object> kafka = settings.kafkaClientProperties();
    long budget = memoryBudget(settings, maxHeap);
    return new BridgeConfig(
        kafka,
        nonEmpty(settings, "topic.spans", "otlp_spans"),
        nonEmpty(settings, "bridge.bind", "127.0.0.1"),
        settings.port("bridge.grpc.port", 4317),
        settings.port("bridge.http.port", 4318),
        settings.port("bridge.admin.port", 9464),
        (int) settings.bytes("bridge.max.request.bytes", 16 << 20, 1024, Integer.MAX_VALUE - 8),
        (int) settings.bytes("bridge.max.record.bytes", 900 << 10, 1024, 64 << 20),
        budget,
        settings.duration("bridge.kafka.ack.timeout", Duration.ofSeconds(5)),
        settings.duration("bridge.kafka.health.interval", Duration.ofSeconds(1)),
        settings.duration("bridge.retry.after", Duration.ofSeconds(1)),
        settings.integer("bridge.http.threads", 32, 1, 1024),
        HttpLimits.from(settings, "bridge.http"),
        nonEmpty(settings, "bridge.admin.bind", nonEmpty(settings, "bridge.bind", "127.0.0.1")),
        HttpLimits.from(settings, "bridge.admin"),
        settings.optional("bridge.forward.otlp.endpoint").map(v -> endpoint("bridge.forward.otlp.endpoint", v)),
        settings.bytes("bridge.forward.queue.bytes", budget / 4, 0, budget),
        settings.duration("bridge.forward.timeout", Duration.ofSeconds(5)),
        TlsConfig.from(settings, "bridge"),
        TlsConfig.from(settings, "bridge.admin"),
        BearerAuth.from(settings, "bridge"),
        BearerAuth.from(settings, "bridge.admin"),
        origins(settings.optional("bridge.cors.allowed.origins")),
        grpcLimits(settings, budget),
        optionalPort(settings, "bridge.jaeger.http.port"),
        optionalPort(settings, "bridge.jaeger.udp.port"),
        (int) settings.bytes("bridge.jaeger.udp.receive.buffer", 4 << 20, 64 << 10, 256 << 20));
  }

  /** A port that is off while its key is unset; 0 is any free port. */
  private static OptionalInt optionalPort(Settings settings, String key) {
    return settings.optional(key).isPresent() ? OptionalInt.of(settings.port(key, 0)) : OptionalInt.empty();
  }

  /**
   * The gRPC limits; {@code bridge.grpc.max.connections} times {@code bridge.grpc.flow.control.window} is
   * reserved from the budget, and may take at most a quarter of it.
   */
  private static GrpcLimits grpcLimits(Settings settings, long budget) {
    int window = (int) settings.bytes("bridge.grpc.flow.control.window", 64 << 10,
        GrpcLimits.MIN_FLOW_CONTROL_WINDOW, 16 << 20);
    long fits = budget / 4 / window;
    int connections = settings.integer("bridge.grpc.max.connections", (int) Math.max(1, Math.min(256, fits)), 1,
        100_000);
    if (connections > fits) {
      throw new ConfigException("bridge.grpc.max.connections", connections + " connections with a window of " + window
          + " bytes (bridge.grpc.flow.control.window) need " + (long) connections * window
          + " bytes, more than a quarter of bridge.memory.budget (" + budget + " bytes)");
    }
    return new GrpcLimits(
        connections,
        settings.integer("bridge.grpc.max.connections.per.address", 32, 1, 100_000),
        window,
        settings.duration("bridge.grpc.handshake.timeout", Duration.ofSeconds(10)),
        settings.duration("bridge.grpc.read.timeout", Duration.ofSeconds(30)),
        settings.integer("bridge.grpc.max.concurrent.calls", 100, 1, 100_000),
        settings.integer("bridge.grpc.max.rst.frames", 200, 1, 1_000_000),
        settings.duration("bridge.grpc.rst.window", Duration.ofSeconds(10)),
        settings.duration("bridge.grpc.max.connection.idle", Duration.ofMinutes(5)),
        settings.duration("bridge.grpc.max.connection.age", Duration.ofMinutes(30)),
        settings.duration("bridge.grpc.permit.keepalive.time", Duration.ofSeconds(30)));
  }

  /**
   * {@value #MEMORY_BUDGET}: bytes, or a percentage of the maximum heap; at least 1 MiB and twice
   * {@code bridge.max.record.bytes} (a request must be able to hold a record), at most the heap.
   */
  private static long memoryBudget(Settings settings, long maxHeap) {
    String raw = settings.string(MEMORY_BUDGET, "25%").strip();
    long budget;
    if (raw.endsWith("%")) {
      int percent;
      try {
        percent = Integer.parseInt(raw.substring(0, raw.length() - 1).strip());
      } catch (NumberFormatException e) {
        throw new ConfigException(MEMORY_BUDGET, "expected a size such as 64MiB or a percentage of the heap such as"
            + " 25%, got '" + raw + "'");
      }
      if (percent < 1 || percent > 90) {
        throw new ConfigException(MEMORY_BUDGET, "expected a percentage of the heap in [1, 90], got " + percent + "%");
      }
      budget = maxHeap * percent / 100;
    } else {
      budget = settings.bytes(MEMORY_BUDGET, 0, 1, Long.MAX_VALUE);
    }
    long record = settings.bytes("bridge.max.record.bytes", 900 << 10, 1024, 64 << 20);
    long least = Math.max(1L << 20, 2 * record);
    if (budget < least) {
      throw new ConfigException(MEMORY_BUDGET, budget + " bytes is less than " + least
          + " (1 MiB, and twice bridge.max.record.bytes)");
    }
    if (budget > maxHeap) {
      throw new ConfigException(MEMORY_BUDGET, budget + " bytes is more than the maximum heap, " + maxHeap
          + " bytes (-Xmx)");
    }
    return budget;
  }

  private static List<String> origins(Optional<String> raw) {
    if (raw.isEmpty()) {
      return List.of();
    }
    List<String> origins = new java.util.ArrayList<>();
    for (String origin : raw.get().split(",")) {
      String o = origin.strip();
      if (o.isEmpty()) {
        continue;
      }
      if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
        throw new ConfigException("bridge.cors.allowed.origins",
            "expected origins such as https://app.example.com (scheme://host[:port], no path) or *, got '" + o + "'");
      }
      origins.add(o);
    }
    return List.copyOf(origins);
  }

  private static String nonEmpty(Settings settings, String key, String defaultValue) {
    String value = settings.string(key, defaultValue);
    if (value.isBlank()) {
      throw new ConfigException(key, "must not be blank");
    }
    return value;
  }

  private static URI endpoint(String key, String value) {
    try {
      URI uri = new URI(value.contains("://") ? value : "http://" + value);
      if (uri.getHost() == null || uri.getPort() <= 0) {
        throw new ConfigException(key, "expected http://host:port, got '" + value + "'");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(key, "expected http://host:port, got '" + value + "'");
    }
  }
}

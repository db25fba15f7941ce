package io.tracestream.benchmarks;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Bridge ingest in spans/s for OTLP/gRPC requests of 512 spans, next to a baseline that only produces
 * the same spans, split and encoded beforehand, to the same broker with the bridge's producer settings.
 * The ratio bridge/baseline is the share of the raw Kafka write rate the bridge keeps after gRPC, OTLP
 * decoding, splitting by trace and acknowledging each request.
 *
 * <p>Options, as {@code --name value} or {@code -Dbench.name=value}: {@code duration} seconds (20),
 * {@code warmup} seconds (5), {@code concurrency} calls in flight (16), {@code requests} distinct
 * pre-generated requests (64), {@code partitions} (6), {@code out} Markdown file
 * ({@code benchmarks/results/bridge-ingest.md}). The broker is {@code KAFKA_BOOTSTRAP_SERVERS} when set,
 * else a KRaft broker started in this JVM.
 */
public final class BridgeIngestBench {
  static final int SPANS_PER_REQUEST = 512;
  private static final long SEED = 42;

  private BridgeIngestBench() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    BenchBroker.run(broker -> run(options, broker));
  }

  private static void run(Options options, BenchBroker broker) throws Exception {
    String bootstrap = broker.bootstrap();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    String baselineTopic = "bench_baseline_" + runId;
    String bridgeTopic = "bench_bridge_" + runId;
    broker.createTopics(options.partitions(), baselineTopic, bridgeTopic);

    System.out.printf("generating %d requests of %d spans ...%n", options.requests(), SPANS_PER_REQUEST);
    List<ExportTraceServiceRequest> requests = RealisticSpans.generate(options.requests(), SPANS_PER_REQUEST, SEED);
    List<byte[]> bodies = requests.stream().map(ExportTraceServiceRequest::toByteArray).toList();

    // Baseline: the bridge's own settings and splitter, applied once before the clock starts.
    BridgeConfig baselineConfig = bridgeConfig(bootstrap, baselineTopic);
    TraceSplitter splitter = new TraceSplitter(baselineConfig.maxRecordBytes());
    List<List<TraceRecord>> records = new ArrayList<>();
    int[] spans = new int[requests.size()];
    for (int i = 0; i < requests.size(); i++) {
      SplitResult split = splitter.split(requests.get(i));
      if (split.rejectedSpans() > 0) {
        throw new IllegalStateException("generated request " + i + " has rejected spans: " + split.rejectionMessage());
      }
      records.add(split.records());
      spans[i] = split.acceptedSpans();
    }
    Workload workload = Workload.of(bodies, records);

    System.out.printf("baseline: producing pre-split records to %s, %d in flight, %d s warm-up + %d s ...%n",
        baselineTopic, options.concurrency(), options.warmup().toSeconds(), options.duration().toSeconds());
    System.gc();
    ClosedLoop.Result baseline;
    try (TraceKeyedProducer producer =
        TraceKeyedProducer.create(Bridge.producerConfig(baselineConfig), baselineTopic)) {
      baseline = ClosedLoop.run("baseline", options.concurrency(), options.warmup(), options.duration(), spans,
          i -> producer.send(records.get(i)).thenApply(done -> true));
    }

    System.out.printf("bridge: OTLP/gRPC Export to the bridge writing %s, %d in flight, %d s warm-up + %d s ...%n",
        bridgeTopic, options.concurrency(), options.warmup().toSeconds(), options.duration().toSeconds());
    System.gc();
    ClosedLoop.Result bridge;
    try (Bridge running = Bridge.start(bridgeConfig(bootstrap, bridgeTopic))) {
      awaitReady(running.adminPort());
      try (GrpcExportClient client = new GrpcExportClient("127.0.0.1", running.grpcPort(), Duration.ofSeconds(30))) {
        bridge = ClosedLoop.run("bridge", options.concurrency(), options.warmup(), options.duration(), spans,
            i -> client.export(bodies.get(i)));
      }
    }

    String report = Report.markdown(options, broker.description(), workload, baseline, bridge);
    Report.publish(Path.of(options.out()), report);
  }

  /** The bridge's configuration on ephemeral ports, as an operator would set it, writing to {@code topic}. */
  static BridgeConfig bridgeConfig(String bootstrap, String topic) {
    return BridgeConfig.from(Settings.of(Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "topic.spans", topic,
        "bridge.grpc.port", "0",
        "bridge.http.port", "0",
        "bridge.admin.port", "0")));
  }

  /** The bridge answers UNAVAILABLE until its first Kafka health check passes; start the clock after it. */
  static void awaitReady(int adminPort) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready")).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the bridge did not become ready within 30 s");
      }
      Thread.sleep(100);
    }
  }

  /** What one request is on the wire and in Kafka, for the report. */
  record Workload(int requests, double meanRequestBytes, double meanRecordsPerRequest, double meanRecordBytes) {
    static Workload of(List<byte[]> bodies, List<List<TraceRecord>> records) {
      double requestBytes = bodies.stream().mapToInt(b -> b.length).average().orElse(0);
      double recordsPerRequest = records.stream().mapToInt(List::size).average().orElse(0);
      double recordBytes = records.stream().flatMap(List::stream).mapToInt(r -> r.value().length).average().orElse(0);
      return new Workload(bodies.size(), requestBytes, recordsPerRequest, recordBytes);
    }
  }

  record Options(Duration duration, Duration warmup, int concurrency, int requests, int partitions, String out) {
    static Options parse(String[] args) {
      BenchArgs given = BenchArgs.parse(args, List.of("duration", "warmup", "concurrency", "requests", "partitions", "out"));
      return new Options(
          Duration.ofSeconds(given.number("duration", 20, 1)),
          Duration.ofSeconds(given.number("warmup", 5, 0)),
          given.number("concurrency", 16, 1),
          given.number("requests", 64, 1),
          given.number("partitions", 6, 1),
          given.value("out", "benchmarks/results/bridge-ingest.md"));
    }
  }
}

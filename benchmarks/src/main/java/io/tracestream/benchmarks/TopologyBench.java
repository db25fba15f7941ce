package io.tracestream.benchmarks;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.StreamTopology;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The span-metrics topology in spans/s, next to a baseline that only reads the same records with a plain
 * consumer and decodes them. Both read one topic, pre-loaded with the records the bridge writes
 * ({@link TraceSplitter}, {@link TraceKeyedProducer}) for {@link RealisticSpans} whose end times are spread
 * over the minutes before the run, so windows close while the topology works. The ratio
 * topology/baseline is the share of the raw read-and-decode rate that the topology keeps after
 * repartitioning, windowing in RocksDB and exactly-once commits.
 *
 * <p>Options, as {@code --name value} or {@code -Dbench.name=value}: {@code spans} to load (2,500,000),
 * {@code partitions} (6), {@code spread} seconds of event time the spans cover (300), {@code window} (1m),
 * {@code grace} (30s), {@code preaggregate} ({@code topology.preaggregate.interval}, 1s), {@code out} Markdown file ({@code benchmarks/results/topology.md}). The broker is
 * {@code KAFKA_BOOTSTRAP_SERVERS} when set, else a KRaft broker started in this JVM.
 */
public final class TopologyBench {
  static final int SPANS_PER_REQUEST = BridgeIngestBench.SPANS_PER_REQUEST;
  private static final int REQUESTS_PER_CHUNK = 64;
  private static final long SEED = 42;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  private TopologyBench() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    BenchBroker.run(broker -> run(options, broker));
  }

  private static void run(Options options, BenchBroker broker) throws Exception {
    String runId = Long.toString(System.currentTimeMillis(), 36);
    String spansTopic = "bench_topology_spans_" + runId;
    broker.createTopics(options.partitions(), spansTopic);
    Load load = preload(options, broker.bootstrap(), spansTopic);

    System.out.printf("baseline: plain consumer + OTLP decode of %,d records ...%n", load.records());
    System.gc();
    Baseline baseline = baseline(broker.bootstrap(), spansTopic);
    if (baseline.spans() != load.spans()) {
      throw new IllegalStateException("baseline read " + baseline.spans() + " spans, loaded " + load.spans());
    }

    System.out.printf("topology: exactly_once_v2, window %s, grace %s ...%n", options.window(), options.grace());
    System.gc();
    Path stateDir = Files.createTempDirectory("tracestream-topology-bench");
    TopologyRun topology;
    try {
      topology = topology(options, broker, spansTopic, runId, stateDir, load);
    } finally {
      deleteRecursively(stateDir);
    }
    Report.publish(Path.of(options.out()),
        TopologyReport.markdown(options, broker.description(), load, baseline, topology));
  }

  /** The spans of one chunk of requests end in the 30 s before their base time; bases step evenly up to now. */
  private static Load preload(Options options, String bootstrap, String topic) throws Exception {
    int requests = (options.spans() + SPANS_PER_REQUEST - 1) / SPANS_PER_REQUEST;
    int chunks = (requests + REQUESTS_PER_CHUNK - 1) / REQUESTS_PER_CHUNK;
    System.out.printf("loading %s with %,d requests of %d spans, event time over the last %d s ...%n",
        topic, requests, SPANS_PER_REQUEST, options.spread().toSeconds());
    BridgeConfig bridge = BridgeIngestBench.bridgeConfig(bootstrap, topic);
    TraceSplitter splitter = new TraceSplitter(bridge.maxRecordBytes());
    Instant now = Instant.now();
    long spans = 0;
    long records = 0;
    long bytes = 0;
    long started = System.nanoTime();
    try (TraceKeyedProducer producer = TraceKeyedProducer.create(Bridge.producerConfig(bridge), topic)) {
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      for (int chunk = 0; chunk < chunks; chunk++) {
        int count = Math.min(REQUESTS_PER_CHUNK, requests - chunk * REQUESTS_PER_CHUNK);
        Instant base = now.minus(options.spread().multipliedBy(chunks - 1 - chunk).dividedBy(chunks));
        for (ExportTraceServiceRequest request : RealisticSpans.generate(count, SPANS_PER_REQUEST, SEED + chunk, base)) {
          SplitResult split = splitter.split(request);
          if (split.rejectedSpans() > 0) {
            throw new IllegalStateException("generated request has rejected spans: " + split.rejectionMessage());
          }
          pending.add(producer.send(split.records()));
          spans += split.acceptedSpans();
          records += split.records().size();
          bytes += split.records().stream().mapToLong(r -> r.value().length).sum();
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        pending.clear();
      }
    }
    System.out.printf("loaded %,d spans in %,d records (%,d MiB) in %.1f s%n", spans, records, bytes >> 20,
        (System.nanoTime() - started) / 1e9);
    return new Load(spans, records, bytes);
  }

  /** Reads every record from the start, read_committed, decodes it and visits every span. */
  private static Baseline baseline(String bootstrap, String topic) {
    long[] spans = new long[1];
    long[] durationNanos = new long[1]; // read so that decoding every span cannot be skipped
    long[] last = new long[1];
    long started = System.nanoTime();
    long records = readAll(bootstrap, topic, value -> {
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(value);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("a pre-loaded record is not OTLP", e);
      }
      for (ResourceSpans rs : request.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            spans[0]++;
            durationNanos[0] += span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
          }
        }
      }
      last[0] = System.nanoTime();
    });
    Baseline result = new Baseline(records, spans[0], Duration.ofNanos(last[0] - started));
    System.out.printf("baseline: %,d spans in %.1f s (mean span duration %.1f ms)%n", spans[0],
        result.elapsed().toMillis() / 1e3, durationNanos[0] / 1e6 / Math.max(1, spans[0]));
    return result;
  }

  /** Reads a topic from the start to its end offsets (read_committed: the last stable offsets); returns the count. */
  static long readAll(String bootstrap, String topic, java.util.function.Consumer<byte[]> value) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long records = 0;
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          value.accept(record.value());
          records++;
        }
      }
      return records;
    }
  }

  private static TopologyRun topology(Options options, BenchBroker broker, String spansTopic, String runId,
      Path stateDir, Load load) throws Exception {
    String applicationId = "bench-topology-" + runId;
    String metricsTopic = "bench_topology_metrics_" + runId;
    TopologyConfig config = TopologyConfig.from(Settings.of(Map.of(
        "kafka.bootstrap.servers", broker.bootstrap(),
        "topic.spans", spansTopic,
        "topic.span-metrics", metricsTopic,
        "topic.dlq", "bench_topology_dlq_" + runId,
        "topology.application.id", applicationId,
        "topology.window", options.window(),
        "topology.grace", options.grace(),
        "topology.preaggregate.interval", options.preaggregate(),
        "topology.admin.port", "0",
        "topology.state.dir", stateDir.toString())));
    try (Admin admin = broker.admin()) {
      Map<TopicPartition, Long> inputEnd = endOffsets(admin, spansTopic);
      long started = System.nanoTime();
      long firstCommit = 0;
      long committedAtFirst = 0;
      long inputDone = 0;
      try (TopologyApp app = TopologyApp.start(config)) {
        while (true) {
          long now = System.nanoTime();
          if (now - started > TIMEOUT.toNanos()) {
            throw new IllegalStateException("the topology did not commit the whole input within " + TIMEOUT);
          }
          Map<TopicPartition, OffsetAndMetadata> committed =
              admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
          long input = inputEnd.keySet().stream().mapToLong(p -> offset(committed, p)).sum();
          if (firstCommit == 0 && input > 0) {
            firstCommit = now;
            committedAtFirst = input;
            System.out.printf("topology: first commit after %.1f s%n", (now - started) / 1e9);
          }
          if (inputDone == 0 && inputEnd.entrySet().stream().allMatch(e -> offset(committed, e.getKey()) >= e.getValue())) {
            inputDone = now;
            System.out.printf("topology: input committed after %.1f s%n", (now - started) / 1e9);
          }
          if (inputDone != 0 && repartitionDrained(admin, committed, applicationId)) {
            break;
          }
          Thread.sleep(POLL.toMillis());
        }
        long drained = System.nanoTime();
        WindowCount windows = countResults(broker.bootstrap(), metricsTopic);
        double late = scrape(app.adminPort(), "tracestream_late_spans_total");
        return new TopologyRun(Duration.ofNanos(firstCommit - started), Duration.ofNanos(inputDone - started),
            Duration.ofNanos(drained - started), committedAtFirst / (double) load.records(), windows.results(),
            windows.spans(), (long) late);
      }
    }
  }

  /**
   * The repartition topic is consumed by the same group; the windows have seen every span once its
   * committed offsets reach its end (or the end minus the last transaction marker).
   */
  private static boolean repartitionDrained(Admin admin, Map<TopicPartition, OffsetAndMetadata> committed,
      String applicationId) throws Exception {
    String repartition = applicationId + "-span-partials-by-service-repartition";
    for (Map.Entry<TopicPartition, Long> end : endOffsets(admin, repartition).entrySet()) {
      if (end.getValue() - offset(committed, end.getKey()) > 1) {
        return false;
      }
    }
    return true;
  }

  static long offset(Map<TopicPartition, OffsetAndMetadata> committed, TopicPartition partition) {
    OffsetAndMetadata offset = committed.get(partition);
    return offset == null ? 0 : offset.offset();
  }

  static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> end = new java.util.HashMap<>();
    admin.listOffsets(latest).all().get().forEach((p, info) -> end.put(p, info.offset()));
    return end;
  }

  /** The committed window results, and the spans they count. */
  private static WindowCount countResults(String bootstrap, String topic) {
    long[] spans = new long[1];
    long results = readAll(bootstrap, topic, value -> spans[0] += StreamTopology.WINDOW_RESULT.fromBytes(value).count());
    return new WindowCount(results, spans[0]);
  }

  /** The sum of a Prometheus family's samples on the admin port's /metrics. */
  static double scrape(int adminPort, String family) throws Exception {
    String text = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return text.lines()
        .filter(l -> l.startsWith(family + "{") || l.startsWith(family + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static void deleteRecursively(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  record Load(long spans, long records, long bytes) {}

  record Baseline(long records, long spans, Duration elapsed) {
    double spansPerSecond() {
      return spans / (elapsed.toNanos() / 1e9);
    }
  }

  private record WindowCount(long results, long spans) {}

  /**
   * What the topology phase measured, all from {@code TopologyApp.start}.
   *
   * @param firstCommit until the group's first committed input offset
   * @param inputCommitted until the committed input offsets reached the end offsets
   * @param drained until the repartition topic was consumed as well
   * @param shareAtFirstCommit the share of the input records already committed at the first commit
   */
  record TopologyRun(Duration firstCommit, Duration inputCommitted, Duration drained, double shareAtFirstCommit,
      long windowResults, long spansInWindows, long lateSpans) {

    double rawSpansPerSecond(long spans) {
      return spans / (inputCommitted.toNanos() / 1e9);
    }

    /** The spans after the first commit over the time after it. */
    double steadySpansPerSecond(long spans) {
      return spans * (1 - shareAtFirstCommit) / (inputCommitted.minus(firstCommit).toNanos() / 1e9);
    }
  }

  record Options(int spans, int partitions, Duration spread, String window, String grace, String preaggregate,
      String out) {
    static Options parse(String[] args) {
      BenchArgs given = BenchArgs.parse(args, List.of("spans", "partitions", "spread", "window", "grace", "preaggregate",
          "out"));
      return new Options(
          given.number("spans", 2_500_000, 1),
          given.number("partitions", 6, 1),
          Duration.ofSeconds(given.number("spread", 300, 1)),
          given.value("window", "1m"),
          given.value("grace", "30s"),
          given.value("preaggregate", "1s"),
          given.value("out", "benchmarks/results/topology.md"));
    }
  }
}

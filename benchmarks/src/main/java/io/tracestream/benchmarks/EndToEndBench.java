package io.tracestream.benchmarks;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The whole pipeline under load in one JVM: a load generator sending pre-encoded OTLP/gRPC requests
 * (moved to the present as they are sent, {@link LiveRequest}) to a {@link Bridge}, which writes to the
 * broker, from which {@link TopologyApp} (exactly_once_v2) computes its windows. In the same run and on
 * the same broker and data, two raw baselines: (a) producing the same requests' records, split
 * beforehand; (b) a plain consumer reading (a)'s records and decoding them. And the topology alone,
 * replaying the end-to-end input with a fresh application id. See benchmarks/README.md for what each
 * number means.
 */
public final class EndToEndBench {
  private static final long SEED = 42;
  private static final Duration POLL = Duration.ofSeconds(1);

  private EndToEndBench() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    BenchBroker.run(broker -> run(options, broker));
  }

  private static void run(Options options, BenchBroker broker) throws Exception {
    String runId = Long.toString(System.currentTimeMillis(), 36);
    String produceTopic = "bench_e2e_produce_" + runId;
    String spansTopic = "bench_e2e_spans_" + runId;
    broker.createTopics(options.partitions(), produceTopic, spansTopic);

    System.out.printf("generating %d requests of %d spans ...%n", options.requests(),
        BridgeIngestBench.SPANS_PER_REQUEST);
    List<ExportTraceServiceRequest> requests =
        RealisticSpans.generate(options.requests(), BridgeIngestBench.SPANS_PER_REQUEST, SEED, Instant.now());
    BridgeConfig produceConfig = BridgeIngestBench.bridgeConfig(broker.bootstrap(), produceTopic);
    TraceSplitter splitter = new TraceSplitter(produceConfig.maxRecordBytes());
    List<List<TraceRecord>> records = new ArrayList<>();
    List<LiveRequest> live = new ArrayList<>();
    int[] spans = new int[requests.size()];
    long recordCount = 0;
    for (int i = 0; i < requests.size(); i++) {
      SplitResult split = splitter.split(requests.get(i));
      records.add(split.records());
      spans[i] = split.acceptedSpans();
      recordCount += split.records().size();
      live.add(LiveRequest.of(requests.get(i).toByteArray()));
      if (live.get(i).spans() != spans[i]) {
        throw new IllegalStateException(
            "request " + i + ": scanned " + live.get(i).spans() + " spans, split " + spans[i]);
      }
    }
    double spansPerRecord = java.util.Arrays.stream(spans).sum() / (double) recordCount;

    // (a) produce only
    System.out.printf("baseline (a): producing pre-split records, %d in flight, %d s warm-up + %d s ...%n",
        options.concurrency(), options.baselineWarmup().toSeconds(), options.baselineDuration().toSeconds());
    System.gc();
    ClosedLoop.Result produce;
    try (TraceKeyedProducer producer = TraceKeyedProducer.create(Bridge.producerConfig(produceConfig), produceTopic)) {
      produce = ClosedLoop.run("produce", options.concurrency(), options.baselineWarmup(), options.baselineDuration(),
          spans, i -> producer.send(records.get(i)).thenApply(done -> true));
    }
    System.out.printf("baseline (a): %,.0f spans/s%n", produce.spansPerSecond());

    // (b) consume + decode only
    System.out.printf("baseline (b): consuming and decoding up to %,d spans of (a) ...%n", options.baselineSpans());
    System.gc();
    Decode decode = Decode.run(broker.bootstrap(), produceTopic, options.baselineSpans());
    System.out.printf("baseline (b): %,.0f spans/s%n", decode.spansPerSecond());

    // end to end
    // The offered load: by default the target end-to-end rate, half the slower baseline
    long rate = options.rate() >= 0 ? options.rate() : Math.round(0.5 * Math.min(produce.spansPerSecond(),
        decode.spansPerSecond()));
    Options run = options.withRate(rate);
    Path stateDir = Files.createTempDirectory("tracestream-e2e-bench");
    EndToEndReport.Run e2e;
    EndToEndReport.Alone alone = null;
    EndToEndReport.Alone stages = null;
    try {
      System.gc();
      e2e = endToEnd(run, broker, runId, spansTopic, stateDir, live, spans, spansPerRecord);
      if (options.topologyAlone()) {
        System.gc();
        alone = topologyAlone(options, broker, "bench-alone-" + runId, spansTopic, stateDir, spansPerRecord, false);
        System.gc();
        stages = topologyAlone(options, broker, "bench-stages-" + runId, spansTopic, stateDir, spansPerRecord, true);
      }
    } finally {
      TopologyBench.deleteRecursively(stateDir);
    }
    Report.publish(Path.of(options.out()), EndToEndReport.markdown(run, broker.description(), requests.size(),
        spansPerRecord, produce, decode, e2e, alone, stages));
  }

  private static TopologyConfig topologyConfig(Options options, BenchBroker broker, String applicationId,
      String spansTopic, Path stateDir, Map<String, String> more) {
    Map<String, String> settings = new HashMap<>(more);
    settings.put("kafka.bootstrap.servers", broker.bootstrap());
    settings.put("topic.spans", spansTopic);
    settings.put("topic.span-metrics", "bench_e2e_metrics_" + applicationId);
    settings.put("topic.dlq", "bench_e2e_dlq_" + applicationId);
    settings.put("topic.traces", "bench_e2e_traces_" + applicationId);
    settings.put("topic.trace-metrics", "bench_e2e_trace_metrics_" + applicationId);
    settings.put("topic.edges", "bench_e2e_edges_" + applicationId);
    settings.put("topology.application.id", applicationId);
    settings.put("topology.window", options.window().toSeconds() + "s");
    settings.put("topology.grace", options.grace().toSeconds() + "s");
    settings.put("topology.trace.idle", options.traceIdle().toSeconds() + "s");
    settings.put("topology.trace.max.age", Math.max(300, options.traceIdle().toSeconds()) + "s");
    settings.put("topology.admin.port", "0");
    settings.put("topology.state.dir", stateDir.resolve(applicationId).toString());
    return TopologyConfig.from(Settings.of(settings));
  }

  private static EndToEndReport.Run endToEnd(Options options, BenchBroker broker, String runId, String spansTopic,
      Path stateDir, List<LiveRequest> live, int[] spans, double spansPerRecord) throws Exception {
    String applicationId = "bench-e2e-" + runId;
    TopologyConfig config = topologyConfig(options, broker, applicationId, spansTopic, stateDir, Map.of());
    ThreadCpu cpu = new ThreadCpu(applicationId);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-sampler");
      t.setDaemon(true);
      return t;
    });
    System.out.printf("end to end: bridge + topology (exactly_once_v2, window %ds, grace %ds), %d in flight%s, "
        + "%d s warm-up + %d s ...%n", options.window().toSeconds(), options.grace().toSeconds(), options.concurrency(),
        options.rate() > 0 ? String.format(" at most %,d spans/s", options.rate()) : "",
        options.warmup().toSeconds(), options.duration().toSeconds());
    try (MemoryWatch memory = new MemoryWatch();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
            AdminClientConfig.CLIENT_ID_CONFIG, "bench-admin"));
        Bridge bridge = Bridge.start(BridgeIngestBench.bridgeConfig(broker.bootstrap(), spansTopic));
        TopologyApp app = TopologyApp.start(config);
        ResultWatch results = ResultWatch.start(broker.bootstrap(), config.spanMetricsTopic());
        GrpcExportClient client = new GrpcExportClient("127.0.0.1", bridge.grpcPort(), Duration.ofSeconds(30))) {
      BridgeIngestBench.awaitReady(bridge.adminPort());
      awaitRunning(app);
      Lag lag = new Lag(admin, applicationId, spansTopic);
      Pacer pacer = new Pacer(options.rate(), sampler);
      List<long[]> lagSamples = java.util.Collections.synchronizedList(new ArrayList<>());
      Map<String, Map<String, Long>> cpuAt = new java.util.concurrent.ConcurrentHashMap<>();
      long[] committedAt = new long[2];
      long[] lagAt = new long[2];
      long t0 = System.nanoTime();
      long wall0 = System.currentTimeMillis();
      long measureFromWall = wall0 + options.warmup().toMillis();
      long measureUntilWall = measureFromWall + options.duration().toMillis();
      Recording recording = options.profile() ? new Recording(Configuration.getConfiguration("profile")) : null;
      sampler.scheduleAtFixedRate(() -> {
        long[] s = lag.sample();
        if (s != null) {
          lagSamples.add(new long[] {System.currentTimeMillis(), s[0], s[1]});
        }
      }, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
      sampler.schedule(() -> {
        cpuAt.put("from", cpu.snapshot());
        long[] s = lag.sample();
        committedAt[0] = s[0];
        lagAt[0] = s[1] - s[0];
        if (recording != null) {
          recording.start();
        }
      }, options.warmup().toNanos() - (System.nanoTime() - t0), TimeUnit.NANOSECONDS);
      sampler.schedule(() -> {
        cpuAt.put("until", cpu.snapshot());
        long[] s = lag.sample();
        committedAt[1] = s[0];
        lagAt[1] = s[1] - s[0];
        if (recording != null) {
          recording.stop();
        }
      }, options.warmup().plus(options.duration()).toNanos() - (System.nanoTime() - t0), TimeUnit.NANOSECONDS);

      // Live heap: a full GC at each quarter point (a pause of well under a second, inside the interval)
      Long[] liveHeap = {-1L, -1L, -1L};
      for (int q = 1; q <= 3; q++) {
        int quarter = q;
        sampler.schedule(() -> {
          System.gc();
          liveHeap[quarter - 1] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }, options.warmup().plus(options.duration().multipliedBy(quarter).dividedBy(4)).toNanos()
            - (System.nanoTime() - t0), TimeUnit.NANOSECONDS);
      }
      ClosedLoop.Result load = ClosedLoop.run("e2e", options.concurrency(), options.warmup(), options.duration(), spans,
          i -> pacer.after(spans[i], () -> client.export(live.get(i).at(nowNanos()))));
      System.out.printf("end to end: bridge accepted %,.0f spans/s; waiting for the topology to drain ...%n",
          load.spansPerSecond());
      while (!cpuAt.containsKey("until")) {
        Thread.sleep(50);
      }
      long drainFrom = System.nanoTime();
      long[] last = lag.sample();
      while (last == null || last[1] - last[0] > 0) {
        if (System.nanoTime() - drainFrom > Duration.ofMinutes(10).toNanos()) {
          throw new IllegalStateException("the topology did not catch up within 10 minutes after the load");
        }
        Thread.sleep(200);
        last = lag.sample();
      }
      Duration drain = Duration.ofNanos(System.nanoTime() - drainFrom);
      Thread.sleep(2_000); // results of windows that closed just before the drain ended
      Path jfr = null;
      if (recording != null) {
        jfr = Path.of(options.jfr()).toAbsolutePath();
        Files.createDirectories(jfr.getParent());
        recording.dump(jfr);
        recording.close();
      }
      sampler.shutdownNow();
      long heapBeforeFullGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      System.gc();
      long heapAfterFullGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      double late = TopologyBench.scrape(app.adminPort(), "tracestream_late_spans_total");
      // Every input record is one whole trace (LiveRequest gives each send its own trace ids), and every
      // completed trace one summary; what is left are the traces trace assembly holds open.
      long traces = lag.sample()[0];
      long completed = TopologyBench.readAll(broker.bootstrap(), config.tracesTopic(), value -> { });
      System.out.printf("end to end: %,d traces in, %,d completed, %,d open at the end%n", traces, completed,
          traces - completed);
      long half = (measureFromWall + measureUntilWall) / 2;
      return new EndToEndReport.Run(load,
          (committedAt[1] - committedAt[0]) * spansPerRecord / (options.duration().toNanos() / 1e9),
          lagAt[0], lagAt[1], maxLag(lagSamples, measureFromWall, measureUntilWall), drain,
          Freshness.of(results.seen(), measureFromWall, measureUntilWall, options.grace().toMillis()),
          ThreadCpu.minus(cpuAt.get("until"), cpuAt.get("from")),
          memory.maxAfterGc(measureFromWall, half), memory.maxAfterGc(half, measureUntilWall),
          heapBeforeFullGc, heapAfterFullGc, MemoryWatch.procStatus("VmRSS"), MemoryWatch.procStatus("VmHWM"),
          (long) late, traces - completed, List.of(liveHeap),
          jfr == null ? null : JfrSummary.summarize(jfr, cpu::component));
    } finally {
      sampler.shutdownNow();
    }
  }

  /**
   * The topology alone on the end-to-end input, from its start with a fresh application id; with
   * {@code stages}, each processor's CPU measured ({@link StageCpu}).
   */
  private static EndToEndReport.Alone topologyAlone(Options options, BenchBroker broker, String applicationId,
      String spansTopic, Path stateDir, double spansPerRecord, boolean stages) throws Exception {
    TopologyConfig config = topologyConfig(options, broker, applicationId, spansTopic, stateDir,
        stages ? Map.of("kafka." + StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, StageCpu.class.getName()) : Map.of());
    Map<String, Long> processorsFrom = StageCpu.snapshot();
    ThreadCpu cpu = new ThreadCpu(applicationId);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
        AdminClientConfig.CLIENT_ID_CONFIG, "bench-admin-alone"))) {
      long records = TopologyBench.endOffsets(admin, spansTopic).values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("topology alone: %,d records of the end-to-end input, fresh application id ...%n", records);
      Lag lag = new Lag(admin, applicationId, spansTopic);
      Map<String, Long> cpuFrom = cpu.snapshot();
      long started = System.nanoTime();
      long firstCommit = 0;
      long committedAtFirst = 0;
      try (TopologyApp app = TopologyApp.start(config)) {
        while (true) {
          long[] s = lag.sample();
          long now = System.nanoTime();
          if (s != null && s[0] > 0 && firstCommit == 0) {
            firstCommit = now;
            committedAtFirst = s[0];
          }
          if (s != null && s[0] >= records) {
            Map<String, Long> used = ThreadCpu.minus(cpu.snapshot(), cpuFrom);
            Duration all = Duration.ofNanos(now - started);
            double steady = (records - committedAtFirst) * spansPerRecord / ((now - firstCommit) / 1e9);
            Map<String, Long> processors = new java.util.TreeMap<>();
            if (stages) {
              StageCpu.snapshot().forEach((p, n) -> processors.put(p, n - processorsFrom.getOrDefault(p, 0L)));
            }
            return new EndToEndReport.Alone(records, records * spansPerRecord, all, steady,
                used.get(ThreadCpu.TOPOLOGY) + used.get(ThreadCpu.ROCKSDB), used.get(ThreadCpu.ROCKSDB), processors);
          }
          if (now - started > Duration.ofMinutes(20).toNanos()) {
            throw new IllegalStateException("the topology alone did not commit its input within 20 minutes");
          }
          Thread.sleep(200);
        }
      }
    }
  }

  private static long maxLag(List<long[]> samples, long from, long until) {
    synchronized (samples) {
      return samples.stream().filter(s -> s[0] >= from && s[0] <= until).mapToLong(s -> s[2] - s[1]).max().orElse(-1);
    }
  }

  private static void awaitRunning(TopologyApp app) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the topology is not RUNNING after 60 s: " + app.state());
      }
      Thread.sleep(100);
    }
  }

  private static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** The group's committed offsets and the end offsets of the input topic, summed over partitions. */
  static final class Lag {
    private final Admin admin;
    private final String group;
    private final String topic;

    Lag(Admin admin, String group, String topic) {
      this.admin = admin;
      this.group = group;
      this.topic = topic;
    }

    /** {committed, end}, or null when the broker did not answer. */
    long[] sample() {
      try {
        Map<TopicPartition, Long> end = TopologyBench.endOffsets(admin, topic);
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long c = end.keySet().stream().mapToLong(p -> TopologyBench.offset(committed, p)).sum();
        return new long[] {c, end.values().stream().mapToLong(Long::longValue).sum()};
      } catch (Exception e) {
        return null;
      }
    }
  }

  /** Holds calls back so that at most {@code rate} spans/s start; 0 lets every call start at once. */
  static final class Pacer {
    private final long rate;
    private final ScheduledExecutorService timer;
    private final AtomicLong next = new AtomicLong(System.nanoTime());

    Pacer(long rate, ScheduledExecutorService timer) {
      this.rate = rate;
      this.timer = timer;
    }

    CompletableFuture<Boolean> after(int spans, java.util.function.Supplier<CompletableFuture<Boolean>> call) {
      if (rate <= 0) {
        return call.get();
      }
      long step = spans * 1_000_000_000L / rate;
      long now = System.nanoTime();
      long at = next.getAndUpdate(n -> Math.max(n, now - 1_000_000_000L) + step); // at most 1 s of credit
      long wait = at - now;
      if (wait <= 0) {
        return call.get();
      }
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      timer.schedule(() -> call.get().whenComplete((ok, e) -> {
        if (e != null) {
          done.completeExceptionally(e);
        } else {
          done.complete(ok);
        }
      }), wait, TimeUnit.NANOSECONDS);
      return done;
    }
  }

  /** Baseline (b): a plain consumer reads the produced records from the start, read_committed, and decodes them. */
  record Decode(long records, long spans, Duration elapsed) {
    double spansPerSecond() {
      return spans / (elapsed.toNanos() / 1e9);
    }

    static Decode run(String bootstrap, String topic, long maxSpans) {
      long[] count = new long[3]; // records, spans, checksum
      long started = System.nanoTime();
      long[] last = {started};
      try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
          org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, "bench-decode",
          org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (count[1] < maxSpans && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          for (var record : consumer.poll(Duration.ofMillis(500))) {
            ExportTraceServiceRequest request;
            try {
              request = ExportTraceServiceRequest.parseFrom(record.value());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
              throw new IllegalStateException("a produced record is not OTLP", e);
            }
            for (ResourceSpans rs : request.getResourceSpansList()) {
              for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (var span : ss.getSpansList()) {
                  count[1]++;
                  count[2] += span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
                }
              }
            }
            count[0]++;
          }
          last[0] = System.nanoTime();
        }
      }
      if (count[2] == 42) {
        System.out.print(""); // keeps the decoded values live
      }
      return new Decode(count[0], count[1], Duration.ofNanos(last[0] - started));
    }
  }

  /** "target" (-1: half the slower baseline), "unlimited" (0) or spans/s. */
  private static long parseRate(String value) {
    if (value.equals("target")) {
      return -1;
    }
    if (value.equals("unlimited")) {
      return 0;
    }
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rate: expected target, unlimited or spans/s, got '" + value + "'");
    }
  }

  record Options(Duration duration, Duration warmup, Duration baselineDuration, Duration baselineWarmup,
      long baselineSpans, int concurrency, int requests, int partitions, long rate, Duration window, Duration grace,
      Duration traceIdle, boolean topologyAlone, boolean profile, String jfr, String out) {
    Options withRate(long spansPerSecond) {
      return new Options(duration, warmup, baselineDuration, baselineWarmup, baselineSpans, concurrency, requests,
          partitions, spansPerSecond, window, grace, traceIdle, topologyAlone, profile, jfr, out);
    }

    static Options parse(String[] args) {
      BenchArgs given = BenchArgs.parse(args, List.of("duration", "warmup", "baseline-duration", "baseline-warmup",
          "baseline-spans", "concurrency", "requests", "partitions", "rate", "window", "grace", "trace-idle",
          "topology-alone", "profile", "jfr", "out"));
      return new Options(
          Duration.ofSeconds(given.number("duration", 60, 5)),
          Duration.ofSeconds(given.number("warmup", 20, 0)),
          Duration.ofSeconds(given.number("baseline-duration", 15, 1)),
          Duration.ofSeconds(given.number("baseline-warmup", 5, 0)),
          given.number("baseline-spans", 3_000_000, 1),
          given.number("concurrency", 16, 1),
          given.number("requests", 64, 1),
          given.number("partitions", 6, 1),
          parseRate(given.value("rate", "target")),
          Duration.ofSeconds(given.number("window", 10, 1)),
          Duration.ofSeconds(given.number("grace", 5, 0)),
          Duration.ofSeconds(given.number("trace-idle", 10, 1)),
          Boolean.parseBoolean(given.value("topology-alone", "true")),
          Boolean.parseBoolean(given.value("profile", "true")),
          given.value("jfr", "benchmarks/target/e2e.jfr"),
          given.value("out", "benchmarks/results/e2e.md"));
    }
  }
}

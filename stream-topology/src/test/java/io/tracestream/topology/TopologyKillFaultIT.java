package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import io.tracestream.testkit.TopicReader;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's {@code streams_eos_test} on this topology: sequence-numbered spans go in while the topology
 * process is killed with SIGKILL three times; afterwards every window result equals the recomputation
 * of the same input, and every span's one-span trace is summarized exactly once.
 */
class TopologyKillFaultIT {
  /** Spans sent between two kills, and after the last restart. */
  private static final int SPANS_BETWEEN_KILLS = 1_500;
  private static final int SPANS_PER_SECOND = 300;
  private static final int KILLS = 3;
  private static final long WINDOW_MS = 5_000;
  private static final long LOAD_TRACES = 0xE05L;

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void threeKillsDuringLoadLoseAndDoubleCountNothing() throws Exception {
    KAFKA.createTopics(3, "eos_spans");
    Map<String, String> settings = new HashMap<>(Map.of(
        "kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.spans", "eos_spans",
        "topic.span-metrics", "eos_span_metrics", "topic.dlq", "eos_dlq", "topic.traces", "eos_traces",
        "topic.trace-metrics", "eos_trace_metrics", "topic.edges", "eos_edges",
        "topology.application.id", "eos-fault", "topology.state.dir", stateDir.toString()));
    // Windows of 5 s; the grace absorbs the event-time skew between the input tasks of a restarted
    // process: they restore their state independently, and one that restores late delivers its backlog
    // behind the others (on a loaded 2-core machine that skew passed 120 s; see docs/RELIABILITY.md). So
    // the grace is 10 minutes and every late span of every process is counted and must be zero. idle.close
    // is out of the way: the last windows are closed by flush spans instead, which the future skew lets
    // through. A killed member leaves the group after 6 s.
    settings.putAll(Map.of("topology.window", "5s", "topology.grace", "10m", "topology.idle.close", "20m",
        "topology.max.future.skew", "15m",
        "topology.trace.idle", "1s", "kafka.session.timeout.ms", "6000", "kafka.heartbeat.interval.ms", "1000",
        // the repartition topics are kept whole, so that a mismatch can be located before or after them
        "kafka.repartition.purge.interval.ms", "3600000"));
    int adminPort = TopologyProcess.freePort();
    Path logs = Path.of("target", "fault-logs");

    // Expected results, computed from the input alone
    Map<String, long[]> expected = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    List<Double> recoverySeconds = new ArrayList<>();
    List<Long> lateBeforeKills = new ArrayList<>(); // late spans each killed process had counted
    long started = System.nanoTime();
    TopologyProcess topology = TopologyProcess.start(settings, adminPort, logs.resolve("eos-0.log"));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread load = new Thread(() -> produce(expected, sent, stop), "eos-load");
    try {
      Await.until(Duration.ofSeconds(180), "the first topology process to be ready", topology::ready);
      load.start();
      // When the topology is killed three times during the load, each time once it has processed for a
      // while after the previous restart, and started again at once
      for (int kill = 1; kill <= KILLS; kill++) {
        int at = sent.get() + SPANS_BETWEEN_KILLS;
        Await.until(Duration.ofSeconds(60), at + " spans sent", () -> sent.get() >= at);
        lateBeforeKills.add(lateSpans(topology.metrics()));
        topology.kill();
        long killed = System.nanoTime();
        topology = TopologyProcess.start(settings, adminPort, logs.resolve("eos-" + kill + ".log"));
        TopologyProcess restarted = topology;
        Await.until(Duration.ofSeconds(180), "restart " + kill + " to be ready", restarted::ready);
        recoverySeconds.add((System.nanoTime() - killed) / 1e9);
      }
      int last = sent.get() + SPANS_BETWEEN_KILLS;
      Await.until(Duration.ofSeconds(60), "the load after the last restart", () -> sent.get() >= last);
      stop.set(true);
      load.join(Duration.ofSeconds(60).toMillis());
      int spans = sent.get();
      // A flush before the topology has worked off the load would make the load's last spans late
      Await.until(Duration.ofSeconds(90), "the topology to consume all its input", TopologyKillFaultIT::caughtUp);
      // and to forward every span it summed (each partial waits up to topology.preaggregate.interval) to the
      // window tasks, which then consume it
      readUpTo(Duration.ofSeconds(60), "eos-fault-" + StreamTopology.REPARTITION + "-repartition",
          records -> records.stream().mapToLong(r -> SpanPartial.SERDE.deserializer().deserialize("", r.value())
              .window().count()).sum() >= spans);
      Await.until(Duration.ofSeconds(30), "the window tasks to consume the last partials", TopologyKillFaultIT::caughtUp);
      flush();

      // Then the committed window results add up to the input, window by window, each emitted once
      List<ConsumerRecord<String, byte[]>> results = readUpTo(Duration.ofSeconds(60), "eos_span_metrics",
          records -> counted(records) >= spans);
      Map<String, long[]> actual = new TreeMap<>();
      int duplicateWindows = 0;
      for (ConsumerRecord<String, byte[]> r : results) {
        if (r.key().contains("\"flush\"")) {
          continue;
        }
        SeriesKey key = StreamTopology.SERIES_KEY.deserializer().deserialize("", r.key().getBytes(StandardCharsets.UTF_8));
        WindowResult value = StreamTopology.WINDOW_RESULT.deserializer().deserialize("", r.value());
        long[] previous = actual.put(window(key, value.windowStart()), new long[] {value.count(), value.errors()});
        if (previous != null) {
          duplicateWindows++;
        }
      }
      long countedSpans = counted(results);
      assertThat(duplicateWindows).as("windows emitted more than once").isZero();
      String lastMetrics = topology.metrics();
      long late = lateBeforeKills.stream().mapToLong(Long::longValue).sum() + lateSpans(lastMetrics);
      if (!toLists(actual).equals(toLists(new TreeMap<>(expected)))) {
        System.out.println("late spans counted by the killed processes " + lateBeforeKills + ", by the last one "
            + lateSpans(lastMetrics));
        String metrics = lastMetrics;
        System.out.println(diagnosis(expected, actual, metrics.isEmpty() ? "(the last process's /metrics did not answer)" : metrics));
      }
      assertThat(late).as("late spans counted by the processes (before each kill, and the last)").isZero();
      assertThat(toLists(actual)).as("window results vs. recomputation (diagnosis on stdout)")
          .isEqualTo(toLists(new TreeMap<>(expected)));

      // And every sequence number's trace is summarized exactly once
      List<ConsumerRecord<String, byte[]>> traces = readUpTo(Duration.ofSeconds(30), "eos_traces",
          records -> records.size() >= spans);
      int[] seen = new int[spans];
      for (ConsumerRecord<String, byte[]> r : traces) {
        TraceSummary summary = StreamTopology.TRACE_SUMMARY.deserializer().deserialize("", r.value());
        ByteBuffer id = ByteBuffer.wrap(TraceIds.fromHex(summary.traceId()));
        if (id.getLong(0) == LOAD_TRACES) {
          seen[(int) id.getLong(8)]++;
        }
      }
      long lost = java.util.Arrays.stream(seen).filter(n -> n == 0).count();
      long duplicated = java.util.Arrays.stream(seen).filter(n -> n > 1).count();
      assertThat(lost).as("sequence numbers without a trace summary").isZero();
      assertThat(duplicated).as("sequence numbers summarized twice").isZero();
      assertThat(TopicReader.readUntil(KAFKA.bootstrapServers(), "eos_dlq", Duration.ofSeconds(5), r -> true))
          .as("DLQ").isEmpty();

      ReliabilityReport.write("topology-kill", String.format("""
          | faults injected | spans sent | window results | spans in them | lost | double-counted | traces summarized twice | restart to ready (s) | test duration (s) |
          | --- | --- | --- | --- | --- | --- | --- | --- | --- |
          | %d x SIGKILL of the topology process | %d | %d | %d | %d | %d | %d | %s | %.0f |
          """, KILLS, spans, results.size(), countedSpans, lost, countedSpans - spans, duplicated,
          recoverySeconds.stream().map(s -> String.format("%.1f", s)).toList(), (System.nanoTime() - started) / 1e9));
    } finally {
      load.interrupt();
      topology.stop();
    }
  }

  /**
   * Whether the application has committed every input record: exactly the end of the input topic, and of
   * its repartition topics at most the last transaction marker short of the end.
   */
  private static boolean caughtUp() {
    try (org.apache.kafka.clients.admin.Admin admin = KAFKA.admin()) {
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("eos-fault").partitionsToOffsetAndMetadata().get();
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
      committed.keySet().forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
      var ends = admin.listOffsets(latest).all().get();
      if (committed.keySet().stream().filter(tp -> tp.topic().equals("eos_spans")).count() < 3) {
        return false;
      }
      return committed.entrySet().stream().allMatch(e -> {
        long end = ends.get(e.getKey()).offset();
        long at = e.getValue() == null ? 0 : e.getValue().offset();
        return e.getKey().topic().equals("eos_spans") ? at >= end : at >= end - 1;
      });
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Moves every task's event time 11 minutes past the load, within topology.max.future.skew, so that every
   * window of the load closes: one span per service on every input partition, under operation "flush",
   * whose own windows stay open and are left out of the comparison.
   */
  private static void flush() throws Exception {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    long endMs = System.currentTimeMillis() + 660_000;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (int partition = 0; partition < 3; partition++) {
        for (int service = 0; service < 3; service++) {
          Span span = Span.newBuilder()
              .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0xF1L).putLong(partition * 3L + service).array()))
              .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array()))
              .setName("flush").setKind(Span.SpanKind.SPAN_KIND_SERVER)
              .setStartTimeUnixNano((endMs - 1) * 1_000_000L).setEndTimeUnixNano(endMs * 1_000_000L).build();
          producer.send(new ProducerRecord<>("eos_spans", partition, TraceIds.toHex(span.getTraceId()),
              TopologyFixture.request("svc-" + service, span).toByteArray())).get();
        }
      }
    }
  }

  /** Sends spans numbered from 0 until stopped, each a one-span trace ending now, at a steady rate; records what it sent. */
  private static void produce(Map<String, long[]> expected, AtomicInteger sent, java.util.concurrent.atomic.AtomicBoolean stop) {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      long begin = System.nanoTime();
      for (int seq = 0; !stop.get() && !Thread.currentThread().isInterrupted(); seq++) {
        long due = begin + seq * 1_000_000_000L / SPANS_PER_SECOND;
        LockSupport.parkNanos(due - System.nanoTime());
        String service = "svc-" + seq % 3;
        String operation = "op-" + seq % 4;
        boolean error = seq % 5 == 0;
        long endMs = System.currentTimeMillis();
        Span span = Span.newBuilder()
            .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(LOAD_TRACES).putLong(seq).array()))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(seq + 1L).array()))
            .setName(operation).setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano((endMs - 1 - seq % 100) * 1_000_000L).setEndTimeUnixNano(endMs * 1_000_000L)
            .addAttributes(KeyValue.newBuilder().setKey("seq").setValue(AnyValue.newBuilder().setIntValue(seq)))
            .setStatus(Status.newBuilder().setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET))
            .build();
        SeriesKey key = new SeriesKey(service, operation, "SPAN_KIND_SERVER", error ? "STATUS_CODE_ERROR" : "STATUS_CODE_UNSET");
        expected.computeIfAbsent(window(key, endMs / WINDOW_MS * WINDOW_MS), k -> new long[2])[0]++;
        if (error) {
          expected.get(window(key, endMs / WINDOW_MS * WINDOW_MS))[1]++;
        }
        producer.send(new ProducerRecord<>("eos_spans", TraceIds.toHex(span.getTraceId()),
            TopologyFixture.request(service, span).toByteArray())).get();
        sent.incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("producing spans failed", e);
    }
  }

  /** The topic's committed records once they satisfy {@code done}, or all there are after {@code timeout}. */
  private static List<ConsumerRecord<String, byte[]>> readUpTo(Duration timeout, String topic,
      java.util.function.Predicate<List<ConsumerRecord<String, byte[]>>> done) {
    List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
    try {
      TopicReader.readUntil(KAFKA.bootstrapServers(), topic, timeout, records -> {
        read.clear();
        read.addAll(records);
        return done.test(records);
      });
    } catch (AssertionError timedOut) {
      // compared below, with the difference named
    }
    return read;
  }

  /**
   * Where the windows that differ lost or gained spans: their counts as the span samples on the
   * by-service repartition topic (read_committed) have them, and the last process's pipeline counters.
   */
  private static String diagnosis(Map<String, long[]> expected, Map<String, long[]> actual, String metrics) {
    Map<String, long[]> samples = new TreeMap<>();
    for (ConsumerRecord<String, byte[]> r : readUpTo(Duration.ofSeconds(20),
        "eos-fault-" + StreamTopology.REPARTITION + "-repartition", r -> false)) {
      SpanPartial partial = SpanPartial.SERDE.deserializer().deserialize("", r.value());
      if (partial.operation().equals("flush")) {
        continue;
      }
      SeriesKey key = new SeriesKey(partial.service(), partial.operation(), SpanSeries.kindName(partial.kind()),
          SpanSeries.statusName(partial.status()));
      samples.computeIfAbsent(window(key, r.timestamp() / WINDOW_MS * WINDOW_MS), k -> new long[2])[0] +=
          partial.window().count();
    }
    StringBuilder out = new StringBuilder("window | expected | emitted | spans in partials on the repartition topic\n");
    new TreeMap<>(expected).forEach((window, counts) -> {
      long[] got = actual.getOrDefault(window, new long[2]);
      if (got[0] != counts[0] || got[1] != counts[1]) {
        out.append(window).append(" | ").append(counts[0]).append(" | ").append(got[0]).append(" | ")
            .append(samples.getOrDefault(window, new long[1])[0]).append('\n');
      }
    });
    metrics.lines().filter(l -> l.startsWith("tracestream_late") || l.startsWith("tracestream_overflow") || l.startsWith("tracestream_dropped") || l.startsWith("("))
        .forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }

  /** The sum of a process's tracestream_late_spans_total series, from its /metrics. */
  private static long lateSpans(String metrics) {
    return (long) metrics.lines().filter(l -> l.startsWith("tracestream_late_spans_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static String window(SeriesKey key, long windowStart) {
    return windowStart + " " + key.service() + " " + key.operation() + " " + key.status();
  }

  private static long counted(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream()
        .mapToLong(r -> StreamTopology.WINDOW_RESULT.deserializer().deserialize("", r.value()).count()).sum();
  }

  private static Map<String, List<Long>> toLists(Map<String, long[]> counts) {
    Map<String, List<Long>> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, List.of(v[0], v[1])));
    return out;
  }
}

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
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;
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
 * process is killed with SIGKILL three times; afterwards every span, trace and edge window result equals
 * the recomputation of the same input, every span's one-span trace is summarized exactly once, and no
 * process counted anything late, at the default grace.
 */
class TopologyKillFaultIT {
  /** Spans sent between two kills, and after the last restart. */
  private static final int SPANS_BETWEEN_KILLS = 1_500;
  private static final int SPANS_PER_SECOND = 300;
  private static final int KILLS = 3;
  private static final int PARTITIONS = 3;
  private static final long WINDOW_MS = 5_000;
  /** {@code topology.grace} is not set: this is its default. */
  private static final long DEFAULT_GRACE_MS = 30_000;
  private static final long LOAD_TRACES = 0xE05L;
  private static final long CLOSING_TRACES = 0xF1L;
  /** Counters that must stay at zero in every process: what went late, or was not joined to its trace. */
  private static final List<String> MISSED = List.of("tracestream_late_spans_total",
      "tracestream_late_traces_total", "tracestream_late_edges_total", "tracestream_late_trace_spans_total",
      "tracestream_edge_unpaired_spans_total");

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void threeKillsDuringLoadLoseAndDoubleCountNothing() throws Exception {
    KAFKA.createTopics(PARTITIONS, "eos_spans");
    Map<String, String> settings = new HashMap<>(Map.of(
        "kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.spans", "eos_spans",
        "topic.span-metrics", "eos_span_metrics", "topic.dlq", "eos_dlq", "topic.traces", "eos_traces",
        "topic.trace-metrics", "eos_trace_metrics", "topic.edges", "eos_edges",
        "topology.application.id", "eos-fault", "topology.state.dir", stateDir.toString()));
    // Grace, idle close, trace idle and rejoin, future skew and pre-aggregation interval are the defaults.
    // After a SIGKILL the input tasks restore their state each on its own and one that restores late
    // delivers its backlog behind the others; that no longer makes spans late (it did at grace 30 s and
    // 120 s, docs/RELIABILITY.md), since a window closes only when every input task's progress has passed
    // its end + grace, and a trace window only when every assembly task has. Windows are 5 s instead of
    // the default minute so that the load spans some 20 windows per series and a span lost or counted
    // twice at a kill shows in the windows around it. A killed member leaves the group after 6 s.
    settings.putAll(Map.of("topology.window", "5s",
        "kafka.session.timeout.ms", "6000", "kafka.heartbeat.interval.ms", "1000",
        // the repartition topics are kept whole, so that a mismatch can be located before or after them
        "kafka.repartition.purge.interval.ms", "3600000"));
    int adminPort = TopologyProcess.freePort();
    Path logs = Path.of("target", "fault-logs");

    Expected expected = new Expected();
    AtomicInteger sent = new AtomicInteger();
    List<Double> recoverySeconds = new ArrayList<>();
    Map<String, Long> missed = new LinkedHashMap<>(); // summed over the processes, each read before its kill
    MISSED.forEach(counter -> missed.put(counter, 0L));
    long started = System.nanoTime();
    TopologyProcess topology = TopologyProcess.start(settings, adminPort, logs.resolve("eos-0.log"));
    AtomicBoolean stop = new AtomicBoolean();
    Thread load = new Thread(() -> produce(expected, sent, stop), "eos-load");
    try {
      Await.until(Duration.ofSeconds(180), "the first topology process to be ready", topology::ready);
      load.start();
      // When the topology is killed three times during the load, each time once it has processed for a
      // while after the previous restart, and started again at once
      for (int kill = 1; kill <= KILLS; kill++) {
        int at = sent.get() + SPANS_BETWEEN_KILLS;
        Await.until(Duration.ofSeconds(60), at + " spans sent", () -> sent.get() >= at);
        add(missed, topology.metrics());
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
      long loadEnded = System.nanoTime();
      // and the spans stop, the last windows are closed by one span per input partition ending past their
      // end + grace, sent at once: the topology may still be working off the load, but each input task
      // reads its partition in order, so it has sent every load span on before it reports the closing
      // span's time. (Without them the last windows close topology.idle.close, a minute, after the load.)
      long closingWindow = close() / WINDOW_MS * WINDOW_MS;

      // Then the committed span, trace and edge window results each add up to the input, window by
      // window, each emitted once (the closing spans' windows, which stay open, are left out)
      Windows spanWindows = readWindows("eos_span_metrics", closingWindow, spans, r -> {
        SeriesKey key = StreamTopology.SERIES_KEY.deserializer().deserialize("", utf8(r.key()));
        WindowResult value = StreamTopology.WINDOW_RESULT.deserializer().deserialize("", r.value());
        return new Window(value.windowStart(), key.service() + " " + key.operation() + " " + key.status(),
            value.count(), value.errors());
      });
      Windows traceWindows = readWindows("eos_trace_metrics", closingWindow, spans, r -> {
        TraceSeriesKey key = StreamTopology.TRACE_SERIES_KEY.deserializer().deserialize("", utf8(r.key()));
        WindowResult value = StreamTopology.WINDOW_RESULT.deserializer().deserialize("", r.value());
        return new Window(value.windowStart(), key.rootService() + " " + key.rootOperation(), value.count(),
            value.errors());
      });
      Windows edgeWindows = readWindows("eos_edges", closingWindow, spans, r -> {
        EdgeKey key = StreamTopology.EDGE_KEY.deserializer().deserialize("", utf8(r.key()));
        EdgeWindowResult value = StreamTopology.EDGE_WINDOW_RESULT.deserializer().deserialize("", r.value());
        return new Window(value.windowStart(), key.client() + " " + key.server() + " " + key.connectionType(),
            value.calls(), value.errors());
      });
      double resultsAfterLoad = (System.nanoTime() - loadEnded) / 1e9;
      add(missed, topology.metrics());
      boolean exact = spanWindows.equalTo(expected.spans) && traceWindows.equalTo(expected.traces)
          && edgeWindows.equalTo(expected.edges);
      if (!exact) {
        System.out.println("counted by the processes: " + missed + "\n" + diagnosis(expected, spanWindows,
            traceWindows, edgeWindows, topology.metrics()));
      }
      assertThat(List.of(spanWindows.duplicates, traceWindows.duplicates, edgeWindows.duplicates))
          .as("span, trace and edge windows emitted more than once").containsOnly(0);
      assertThat(missed).as("late and unpaired counted by the processes (each read before its kill)")
          .allSatisfy((counter, n) -> assertThat(n).as(counter).isZero());
      assertThat(spanWindows.lists()).as("span windows vs. recomputation (diagnosis on stdout)")
          .isEqualTo(lists(expected.spans));
      assertThat(traceWindows.lists()).as("trace windows vs. recomputation (diagnosis on stdout)")
          .isEqualTo(lists(expected.traces));
      assertThat(edgeWindows.lists()).as("edge windows vs. recomputation (diagnosis on stdout)")
          .isEqualTo(lists(expected.edges));

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
      long lost = Arrays.stream(seen).filter(n -> n == 0).count();
      long duplicated = Arrays.stream(seen).filter(n -> n > 1).count();
      assertThat(lost).as("sequence numbers without a trace summary").isZero();
      assertThat(duplicated).as("sequence numbers summarized twice").isZero();
      assertThat(TopicReader.readUntil(KAFKA.bootstrapServers(), "eos_dlq", Duration.ofSeconds(5), r -> true))
          .as("DLQ").isEmpty();

      long counted = spanWindows.total();
      ReliabilityReport.write("topology-kill", String.format("""
          | faults injected | grace | spans sent | span window results | spans in them | lost | double-counted \
          | trace and edge window results | traces summarized twice | late spans, traces, edges \
          | restart to ready (s) | last result after the load (s) | test duration (s) |
          | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
          | %d x SIGKILL of the topology process | %d s (default) | %d | %d | %d | %d | %d \
          | %d + %d, as recomputed | %d | %d, %d, %d | %s | %.0f | %.0f |
          """, KILLS, DEFAULT_GRACE_MS / 1000, spans, spanWindows.records, counted, lost, counted - spans,
          traceWindows.records, edgeWindows.records, duplicated, missed.get("tracestream_late_spans_total"),
          missed.get("tracestream_late_traces_total"), missed.get("tracestream_late_edges_total"),
          recoverySeconds.stream().map(s -> String.format("%.1f", s)).toList(), resultsAfterLoad,
          (System.nanoTime() - started) / 1e9));
    } finally {
      load.interrupt();
      topology.stop();
    }
  }

  /**
   * Sends one span to every input partition, ending one window and the grace after now (within the
   * default topology.max.future.skew of a minute), under service and operation "closing", and returns
   * its end. Every load window ends before it minus grace, so every input task's progress passes them.
   */
  private static long close() throws Exception {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    long endMs = System.currentTimeMillis() + 2 * WINDOW_MS + DEFAULT_GRACE_MS;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (int partition = 0; partition < PARTITIONS; partition++) {
        Span span = Span.newBuilder()
            .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(CLOSING_TRACES).putLong(partition).array()))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array()))
            .setName("closing").setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano((endMs - 1) * 1_000_000L).setEndTimeUnixNano(endMs * 1_000_000L).build();
        producer.send(new ProducerRecord<>("eos_spans", partition, TraceIds.toHex(span.getTraceId()),
            TopologyFixture.request("closing", span).toByteArray())).get();
      }
    }
    return endMs;
  }

  /**
   * Sends spans numbered from 0 until stopped, each a one-span trace ending now (so an edge from
   * {@code user}), at a steady rate; records what it sent.
   */
  private static void produce(Expected expected, AtomicInteger sent, AtomicBoolean stop) {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
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
            .setStatus(Status.newBuilder()
                .setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET))
            .build();
        expected.add(endMs, service, operation, error);
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

  /** Window results recomputed from what the load sent: [count, errors] per "window-start series". */
  private static final class Expected {
    final Map<String, long[]> spans = new ConcurrentHashMap<>();
    final Map<String, long[]> traces = new ConcurrentHashMap<>();
    final Map<String, long[]> edges = new ConcurrentHashMap<>();

    /** A one-span trace: its span, its summary and its edge from {@code user} all fall in its end's window. */
    void add(long endMs, String service, String operation, boolean error) {
      long start = endMs / WINDOW_MS * WINDOW_MS;
      String status = error ? "STATUS_CODE_ERROR" : "STATUS_CODE_UNSET";
      count(spans, start + " " + service + " " + operation + " " + status, error);
      count(traces, start + " " + service + " " + operation, error);
      count(edges, start + " " + Edge.USER + " " + service + " " + Edge.VIRTUAL_NODE, error);
    }

    private static void count(Map<String, long[]> windows, String window, boolean error) {
      long[] counts = windows.computeIfAbsent(window, k -> new long[2]);
      counts[0]++;
      counts[1] += error ? 1 : 0;
    }
  }

  /** One window result: its start, its series, what it counted (spans, traces or calls) and the errors. */
  private record Window(long start, String series, long count, long errors) {}

  /** A topic's window results as "window-start series" -> [count, errors], and how many came twice. */
  private record Windows(Map<String, long[]> counts, int duplicates, int records) {
    long total() {
      return counts.values().stream().mapToLong(c -> c[0]).sum();
    }

    Map<String, List<Long>> lists() {
      return TopologyKillFaultIT.lists(counts);
    }

    boolean equalTo(Map<String, long[]> expected) {
      return lists().equals(TopologyKillFaultIT.lists(expected));
    }
  }

  /**
   * The committed window results of {@code topic} starting before {@code before}, once they count
   * {@code total} (or all there are after two minutes: trace windows close trace idle, rejoin and grace
   * after their last trace).
   */
  private static Windows readWindows(String topic, long before, long total,
      Function<ConsumerRecord<String, byte[]>, Window> parse) {
    Predicate<List<ConsumerRecord<String, byte[]>>> complete = records -> records.stream().map(parse)
        .filter(w -> w.start() < before).mapToLong(Window::count).sum() >= total;
    Map<String, long[]> counts = new TreeMap<>();
    int duplicates = 0;
    int records = 0;
    for (ConsumerRecord<String, byte[]> r : readUpTo(Duration.ofSeconds(120), topic, complete)) {
      Window w = parse.apply(r);
      if (w.start() >= before) {
        continue;
      }
      records++;
      if (counts.put(w.start() + " " + w.series(), new long[] {w.count(), w.errors()}) != null) {
        duplicates++;
      }
    }
    return new Windows(counts, duplicates, records);
  }

  /** The topic's committed records once they satisfy {@code done}, or all there are after {@code timeout}. */
  private static List<ConsumerRecord<String, byte[]>> readUpTo(Duration timeout, String topic,
      Predicate<List<ConsumerRecord<String, byte[]>>> done) {
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
   * Where the windows that differ lost or gained: for span windows also their counts as the partials on
   * the by-service repartition topic (read_committed) have them; then the last process's pipeline counters.
   */
  private static String diagnosis(Expected expected, Windows spans, Windows traces, Windows edges, String metrics) {
    Map<String, long[]> partials = new TreeMap<>();
    for (ConsumerRecord<String, byte[]> r : readUpTo(Duration.ofSeconds(20),
        "eos-fault-" + StreamTopology.REPARTITION + "-repartition", r -> false)) {
      if (r.value() == null) {
        continue; // a progress report
      }
      SpanPartial partial = SpanPartial.SERDE.deserializer().deserialize("", r.value());
      String window = r.timestamp() / WINDOW_MS * WINDOW_MS + " " + partial.service() + " " + partial.operation()
          + " " + SpanSeries.statusName(partial.status());
      partials.computeIfAbsent(window, k -> new long[1])[0] += partial.window().count();
    }
    StringBuilder out = new StringBuilder("window | expected | emitted | spans in partials on the repartition topic\n");
    differences(expected.spans, spans.counts(), partials, out);
    differences(expected.traces, traces.counts(), Map.of(), out);
    differences(expected.edges, edges.counts(), Map.of(), out);
    metrics.lines().filter(l -> l.startsWith("tracestream_late") || l.startsWith("tracestream_overflow")
            || l.startsWith("tracestream_dropped") || l.startsWith("tracestream_edge_unpaired"))
        .forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }

  private static void differences(Map<String, long[]> expected, Map<String, long[]> actual,
      Map<String, long[]> partials, StringBuilder out) {
    new TreeMap<>(expected).forEach((window, counts) -> {
      long[] got = actual.getOrDefault(window, new long[2]);
      if (got[0] != counts[0] || got[1] != counts[1]) {
        out.append(window).append(" | ").append(counts[0]).append(" | ").append(got[0]).append(" | ")
            .append(partials.containsKey(window) ? Long.toString(partials.get(window)[0]) : "-").append('\n');
      }
    });
    actual.keySet().stream().filter(window -> !expected.containsKey(window))
        .forEach(window -> out.append(window).append(" | 0 | ").append(actual.get(window)[0]).append(" | -\n"));
  }

  /** Adds a process's counters (from its /metrics, summed over their tags) to {@code totals}. */
  private static void add(Map<String, Long> totals, String metrics) {
    totals.replaceAll((counter, n) -> n + (long) metrics.lines().filter(l -> l.startsWith(counter))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, List<Long>> lists(Map<String, long[]> counts) {
    Map<String, List<Long>> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, List.of(v[0], v[1])));
    return out;
  }
}

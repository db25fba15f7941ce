package io.tracestream.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.alerting.state.AlertStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;

/**
 * Evaluates a rule file over window results that already exist (a backfill's), in event time, with the
 * live evaluator itself: {@link AlertingTopology} (observations, repartition by alert id,
 * {@link EvaluatorProcessor} and its state machines) runs in Kafka Streams' {@link TopologyTestDriver},
 * an in-process runner of a topology, so there is no second implementation to drift from live alerting.
 *
 * <p>The results go in in event-time order (window end, then window start, then as read), a window end
 * at a time; after each, the driver's clock moves on by {@code alerting.window.settle} and the
 * evaluator's punctuation, as when the topology has written all results of a window and gone quiet.
 * Live evaluation dates every transition by the windows alone (never by the wall clock), so the
 * backtest of a replayed day gives the transitions live alerting gave for it; only {@code evaluatedAt}
 * (the driver's clock, which starts at the backtest's start) and {@code page} differ.
 */
public final class Backtest {
  /** One record of an input topic, as read. */
  public record Input(String topic, byte[] key, byte[] value) {}

  /** What a backtest found: transitions in the order the evaluator wrote them, and what it skipped. */
  public record Outcome(List<AlertTransition> transitions, Map<String, Long> skipped, long from, long to) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PUNCTUATION = Duration.ofSeconds(1);

  private final AlertingConfig config;

  public Backtest(AlertingConfig config) {
    this.config = config;
  }

  /** The topics the rules read (a rule file without span rules does not need span metrics). */
  public List<String> inputTopics() {
    return AlertingTopology.inputTopics(config);
  }

  /** Runs the rules over {@code inputs} (records of {@link #inputTopics()}; others are ignored). */
  public Outcome run(List<Input> inputs) {
    List<String> topics = inputTopics();
    List<Timed> ordered = new ArrayList<>(inputs.size());
    Counting metrics = new Counting();
    for (Input in : inputs) {
      if (!topics.contains(in.topic())) {
        continue;
      }
      long[] window = window(in.value());
      if (window == null) {
        metrics.skipped("undecodable");
        continue;
      }
      ordered.add(new Timed(window[1], window[0], ordered.size(), in));
    }
    ordered.sort(Comparator.comparingLong(Timed::end).thenComparingLong(Timed::start).thenComparingInt(Timed::seq));
    Path stateDir = tempDir();
    List<AlertTransition> out = new ArrayList<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(
        new AlertingTopology(config, metrics, Stores::inMemoryKeyValueStore).get(),
        properties(stateDir), Instant.now())) {
      Map<String, TestInputTopic<byte[], byte[]>> in = new TreeMap<>();
      topics.forEach(t -> in.put(t, driver.createInputTopic(t, new ByteArraySerializer(), new ByteArraySerializer())));
      TestOutputTopic<String, AlertTransition> alerts = driver.createOutputTopic(config.alertsTopic(),
          new StringDeserializer(), AlertingTopology.TRANSITION.deserializer());
      Duration quiet = config.settle().plus(PUNCTUATION);
      for (int i = 0; i < ordered.size(); i++) {
        Timed t = ordered.get(i);
        in.get(t.input().topic()).pipeInput(t.input().key(), t.input().value(), t.start());
        if (i + 1 == ordered.size() || ordered.get(i + 1).end() != t.end()) {
          driver.advanceWallClockTime(quiet); // a window end's results are all in: they settle
          alerts.readValuesToList().forEach(out::add);
        }
      }
    } finally {
      delete(stateDir);
    }
    long from = ordered.isEmpty() ? -1 : ordered.stream().mapToLong(Timed::start).min().orElse(-1);
    long to = ordered.isEmpty() ? -1 : ordered.get(ordered.size() - 1).end();
    return new Outcome(List.copyOf(out), metrics.counts(), from, to);
  }

  /** The transitions as records of the alerts topic: key the alert id, as the live evaluator writes them. */
  public static List<KeyValue<String, byte[]>> records(List<AlertTransition> transitions) {
    return transitions.stream()
        .map(t -> KeyValue.pair(t.alertId(), AlertingTopology.TRANSITION.serializer().serialize(null, t))).toList();
  }

  private record Timed(long end, long start, int seq, Input input) {}

  /** {windowStart, windowEnd} of a window result (span, trace or edge), or null when it is not one. */
  private static long[] window(byte[] value) {
    if (value == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(value);
      JsonNode start = node == null ? null : node.get("windowStart");
      JsonNode end = node == null ? null : node.get("windowEnd");
      if (start == null || end == null || !start.canConvertToLong() || !end.canConvertToLong()) {
        return null;
      }
      return new long[] {start.asLong(), end.asLong()};
    } catch (IOException e) {
      return null;
    }
  }

  private Properties properties(Path stateDir) {
    Properties props = AlertingApp.streamsProperties(config);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId() + "-backtest");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return props;
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("tracestream-backtest");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the backtest's state directory", e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the backtest's state directory " + dir, e);
    }
  }

  /** The evaluator's counts, kept for the summary: a backtest has no /metrics. */
  private static final class Counting implements EvaluatorMetrics {
    private final Map<String, Long> skipped = new TreeMap<>();

    @Override
    public void transition(AlertStatus status, boolean paged) {}

    @Override
    public void skipped(String reason) {
      skipped.merge(reason, 1L, Long::sum);
    }

    Map<String, Long> counts() {
      return Map.copyOf(skipped);
    }
  }
}

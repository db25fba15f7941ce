package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.config.Settings;
import io.tracestream.replay.backfill.Backfill;
import io.tracestream.replay.backfill.ResultTopics;
import io.tracestream.replay.source.OtlpJson;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.TopologyConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The same file replayed into a backfill run twice (the second a clean rerun) gives identical window results. */
class BackfillDeterminismIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  static Map<String, String> settings(String bootstrap, Path stateDir) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", bootstrap);
    values.put("kafka.commit.interval.ms", "200");
    values.put("topology.window", "10s");
    values.put("topology.grace", "5s");
    values.put("topology.trace.idle", "2s");
    values.put("topology.state.dir", stateDir.toString());
    values.put("replay.backfill.idle.close", "2s");
    values.put("replay.backfill.timeout", "2m");
    return values;
  }

  static ReplayOptions backfillOf(Path file, String name) {
    return new ReplayOptions(List.of(file.toString()), null, false, null, null, name, false, null, null, false, null,
        Map.of(), Progress.Mode.NONE);
  }

  @Test
  void aRerunOfTheSameFileGivesTheSameWindowResults() throws Exception {
    // Given spans of three services from two hours ago, over about two minutes of event time
    Instant base = Instant.now().minus(Duration.ofHours(2));
    List<String> lines = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      for (ExportTraceServiceRequest r : RealisticSpans.generate(5, 40, 100 + k, base.plusSeconds(30L * k))) {
        lines.add(OtlpJson.line(r));
      }
    }
    Path file = Files.write(dir.resolve("spans.jsonl"), lines);
    Settings settings = Settings.of(settings(KAFKA.bootstrapServers(), dir.resolve("state")));
    TopologyConfig topics = Backfill.config("determinism", settings, Duration.ofSeconds(2));

    // When it is replayed into backfill "determinism", and again into the same name
    Map<String, List<String>> first = replayAndRead(file, settings, topics);
    Map<String, List<String>> second = replayAndRead(file, settings, topics);

    // Then both runs wrote the same results, and the rerun started clean (no result twice)
    assertThat(first.get(topics.spanMetricsTopic())).hasSizeGreaterThan(10);
    assertThat(first.get(topics.traceMetricsTopic())).isNotEmpty();
    assertThat(first.get(topics.edgesTopic())).isNotEmpty();
    assertThat(first.get(topics.tracesTopic())).isNotEmpty();
    assertThat(second).isEqualTo(first);
  }

  private static Map<String, List<String>> replayAndRead(Path file, Settings settings, TopologyConfig topics) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Replay.Outcome outcome = Replay.run(backfillOf(file, "determinism"), settings, InputStream.nullInputStream(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(outcome.exitCode()).as(log).isZero();
    assertThat(outcome.stats().spansSent()).as(log).isEqualTo(4 * 5 * 40);
    assertThat(log).contains("backfill: done");
    Map<String, List<String>> out = new HashMap<>();
    for (String topic : List.of(topics.spanMetricsTopic(), topics.traceMetricsTopic(), topics.edgesTopic(), topics.tracesTopic())) {
      List<String> records = new ArrayList<>(ResultTopics.read(topics.kafka(), topic).stream()
          .map(e -> e.key() + " " + e.value()).toList());
      records.sort(Comparator.naturalOrder());
      out.put(topic, records);
    }
    return out;
  }
}

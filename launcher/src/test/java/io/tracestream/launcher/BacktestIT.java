package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.AlertingApp;
import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.AlertingTopology;
import io.tracestream.config.Settings;
import io.tracestream.replay.Progress;
import io.tracestream.replay.Replay;
import io.tracestream.replay.ReplayOptions;
import io.tracestream.replay.backfill.ResultTopics;
import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 20: a day with two incidents, once through the live path (replayed with its original times into
 * the live spans topic of a fresh topology, live alerting on its results) and once replayed into a
 * backfill and backtested: both list the same transitions at the same event times, the incidents'.
 *
 * <p>The day is compressed: a trace every 2 minutes, and every 5 s from 09:30 to 10:30 around the
 * incidents, with 10 s windows, so that it runs in tens of seconds. Both paths use the same topology
 * settings, pre-aggregation off: on a day replayed in seconds, wall-clock pre-aggregation would make
 * spans late in the live path by timing (replay/README.md, "Determinism"), which a day lived at its own
 * pace does not do.
 */
class BacktestIT {
  private static final String RULES = """
      rules:
        - name: pay-p99
          signal: span_latency
          quantile: 0.99
          match: {service: payments, operation: POST /pay}
          operator: ">"
          threshold: 500ms
          for: 30s
        - name: checkout-trace-p99
          signal: trace_latency
          quantile: 0.99
          match: {root_service: gateway}
          operator: ">"
          threshold: 800ms
        - name: payments-errors
          signal: error_ratio
          match: {service: payments}
          group_by: [service]
          operator: ">"
          threshold: 20%
          keep_firing_for: 20s
        - name: never
          signal: call_rate
          operator: ">"
          threshold: 1000/s
      """;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The day: two days ago, midnight UTC. */
  private static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(2));
  private static final String PAY = "{kind=\"SPAN_KIND_SERVER\",operation=\"POST /pay\",service=\"payments\"}";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path dir;

  @Test
  void aBacktestOfAReplayedDayListsTheTransitionsLiveAlertingGaveForIt() throws Exception {
    KAFKA.createTopics(2, "bt_spans");
    Path spans = writeDay(dir.resolve("day.json"));
    Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
    Map<String, String> settings = settings(rules);
    List<String> expected = List.of(
        "checkout-trace-p99{root_operation=\"POST /checkout\",root_service=\"gateway\"} FIRING " + at("10:00:10"),
        "pay-p99" + PAY + " PENDING " + at("10:00:10"),
        "pay-p99" + PAY + " FIRING " + at("10:00:30"),
        "checkout-trace-p99{root_operation=\"POST /checkout\",root_service=\"gateway\"} RESOLVED " + at("10:05:10"),
        "pay-p99" + PAY + " RESOLVED " + at("10:05:10"),
        "payments-errors{service=\"payments\"} FIRING " + at("10:20:10"),
        "payments-errors{service=\"payments\"} RESOLVED " + at("10:21:30"));

    try (TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(settings)));
        AlertingApp alerting = AlertingApp.start(AlertingConfig.from(Settings.of(settings)))) {
      // (spans before the topology has its partitions would wait out a rebalance, and could outlast idle.close)
      Await.until(Duration.ofSeconds(60), "the topology and alerting to be ready",
          () -> AdminPort.get(topology.adminPort(), "/health/ready").statusCode() == 200
              && AdminPort.get(alerting.adminPort(), "/health/ready").statusCode() == 200);
      // Given the day through the live path: its spans with their times into the live spans topic
      replay(spans, null, settings);
      // and into backfill "day"
      replay(spans, "day", settings);

      // When the rules are backtested on the backfill
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = backtest(settings, out, err, rules.toString(), "--backfill", "day");
      assertThat(code).as(err.toString()).isZero();

      // Then the backfill's alerts topic holds exactly the incidents' transitions, in event-time order
      List<String> backtested = transitions("backfill.day.bt_alerts");
      assertThat(backtested).isEqualTo(expected);
      // and live alerting gave the same, at the same event times
      Await.until(Duration.ofSeconds(90), "live alerting to write " + expected.size() + " transitions",
          () -> transitions("bt_alerts").size() >= expected.size());
      assertThat(sorted(transitions("bt_alerts"))).isEqualTo(sorted(backtested));
      // and the report lists each episode
      assertThat(out.toString()).contains(
          "pay-p99: 1 episode(s), 1 fired",
          "  " + PAY + "  " + at("10:00:10") + "      " + at("10:00:30") + "      " + at("10:05:10"),
          "payments-errors: 1 episode(s), 1 fired",
          "never: never pending",
          "backtest: 7 transitions written to backfill.day.bt_alerts");

      // When it is run again, its transitions replace the first run's
      assertThat(backtest(settings, new StringWriter(), err, rules.toString(), "--backfill", "day")).isZero();
      assertThat(transitions("backfill.day.bt_alerts")).isEqualTo(expected);
    }
  }

  @Test
  void aBackfillThatDoesNotExistIsExitCode1AndABadRuleFileExitCode2() throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "rules:\n  - name: x\n    signal: nope\n");
    StringWriter err = new StringWriter();

    assertThat(backtest(settings(rules), new StringWriter(), err, rules.toString(), "--backfill", "nosuch"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("no backfill 'nosuch'", "backfill.nosuch.bt_span_metrics");

    StringWriter badErr = new StringWriter();
    assertThat(backtest(settings(rules), new StringWriter(), badErr, bad.toString(), "--backfill", "nosuch"))
        .isEqualTo(2);
    assertThat(badErr.toString()).contains("bad.yaml:3");
  }

  private Map<String, String> settings(Path rules) {
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    s.put("kafka.commit.interval.ms", "200");
    s.put("topic.spans", "bt_spans");
    s.put("topic.span-metrics", "bt_span_metrics");
    s.put("topic.trace-metrics", "bt_trace_metrics");
    s.put("topic.edges", "bt_edges");
    s.put("topic.traces", "bt_traces");
    s.put("topic.dlq", "bt_dlq");
    s.put("topic.alerts", "bt_alerts");
    s.put("topology.application.id", "bt-live");
    s.put("topology.state.dir", dir.resolve("streams").toString());
    s.put("topology.admin.port", "0");
    s.put("topology.window", "10s");
    s.put("topology.grace", "2s");
    s.put("topology.trace.idle", "1s");
    s.put("topology.trace.rejoin", "1s");
    s.put("topology.preaggregate.interval", "0s");
    s.put("replay.backfill.idle.close", "2s");
    s.put("replay.backfill.timeout", "2m");
    s.put("alerting.rules.file", rules.toString());
    s.put("alerting.application.id", "bt-alerting");
    s.put("alerting.state.dir", dir.resolve("alerting").toString());
    s.put("alerting.admin.port", "0");
    s.put("alerting.window.settle", "2s");
    return s;
  }

  private static void replay(Path file, String backfill, Map<String, String> settings) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Replay.Outcome outcome = Replay.run(new ReplayOptions(List.of(file.toString()), null, false, null, null, backfill,
        false, null, null, false, null, Map.of(), Progress.Mode.NONE), Settings.of(settings),
        InputStream.nullInputStream(), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(outcome.exitCode()).as(err.toString(StandardCharsets.UTF_8)).isZero();
  }

  private static int backtest(Map<String, String> settings, StringWriter out, StringWriter err, String... args) {
    List<String> argv = new ArrayList<>(List.of("rules", "backtest"));
    argv.addAll(List.of(args));
    settings.forEach((k, v) -> argv.addAll(List.of("--set", k + "=" + v)));
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(argv.toArray(String[]::new));
  }

  /** The transitions on {@code topic}: alert id, status, window end; partition by partition in offset order. */
  private static List<String> transitions(String topic) {
    return ResultTopics.read(KAFKA.clientProperties(), topic).stream()
        .map(e -> AlertingTopology.TRANSITION.fromBytes(e.value().getBytes(StandardCharsets.UTF_8)))
        .map(BacktestIT::line).toList();
  }

  private static String line(AlertTransition t) {
    return t.alertId() + " " + t.status() + " " + Instant.ofEpochMilli(t.windowEnd());
  }

  private static List<String> sorted(List<String> lines) {
    return lines.stream().sorted().toList();
  }

  private static String at(String time) {
    return DAY.plus(Duration.between(Instant.EPOCH, Instant.parse("1970-01-01T" + time + "Z"))).toString();
  }

  /**
   * The day as a Jaeger JSON export: gateway {@code POST /checkout} calls payments {@code POST /pay}
   * (50 ms); from 10:00 to 10:05 payments takes 900 ms, from 10:20 to 10:21 it fails.
   */
  private static Path writeDay(Path file) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    long dense = 9 * 3600 + 30 * 60;
    TreeSet<Long> starts = new TreeSet<>(); // seconds into the day
    for (long s = 0; s < 24 * 3600; s += 120) {
      starts.add(s);
    }
    for (long s = dense; s < dense + 3600; s += 5) {
      starts.add(s);
    }
    int n = 0;
    for (long s : starts) {
      long minute = s / 60;
      boolean slow = minute >= 600 && minute < 605;
      boolean failing = minute >= 620 && minute < 621;
      trace(data, ++n, DAY.plusSeconds(s), slow ? 900 : 50, failing);
    }
    JSON.writeValue(file.toFile(), root);
    return file;
  }

  private static void trace(ArrayNode data, int n, Instant start, long payMs, boolean error) {
    String traceId = String.format("%032x", n);
    ObjectNode trace = data.addObject().put("traceID", traceId);
    long t0 = start.toEpochMilli() * 1000;
    ArrayNode spans = trace.putArray("spans");
    span(spans, traceId, n, 1, 0, "p1", "POST /checkout", "server", t0, (payMs + 80) * 1000, false);
    span(spans, traceId, n, 2, 1, "p1", "POST /pay", "client", t0 + 5_000, (payMs + 10) * 1000, false);
    span(spans, traceId, n, 3, 2, "p2", "POST /pay", "server", t0 + 10_000, payMs * 1000, error);
    ObjectNode processes = trace.putObject("processes");
    processes.putObject("p1").put("serviceName", "gateway").putArray("tags");
    processes.putObject("p2").put("serviceName", "payments").putArray("tags");
  }

  private static void span(ArrayNode spans, String traceId, int n, int id, int parent, String process, String name,
      String kind, long startMicros, long durationMicros, boolean error) {
    ObjectNode span = spans.addObject().put("traceID", traceId).put("spanID", String.format("%08x%08x", n, id))
        .put("operationName", name).put("startTime", startMicros).put("duration", durationMicros)
        .put("processID", process);
    ArrayNode references = span.putArray("references");
    if (parent > 0) {
      references.addObject().put("refType", "CHILD_OF").put("traceID", traceId)
          .put("spanID", String.format("%08x%08x", n, parent));
    }
    ArrayNode tags = span.putArray("tags");
    tags.addObject().put("key", "span.kind").put("type", "string").put("value", kind);
    if (error) {
      tags.addObject().put("key", "error").put("type", "bool").put("value", true);
    }
    span.putArray("logs");
  }
}

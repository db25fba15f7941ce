package io.tracestream.alerting;

import static io.tracestream.alerting.Results.MINUTE;
import static io.tracestream.alerting.Results.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tracestream.alerting.state.AlertStatus;
import io.tracestream.config.Settings;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BacktestTest {
  /** A day two weeks ago: far older than alerting.page.max.age. */
  private static final long DAY = Instant.parse("2026-03-02T00:00:00Z").toEpochMilli();
  private static final String RULES = """
      rules:
        - name: cart-p99
          signal: span_latency
          quantile: 0.99
          match: {service: checkout, operation: GET /cart}
          operator: ">"
          threshold: 500ms
          for: 2m
        - name: db-failures
          signal: edge_failure_ratio
          operator: ">="
          threshold: 50%
      """;
  private static final SeriesKey CART_OK =
      new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final SeriesKey CART_ERROR =
      new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR");
  private static final String SPANS = "backfill.t.tracestream.span-metrics";
  private static final String SERIES = "{kind=\"SPAN_KIND_SERVER\",operation=\"GET /cart\",service=\"checkout\"}";

  @TempDir
  Path dir;

  private Backtest backtest() throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
    return new Backtest(AlertingConfig.from(Settings.of(Map.of("alerting.rules.file", rules.toString(),
        "topic.span-metrics", SPANS, "topic.edges", "backfill.t.tracestream.edges",
        "topic.alerts", "backfill.t.tracestream.alerts"))));
  }

  private static Backtest.Input span(SeriesKey key, WindowResult value) {
    return new Backtest.Input(SPANS, JsonSerde.of(SeriesKey.class).toBytes(key),
        JsonSerde.of(WindowResult.class).toBytes(value));
  }

  /** Minute i of the day: the ok and the error status of GET /cart, slow (900 ms) in minutes 600 to 604. */
  private static List<Backtest.Input> day() {
    List<Backtest.Input> inputs = new ArrayList<>();
    for (int i = 0; i < 24 * 60; i++) {
      boolean incident = i >= 600 && i < 605;
      inputs.add(span(CART_OK, window(DAY + i * MINUTE, 20, 0, incident ? 900 : 40)));
      inputs.add(span(CART_ERROR, window(DAY + i * MINUTE, 1, 1, 40)));
    }
    return inputs;
  }

  @Test
  void aDayOfWindowResultsInAnyOrderGivesTheIncidentsTransitionsAtItsWindowEnds() throws Exception {
    List<Backtest.Input> shuffled = new ArrayList<>(day());
    Collections.shuffle(shuffled, new java.util.Random(7));

    Backtest.Outcome outcome = backtest().run(shuffled);

    assertThat(outcome.transitions()).extracting(AlertTransition::alertId, AlertTransition::status,
        AlertTransition::windowEnd).containsExactly(
            tuple("cart-p99" + SERIES,
                AlertStatus.PENDING, DAY + 601 * MINUTE),
            tuple("cart-p99" + SERIES,
                AlertStatus.FIRING, DAY + 602 * MINUTE),
            tuple("cart-p99" + SERIES,
                AlertStatus.RESOLVED, DAY + 606 * MINUTE));
    assertThat(outcome.transitions()).allSatisfy(t -> assertThat(t.page()).isFalse());
    assertThat(outcome.from()).isEqualTo(DAY);
    assertThat(outcome.to()).isEqualTo(DAY + 24 * 60 * MINUTE);
    assertThat(outcome.skipped()).isEmpty();
    assertThat(backtest().inputTopics()).containsExactly(SPANS, "backfill.t.tracestream.edges");
  }

  @Test
  void recordsThatAreNotWindowResultsAreCountedAndSkipped() throws Exception {
    List<Backtest.Input> inputs = new ArrayList<>(day().subList(0, 4));
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    inputs.add(new Backtest.Input(SPANS, key, "{\"no\":1}".getBytes(StandardCharsets.UTF_8)));
    inputs.add(new Backtest.Input(SPANS, key, "not json".getBytes(StandardCharsets.UTF_8)));
    inputs.add(new Backtest.Input(SPANS, null, JsonSerde.of(WindowResult.class).toBytes(window(DAY, 1, 0, 1))));

    Backtest.Outcome outcome = backtest().run(inputs);

    assertThat(outcome.transitions()).isEmpty();
    assertThat(outcome.skipped()).isEqualTo(Map.of("undecodable", 3L));
  }

  @Test
  void theReportListsEachEpisodeWithItsPendingFiringAndResolvedTimes() throws Exception {
    Backtest backtest = backtest();
    Backtest.Outcome outcome = backtest.run(day());
    StringWriter out = new StringWriter();

    BacktestReport.print(io.tracestream.alerting.rules.RuleSet.load(dir.resolve("rules.yaml")), outcome, 2880,
        new PrintWriter(out));

    assertThat(out.toString().lines().toList()).containsExactly(
        "backtest: 2 rules over 2,880 window results, event time 2026-03-02T00:00:00Z to 2026-03-03T00:00:00Z",
        "cart-p99: 1 episode(s), 1 fired",
        String.format("  %-" + SERIES.length() + "s  %-24s  %-24s  %s", "SERIES", "PENDING", "FIRING", "RESOLVED"),
        "  " + SERIES + "  2026-03-02T10:01:00Z      2026-03-02T10:02:00Z      2026-03-02T10:06:00Z",
        "db-failures: never pending");
  }
}

package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.Spans.client;
import static io.tracestream.topology.traces.Spans.consumer;
import static io.tracestream.topology.traces.Spans.internal;
import static io.tracestream.topology.traces.Spans.producer;
import static io.tracestream.topology.traces.Spans.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Whole traces of the two deployments the issue describes. */
class DependencyScenariosTest {

  /**
   * ingestion -> Kafka -> processor -> Kafka -> storage -> PostgreSQL. The trace context travels in
   * Kafka headers; each consumer keeps the trace id but starts its own span, linked to the producer.
   */
  @Test void kafkaPipelineWithContextInHeadersLinksEachHopAndTheDatabase() {
    List<TraceSpan> trace = Stream.of(
        server("i1").service("ingestion").name("POST /trades").time(0, 2_000_000),
        producer("i2").parent("i1").service("ingestion").name("trades.raw publish").time(500_000, 1_500_000)
            .attr(TraceSpan.MESSAGING_SYSTEM, "kafka").attr(TraceSpan.MESSAGING_DESTINATION_NAME, "trades.raw"),
        consumer("p1").service("processor").name("trades.raw process").time(3_000_000, 9_000_000).link("i2")
            .attr(TraceSpan.MESSAGING_SYSTEM, "kafka").attr(TraceSpan.MESSAGING_DESTINATION_NAME, "trades.raw"),
        internal("p2").parent("p1").service("processor").name("enrich").time(3_100_000, 8_000_000),
        producer("p3").parent("p2").service("processor").name("trades.enriched publish").time(8_000_000, 8_500_000)
            .attr(TraceSpan.MESSAGING_SYSTEM, "kafka").attr(TraceSpan.MESSAGING_DESTINATION_NAME, "trades.enriched"),
        consumer("s1").service("storage").name("trades.enriched process").time(10_000_000, 14_000_000).link("p3"),
        client("s2").parent("s1").service("storage").name("INSERT trades").time(11_000_000, 13_000_000)
            .attr(TraceSpan.DB_SYSTEM, "postgresql").attr(TraceSpan.DB_NAME, "trades")
            .attr(TraceSpan.SERVER_ADDRESS, "pg.internal"))
        .map(Spans::build).toList();

    DependencyLinker.Result result = DependencyLinker.link(trace);

    assertThat(result.edges()).containsExactlyInAnyOrder(
        new Edge(Edge.USER, "ingestion", Edge.VIRTUAL_NODE, false, Edge.MISSING_LATENCY, 2_000_000),
        new Edge("ingestion", "processor", Edge.MESSAGING_SYSTEM, false, 1_000_000, 6_000_000),
        new Edge("processor", "storage", Edge.MESSAGING_SYSTEM, false, 500_000, 4_000_000),
        new Edge("storage", "trades", Edge.DATABASE, false, 2_000_000, 2_000_000));
    assertThat(result.unpaired()).isEmpty();
    assertThat(TraceSummaries.of(trace)).satisfies(summary -> {
      assertThat(summary.rootService()).isEqualTo("ingestion");
      assertThat(summary.durationNanos()).isEqualTo(14_000_000);
      assertThat(summary.services()).containsExactly("ingestion", "processor", "storage");
    });
  }

  /** Which of the ten trades fail, and where. */
  private static final int RISK_REJECTS = 3;       // risk-safety answers with an error, execution's client does not mark it
  private static final int RISK_REJECTS_AGAIN = 7;
  private static final int EXCHANGE_DOWN = 5;      // exchange call fails, execution fails, the trade fails
  private static final int AI_TIMEOUT = 8;         // backend's call to ai-engine times out; backend degrades gracefully

  /** backend -> ai-engine, backend -> execution -> risk-safety, execution -> exchange API (uninstrumented). */
  private static List<TraceSpan> trade(int n) {
    String traceId = String.format("%032x", n + 1);
    return Stream.of(
        server("b1").service("backend").name("POST /trade").error(n == EXCHANGE_DOWN),
        internal("b2").parent("b1").service("backend").name("place order"),
        client("b3").parent("b2").service("backend").name("POST /score").error(n == AI_TIMEOUT),
        server("a1").parent("b3").service("ai-engine").name("POST /score"),
        client("b4").parent("b2").service("backend").name("POST /execute"),
        server("e1").parent("b4").service("execution").name("POST /execute").error(n == EXCHANGE_DOWN),
        client("e2").parent("e1").service("execution").name("POST /check"),
        server("r1").parent("e2").service("risk-safety").name("POST /check")
            .error(n == RISK_REJECTS || n == RISK_REJECTS_AGAIN),
        client("e3").parent("e1").service("execution").name("POST /orders").error(n == EXCHANGE_DOWN)
            .attr(TraceSpan.SERVER_ADDRESS, "api.exchange.example"))
        .map(span -> span.trace(traceId).build()).toList();
  }

  @Test void tradingPlatformCountsEveryCallAndExactlyTheFailedOnes() {
    Map<String, int[]> callsAndFailures = new TreeMap<>();
    for (int n = 0; n < 10; n++) {
      DependencyLinker.Result result = DependencyLinker.link(trade(n));
      assertThat(result.unpaired()).isEmpty();
      for (Edge edge : result.edges()) {
        int[] counts = callsAndFailures.computeIfAbsent(
            edge.client() + " -> " + edge.server() + " [" + edge.connectionType() + "]", k -> new int[2]);
        counts[0]++;
        counts[1] += edge.failed() ? 1 : 0;
      }
    }

    assertThat(callsAndFailures).containsOnlyKeys(
        "user -> backend [virtual_node]",
        "backend -> ai-engine []",
        "backend -> execution []",
        "execution -> risk-safety []",
        "execution -> api.exchange.example [virtual_node]");
    assertThat(callsAndFailures).extractingFromEntries(e -> entry(e.getKey(), List.of(e.getValue()[0], e.getValue()[1])))
        .containsExactlyInAnyOrder(
            entry("user -> backend [virtual_node]", List.of(10, 1)),
            entry("backend -> ai-engine []", List.of(10, 1)),
            entry("backend -> execution []", List.of(10, 1)),
            entry("execution -> risk-safety []", List.of(10, 2)),
            entry("execution -> api.exchange.example [virtual_node]", List.of(10, 1)));
  }

  @Test void tradingPlatformTraceIsAnErrorExactlyWhenOneOfItsSpansFailed() {
    List<Integer> failedTrades = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      TraceSummary summary = TraceSummaries.of(trade(n));
      assertThat(summary.rootService()).isEqualTo("backend");
      assertThat(summary.services()).containsExactly("ai-engine", "backend", "execution", "risk-safety");
      if (summary.error()) {
        failedTrades.add(n);
      }
    }

    assertThat(failedTrades).containsExactlyInAnyOrder(RISK_REJECTS, EXCHANGE_DOWN, AI_TIMEOUT, RISK_REJECTS_AGAIN);
  }
}

package io.tracestream.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rules that match and group by the dimensions of span and trace series (topology.dimensions). */
class ObservationsDimensionsTest {
  private static final WindowResult WINDOW = new WindowResult(0, 60_000, 10, 2, 100, 10, 10, 10, 10, List.of(), null);

  private static Observations rules(String rules) {
    return new Observations(RuleSet.parse("dimensions: [symbol, deployment_environment_name]\nrules:\n" + rules,
        "rules.yaml"));
  }

  private static SeriesKey quote(String symbol, String environment) {
    return new SeriesKey("quotes", "GET /quote", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR",
        Map.of("symbol", symbol, "deployment.environment.name", environment));
  }

  @Test
  void aRuleMatchesADimensionByItsExportedLabelAndGroupsByIt() {
    Observations observations = rules("""
          - name: quote-errors
            signal: error_ratio
            match: {deployment_environment_name: prod}
            group_by: [service, symbol]
            operator: ">"
            threshold: 5%
        """);

    assertThat(observations.spans(quote("AAPL", "prod"), WINDOW)).singleElement().satisfies(kv -> {
      assertThat(kv.key).isEqualTo("quote-errors{service=\"quotes\",symbol=\"AAPL\"}");
      assertThat(kv.value.labels()).containsExactly(Map.entry("service", "quotes"), Map.entry("symbol", "AAPL"));
    });
    assertThat(observations.spans(quote("AAPL", "staging"), WINDOW)).isEmpty();
  }

  @Test
  void withoutGroupByARuleTakesTheSeriesOfEveryDimensionValueTogether() {
    Observations observations = rules("""
          - name: quote-errors
            signal: error_ratio
            operator: ">"
            threshold: 5%
        """);

    String aapl = observations.spans(quote("AAPL", "prod"), WINDOW).get(0).key;
    String msft = observations.spans(quote("MSFT", "prod"), WINDOW).get(0).key;

    assertThat(aapl).isEqualTo(msft)
        .isEqualTo("quote-errors{kind=\"SPAN_KIND_SERVER\",operation=\"GET /quote\",service=\"quotes\"}");
  }

  @Test
  void aTraceRuleGroupsBySymbol() {
    Observations observations = rules("""
          - name: pipeline-latency
            signal: trace_latency
            quantile: 0.99
            group_by: [root_service, symbol]
            operator: ">"
            threshold: 2s
        """);

    assertThat(observations.traces(new TraceSeriesKey("ingestion", "ingest", Map.of("symbol", "AAPL")), WINDOW))
        .singleElement().satisfies(kv ->
            assertThat(kv.key).isEqualTo("pipeline-latency{root_service=\"ingestion\",symbol=\"AAPL\"}"));
  }
}

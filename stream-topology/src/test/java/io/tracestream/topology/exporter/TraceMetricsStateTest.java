package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceMetricsStateTest {
  private static final TraceSeriesKey CHECKOUT = new TraceSeriesKey("frontend", "POST /checkout");
  private static final TraceSeriesKey CART = new TraceSeriesKey("frontend", "GET /cart");
  private static final String CHECKOUT_LABELS = "root_service=\"frontend\",root_operation=\"POST /checkout\"";
  private static final String CART_LABELS = "root_service=\"frontend\",root_operation=\"GET /cart\"";

  private final TraceMetricsState state = new TraceMetricsState(Duration.ofMinutes(5));

  /** A one-minute window of traces of these durations, {@code errors} of them failed. */
  private static WindowResult traces(long end, long errors, double... durationsMs) {
    WindowResult w = window(end, 0, 0, 0, durationsMs);
    return new WindowResult(w.windowStart(), w.windowEnd(), w.count(), errors, w.sumMs(), w.p50Ms(), w.p95Ms(),
        w.p99Ms(), w.maxMs(), w.buckets(), w.sketch());
  }

  @Test
  void writesTheTraceCounterThenQuantilesAndErrorRatioOfTheLastWindow() throws IOException {
    state.apply(0, CHECKOUT, traces(MINUTE, 3, 100, 200, 300, 400));
    state.apply(0, CHECKOUT, traces(2 * MINUTE, 1, 1_000, 2_000, 3_000, 4_000, 5_000));

    String text = text();

    assertThat(text).startsWith("""
        # HELP tracestream_traces_total Traces per root service and operation, \
        from committed trace-metrics window results.
        # TYPE tracestream_traces_total counter
        tracestream_traces_total{L} 9
        # HELP tracestream_trace_duration_seconds Whole-trace duration quantiles of the last closed window, from its \
        sketch (relative error 0.5 %).
        # TYPE tracestream_trace_duration_seconds gauge
        """.replace("{L", "{" + CHECKOUT_LABELS));
    assertThat(text).endsWith("""
        # HELP tracestream_trace_error_ratio Share of traces with an error span in the last closed window.
        # TYPE tracestream_trace_error_ratio gauge
        tracestream_trace_error_ratio{L} 0.2
        """.replace("{L", "{" + CHECKOUT_LABELS));
    // last window {1, 2, 3, 4, 5} s: rank floor(q * 4) is 2 for p50, 3 for p95 and p99
    assertThat(gauge(CHECKOUT_LABELS, "0.5")).isCloseTo(3, withinPercentage(0.5));
    assertThat(gauge(CHECKOUT_LABELS, "0.95")).isCloseTo(4, withinPercentage(0.5));
    assertThat(gauge(CHECKOUT_LABELS, "0.99")).isCloseTo(4, withinPercentage(0.5));
  }

  @Test
  void theLastWindowIsTheOneWithTheGreatestEndWhateverTheOrderApplied() throws IOException {
    state.apply(0, CHECKOUT, traces(2 * MINUTE, 0, 50));
    state.apply(0, CHECKOUT, traces(MINUTE, 1, 900));

    assertThat(gauge(CHECKOUT_LABELS, "0.99")).isCloseTo(0.05, withinPercentage(0.5));
    assertThat(text()).contains("tracestream_trace_error_ratio{" + CHECKOUT_LABELS + "} 0\n")
        .contains("tracestream_traces_total{" + CHECKOUT_LABELS + "} 2\n");
  }

  @Test
  void aSeriesQuietForLongerThanStaleAfterLosesItsGaugesButKeepsItsCounter() throws IOException {
    state.apply(0, CART, traces(MINUTE, 1, 10));
    state.apply(0, CHECKOUT, traces(7 * MINUTE, 0, 20));

    String text = text();

    assertThat(text).contains("tracestream_traces_total{" + CART_LABELS + "} 1\n")
        .doesNotContain("tracestream_trace_error_ratio{" + CART_LABELS)
        .doesNotContain("tracestream_trace_duration_seconds{" + CART_LABELS)
        .contains("tracestream_trace_error_ratio{" + CHECKOUT_LABELS + "} 0\n");
  }

  @Test
  void droppedPartitionsSeriesAreGoneAndTheirRebuildIsNotCountedTwice() throws IOException {
    state.apply(0, CHECKOUT, traces(MINUTE, 0, 10, 20));
    state.apply(1, CART, traces(MINUTE, 0, 10));

    state.dropPartitions(List.of(0));
    state.apply(0, CHECKOUT, traces(MINUTE, 0, 10, 20));

    assertThat(text()).contains("tracestream_traces_total{" + CHECKOUT_LABELS + "} 2\n")
        .contains("tracestream_traces_total{" + CART_LABELS + "} 1\n");
  }

  @Test
  void writesNothingWithoutSeries() throws IOException {
    assertThat(text()).isEmpty();
  }

  @Test
  void refusesMoreErrorsThanTracesAndAppliesNothing() throws IOException {
    assertThatThrownBy(() -> state.apply(0, CHECKOUT, traces(MINUTE, 3, 10, 20)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("errors 3");
    assertThat(text()).isEmpty();
  }

  @Test
  void refusesAResultWhoseSketchIsNotASketch() {
    WindowResult w = traces(MINUTE, 0, 10);
    WindowResult broken = new WindowResult(w.windowStart(), w.windowEnd(), w.count(), 0, w.sumMs(), 0, 0, 0,
        w.maxMs(), w.buckets(), "bm90IGEgc2tldGNo");
    assertThatThrownBy(() -> state.apply(0, CHECKOUT, broken))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sketch:");
  }

  @Test
  void traceAndSpanMetricsTogetherAreValidExpositionFormat() throws IOException {
    state.apply(0, new TraceSeriesKey("front\"end", "GET /\\\n"), traces(MINUTE, 1, 10, 20));
    state.apply(1, CART, traces(2 * MINUTE, 0, 30));
    SpanMetricsState spans = new SpanMetricsState(Duration.ofMinutes(5));
    spans.apply(0, new SeriesKey("frontend", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET"),
        window(MINUTE, 3, 20, 20, 1, 3, 20));
    StringBuilder out = new StringBuilder();

    spans.write(out);
    state.write(out);

    assertThat(ExpositionCheck.problems(out.toString())).isEmpty();
  }

  private double gauge(String labels, String quantile) throws IOException {
    String prefix = "tracestream_trace_duration_seconds{" + labels + ",quantile=\"" + quantile + "\"} ";
    return text().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst().orElseThrow(() -> new AssertionError("no " + prefix));
  }

  @Test
  void aSeriesUnseenForTheExpiryIsForgotten() throws IOException {
    TraceMetricsState expiring = new TraceMetricsState(Duration.ofMinutes(5), Duration.ofMinutes(30));
    expiring.apply(0, CART, window(MINUTE, 10, 10, 10, 10));

    expiring.apply(0, CHECKOUT, window(40 * MINUTE, 20, 20, 20, 20));

    StringBuilder out = new StringBuilder();
    expiring.write(out);
    assertThat(out.toString()).contains("POST /checkout").doesNotContain("GET /cart");
  }

  @Test
  void traceDimensionsAreLabelsOfEveryTraceMetric() throws IOException {
    TraceSeriesKey aapl = new TraceSeriesKey("ingestion", "ingest", Map.of("symbol", "AAPL"));
    state.apply(0, aapl, traces(MINUTE, 1, 100, 200));

    String labels = "root_service=\"ingestion\",root_operation=\"ingest\",symbol=\"AAPL\"";
    assertThat(text())
        .contains("tracestream_traces_total{" + labels + "} 2\n")
        .contains("tracestream_trace_duration_seconds{" + labels + ",quantile=\"0.99\"}")
        .contains("tracestream_trace_error_ratio{" + labels + "} 0.5\n");
  }

  private String text() throws IOException {
    StringBuilder out = new StringBuilder();
    state.write(out);
    return out.toString();
  }
}

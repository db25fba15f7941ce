package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanMetricsStateTest {
  private static final SeriesKey CART = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final SeriesKey PAY = new SeriesKey("payment", "charge", "SPAN_KIND_CLIENT", "STATUS_CODE_ERROR");
  private static final String CART_LABELS =
      "service_name=\"checkout\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\","
          + "status_code=\"STATUS_CODE_UNSET\"";
  private static final String PAY_LABELS =
      "service_name=\"payment\",span_name=\"charge\",span_kind=\"SPAN_KIND_CLIENT\",status_code=\"STATUS_CODE_ERROR\"";

  private static final String CART_OP =
      "service_name=\"checkout\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\"";
  private static final String PAY_OP = "service_name=\"payment\",span_name=\"charge\",span_kind=\"SPAN_KIND_CLIENT\"";

  private final SpanMetricsState state = new SpanMetricsState(Duration.ofMinutes(5));

  @Test
  void writesCountersHistogramAndLastWindowQuantilesOfASeries() throws IOException {
    state.apply(0, CART, window(MINUTE, 3, 20, 20, 1, 3, 20));
    state.apply(0, CART, window(2 * MINUTE, 7, 16_000, 16_000, 7, 16_000));

    assertThat(text()).startsWith("""
        # HELP traces_span_metrics_calls_total Spans per series, from committed span-metrics window results.
        # TYPE traces_span_metrics_calls_total counter
        traces_span_metrics_calls_total{L} 5
        # HELP traces_span_metrics_duration_milliseconds Span duration in milliseconds, from committed span-metrics \
        window results.
        # TYPE traces_span_metrics_duration_milliseconds histogram
        traces_span_metrics_duration_milliseconds_bucket{L,le="2"} 1
        traces_span_metrics_duration_milliseconds_bucket{L,le="4"} 2
        traces_span_metrics_duration_milliseconds_bucket{L,le="6"} 2
        traces_span_metrics_duration_milliseconds_bucket{L,le="8"} 3
        traces_span_metrics_duration_milliseconds_bucket{L,le="10"} 3
        traces_span_metrics_duration_milliseconds_bucket{L,le="50"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="100"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="200"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="400"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="800"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="1000"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="1400"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="2000"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="5000"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="10000"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="15000"} 4
        traces_span_metrics_duration_milliseconds_bucket{L,le="+Inf"} 5
        traces_span_metrics_duration_milliseconds_sum{L} 16031
        traces_span_metrics_duration_milliseconds_count{L} 5
        # HELP tracestream_span_latency_seconds Span latency quantiles of the last closed window, all status codes, \
        from the merged sketches (relative error 0.5 %).
        # TYPE tracestream_span_latency_seconds gauge
        """.replace("{L", "{" + CART_LABELS));
    // last window {7, 16000}: rank floor(q * (n - 1)) is 0 for q < 1, so every quantile is 7 ms
    assertThat(gauge(CART_OP, "0.5")).isCloseTo(0.007, org.assertj.core.api.Assertions.withinPercentage(0.5));
    assertThat(gauge(CART_OP, "0.99")).isCloseTo(0.007, org.assertj.core.api.Assertions.withinPercentage(0.5));
  }

  @Test
  void quantilesMergeTheStatusSeriesOfAnOperationInItsLastWindow() throws IOException {
    SeriesKey cartErrors = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR");
    double[] ok = new double[99];
    java.util.Arrays.fill(ok, 10);
    state.apply(0, CART, window(MINUTE, 10, 10, 10, ok));
    state.apply(0, cartErrors, window(MINUTE, 900, 900, 900, 900, 900));

    String text = text();

    assertThat(text).doesNotContain("status_code=\"STATUS_CODE_ERROR\",quantile");
    // 101 calls: 99 of 10 ms, 2 of 900 ms; rank floor(0.99 * 100) = 99 is the first 900 ms call
    assertThat(gauge(CART_OP, "0.5")).isCloseTo(0.010, org.assertj.core.api.Assertions.withinPercentage(0.5));
    assertThat(gauge(CART_OP, "0.99")).isCloseTo(0.900, org.assertj.core.api.Assertions.withinPercentage(0.5));
  }

  private double gauge(String operationLabels, String quantile) throws IOException {
    String prefix = "tracestream_span_latency_seconds{" + operationLabels + ",quantile=\"" + quantile + "\"} ";
    return text().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst().orElseThrow(() -> new AssertionError("no " + prefix));
  }

  @Test
  void sumsCallsOverWindows() throws IOException {
    state.apply(0, CART, window(MINUTE, 1, 1, 1, 1, 1));
    state.apply(0, CART, window(2 * MINUTE, 1, 1, 1, 1, 1, 1));
    state.apply(0, CART, window(3 * MINUTE, 1, 1, 1, 1));

    assertThat(text()).contains("traces_span_metrics_calls_total{" + CART_LABELS + "} 6\n");
  }

  @Test
  void quantilesComeFromTheWindowWithTheGreatestEndWhateverTheOrderApplied() throws IOException {
    state.apply(0, CART, window(3 * MINUTE, 250, 250, 250, 250));
    state.apply(0, CART, window(2 * MINUTE, 9, 9, 9, 9));

    assertThat(text())
        .contains("tracestream_span_latency_seconds{" + CART_OP + ",quantile=\"0.5\"} 0.25\n")
        .contains("tracestream_span_latency_seconds{" + CART_OP + ",quantile=\"0.95\"} 0.25\n")
        .contains("tracestream_span_latency_seconds{" + CART_OP + ",quantile=\"0.99\"} 0.25\n");
  }

  @Test
  void aSeriesQuietForLongerThanStaleAfterLosesItsQuantilesButKeepsCountersAndHistogram() throws IOException {
    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5));
    state.apply(1, PAY, window(7 * MINUTE, 8, 8, 8, 8));

    String text = text();

    assertThat(text)
        .contains("traces_span_metrics_calls_total{" + CART_LABELS + "} 1\n")
        .contains("traces_span_metrics_duration_milliseconds_count{" + CART_LABELS + "} 1\n")
        .doesNotContain("tracestream_span_latency_seconds{" + CART_OP)
        .contains("tracestream_span_latency_seconds{" + PAY_OP + ",quantile=\"0.99\"} 0.008\n");
  }

  @Test
  void aSeriesExactlyStaleAfterBehindTheNewestKeepsItsQuantiles() throws IOException {
    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5));
    state.apply(1, PAY, window(6 * MINUTE, 8, 8, 8, 8));

    assertThat(text()).contains("tracestream_span_latency_seconds{" + CART_OP + ",quantile=\"0.5\"} 0.005\n");
  }

  @Test
  void droppedPartitionsSeriesAreGoneAndOthersStay() throws IOException {
    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5));
    state.apply(1, PAY, window(MINUTE, 8, 8, 8, 8));

    state.dropPartitions(List.of(0));

    assertThat(text()).doesNotContain("checkout").contains("traces_span_metrics_calls_total{" + PAY_LABELS + "} 1\n");
  }

  @Test
  void aSeriesReadAgainAfterItsPartitionWasDroppedIsNotCountedTwice() throws IOException {
    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5, 5));
    state.dropPartitions(List.of(0));

    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5, 5));

    assertThat(text()).contains("traces_span_metrics_calls_total{" + CART_LABELS + "} 2\n");
  }

  @Test
  void writesOnlyThePartitionsAsked() throws IOException {
    state.apply(0, CART, window(MINUTE, 5, 5, 5, 5));
    state.apply(1, PAY, window(MINUTE, 8, 8, 8, 8));
    StringBuilder out = new StringBuilder();

    state.write(out, partition -> partition == 1, false);

    assertThat(out.toString()).doesNotContain("checkout").contains("payment");
  }

  @Test
  void writesNothingWithoutSeries() throws IOException {
    assertThat(text()).isEmpty();
  }

  @Test
  void refusesAResultWhoseBucketsDoNotAddUpToItsCountAndAppliesNothing() throws IOException {
    WindowResult good = window(MINUTE, 5, 5, 5, 5, 5);
    WindowResult bad = new WindowResult(good.windowStart(), good.windowEnd(), 3, 0, good.sumMs(), 5, 5, 5, 5,
        good.buckets(), null);

    assertThatThrownBy(() -> state.apply(0, CART, bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buckets add up to 2 but count is 3");
    assertThat(text()).isEmpty();
  }

  @Test
  void refusesAResultWithTheWrongNumberOfBuckets() {
    WindowResult good = window(MINUTE, 5, 5, 5, 5);
    WindowResult bad = new WindowResult(good.windowStart(), good.windowEnd(), 1, 0, 5, 5, 5, 5, 5, List.of(1L), null);

    assertThatThrownBy(() -> state.apply(0, CART, bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 17 buckets, got 1");
  }

  @Test
  void refusesAKeyWithoutAStatus() {
    assertThatThrownBy(() -> state.apply(0, new SeriesKey("a", "b", "SPAN_KIND_SERVER", null),
        window(MINUTE, 5, 5, 5, 5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks a dimension");
  }

  @Test
  void aSeriesUnseenForTheExpiryIsForgottenCountersAndAll() throws IOException {
    SpanMetricsState expiring = new SpanMetricsState(Duration.ofMinutes(5), Duration.ofMinutes(30));
    expiring.apply(0, PAY, window(MINUTE, 10, 10, 10, 10));
    expiring.apply(0, CART, window(MINUTE, 20, 20, 20, 20));

    expiring.apply(0, CART, window(32 * MINUTE, 20, 20, 20, 20));

    StringBuilder out = new StringBuilder();
    expiring.write(out);
    assertThat(out.toString()).contains(CART_LABELS).doesNotContain("service_name=\"payment\"");
    assertThat(expiring.size()).isEqualTo(1);
  }

  @Test
  void aSeriesWithinTheExpiryKeepsItsCounters() throws IOException {
    SpanMetricsState expiring = new SpanMetricsState(Duration.ofMinutes(5), Duration.ofMinutes(30));
    expiring.apply(0, PAY, window(2 * MINUTE, 10, 10, 10, 10));

    expiring.apply(0, CART, window(32 * MINUTE, 20, 20, 20, 20));

    StringBuilder out = new StringBuilder();
    expiring.write(out);
    assertThat(out.toString()).contains("traces_span_metrics_calls_total{" + PAY_LABELS + "} 1");
  }

  @Test
  void dimensionsAreLabelsNamedWithUnderscoresAfterTheFixedOnesOnEverySeries() throws IOException {
    SeriesKey quote = new SeriesKey("quotes", "GET /quote", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET",
        Map.of("http.response.status_code", "200", "deployment.environment.name", "prod"));
    state.apply(0, quote, window(MINUTE, 2, 20, 20, 1, 20));

    String dimensions = "deployment_environment_name=\"prod\",http_response_status_code=\"200\"";
    assertThat(text())
        .contains("traces_span_metrics_calls_total{service_name=\"quotes\",span_name=\"GET /quote\","
            + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"," + dimensions + "} 2\n")
        .contains("traces_span_metrics_duration_milliseconds_count{service_name=\"quotes\",span_name=\"GET /quote\","
            + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"," + dimensions + "} 2\n")
        .contains("tracestream_span_latency_seconds{service_name=\"quotes\",span_name=\"GET /quote\","
            + "span_kind=\"SPAN_KIND_SERVER\"," + dimensions + ",quantile=\"0.5\"}");
  }

  @Test
  void seriesThatDifferOnlyByADimensionValueAreApart() throws IOException {
    state.apply(0, new SeriesKey("quotes", "q", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", Map.of("symbol", "AAPL")),
        window(MINUTE, 2, 20, 20, 1, 20));
    state.apply(0, new SeriesKey("quotes", "q", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", Map.of("symbol", "MSFT")),
        window(MINUTE, 3, 20, 20, 1, 20, 20));

    assertThat(text())
        .contains("status_code=\"STATUS_CODE_UNSET\",symbol=\"AAPL\"} 2\n")
        .contains("status_code=\"STATUS_CODE_UNSET\",symbol=\"MSFT\"} 3\n");
  }

  private String text() throws IOException {
    StringBuilder out = new StringBuilder();
    state.write(out);
    return out.toString();
  }
}

package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.model.SeriesKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  private final StringBuilder out = new StringBuilder();
  private final PrometheusText text = new PrometheusText(out);

  @Test
  void writesHelpAndTypeOncePerFamilyThenItsSamples() throws IOException {
    text.family("jobs_total", "counter", "Jobs done.")
        .sample("jobs_total", 3, "queue", "a")
        .sample("jobs_total", 4, "queue", "b")
        .family("queue_depth", "gauge", "Waiting jobs.")
        .sample("queue_depth", 2);

    assertThat(out.toString()).isEqualTo("""
        # HELP jobs_total Jobs done.
        # TYPE jobs_total counter
        jobs_total{queue="a"} 3
        jobs_total{queue="b"} 4
        # HELP queue_depth Waiting jobs.
        # TYPE queue_depth gauge
        queue_depth 2
        """);
  }

  @Test
  void escapesBackslashDoubleQuoteAndLineFeedInLabelValues() throws IOException {
    text.family("x", "gauge", "X.").sample("x", 1, "path", "C:\\tmp \"quoted\"\nnext");

    assertThat(out.toString()).endsWith("x{path=\"C:\\\\tmp \\\"quoted\\\"\\nnext\"} 1\n");
  }

  @Test
  void escapesBackslashAndLineFeedButNotQuotesInHelp() throws IOException {
    text.family("x", "gauge", "a \\ \"b\"\nc");

    assertThat(out.toString()).startsWith("# HELP x a \\\\ \"b\"\\nc\n");
  }

  @Test
  void writesValuesAsPrometheusDoes() {
    assertThat(List.of(15_000d, 2d, -3d, 0.25, 0.007, 1e-4, 1e20, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NaN, -0d).stream().map(PrometheusText::formatValue))
        .containsExactly("15000", "2", "-3", "0.25", "0.007", "1.0E-4", "1.0E20", "+Inf", "-Inf", "NaN", "0");
  }

  @Test
  void writesHistogramSamplesWithTheirSuffixesUnderOneFamily() throws IOException {
    text.family("d", "histogram", "D.")
        .sample("d_bucket", 1, "le", "2")
        .sample("d_bucket", 1, "le", "+Inf")
        .sample("d_sum", 1.5)
        .sample("d_count", 1);

    assertThat(out.toString()).contains("d_bucket{le=\"+Inf\"} 1\nd_sum 1.5\nd_count 1\n");
  }

  @Test
  void refusesAFamilyWrittenTwice() throws IOException {
    text.family("x", "gauge", "X.");

    assertThatThrownBy(() -> text.family("x", "gauge", "X."))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("x written twice");
  }

  @Test
  void refusesASampleOutsideItsFamily() throws IOException {
    text.family("x", "counter", "X.");

    assertThatThrownBy(() -> text.sample("x_bucket", 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("outside its family");
  }

  @Test
  void refusesALabelNameThatIsNotAPrometheusName() throws IOException {
    text.family("x", "gauge", "X.");

    assertThatThrownBy(() -> text.sample("x", 1, "span.name", "a"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("span.name");
  }

  @Test
  void spanMetricsOutputIsValidExpositionFormat() throws Exception {
    // our own reading of the format runs always; the real promtool too when it is on PATH
    SpanMetricsState state = new SpanMetricsState(Duration.ofMinutes(5));
    state.apply(0, new SeriesKey("check\"out", "GET /cart\\\n", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET"),
        window(MINUTE, 3, 20, 20, 1, 3, 20));
    state.apply(1, new SeriesKey("cart", "db", "SPAN_KIND_CLIENT", "STATUS_CODE_ERROR"),
        window(2 * MINUTE, 7, 16_000, 16_000, 7, 16_000));
    state.apply(1, new SeriesKey("cart", "db", "SPAN_KIND_CLIENT", "STATUS_CODE_OK"),
        window(2 * MINUTE, Double.NaN, Double.NaN, Double.NaN));
    state.write(out);
    String exposition = out.toString();

    assertThat(ExpositionCheck.problems(exposition)).isEmpty();
    Optional<Path> promtool = ExpositionCheck.promtool();
    if (promtool.isPresent()) {
      Map.Entry<Integer, String> result = ExpositionCheck.runPromtool(promtool.get(), exposition);
      // the names DESIGN.md fixes for compatibility break two of promtool's naming lints, nothing else
      Set<String> known = Set.of(
          "traces_span_metrics_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"",
          "tracestream_span_latency_seconds non-summary metrics should not have \"quantile\" label");
      assertThat(result.getKey()).as("promtool exit code; output:\n" + result.getValue()).isIn(0, 3);
      assertThat(Arrays.stream(result.getValue().split("\n")).map(String::strip).filter(l -> !l.isEmpty()))
          .as("promtool output").allMatch(known::contains);
    }
  }

  @Test
  void formatCheckFindsBrokenExpositions() {
    String broken = """
        # HELP d D.
        # TYPE d histogram
        d_bucket{le="2"} 3
        d_bucket{le="+Inf"} 2
        d_count 2
        # TYPE g gauge
        g{a="x\\q"} 1
        g{a="y"} Infinity
        d_sum 1
        """;

    assertThat(ExpositionCheck.problems(broken)).hasSize(4)
        .anyMatch(p -> p.contains("bad escape in label value"))
        .anyMatch(p -> p.contains("not a Go float"))
        .anyMatch(p -> p.contains("continues after another family"))
        .anyMatch(p -> p.contains("cumulative"));
  }
}

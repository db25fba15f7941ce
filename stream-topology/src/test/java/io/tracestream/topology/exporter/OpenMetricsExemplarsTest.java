package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenMetricsExemplarsTest {
  private static final SeriesKey CART = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
  private static final String L =
      "service_name=\"checkout\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\","
          + "status_code=\"STATUS_CODE_UNSET\"";
  private static final String A = "0af7651916cd43dd8448eb211c80319c";
  private static final String B = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final SpanMetricsState state = new SpanMetricsState(Duration.ofMinutes(5));

  private static WindowResult withExemplars(WindowResult r, Exemplar... exemplars) {
    return new WindowResult(r.windowStart(), r.windowEnd(), r.count(), r.errors(), r.sumMs(), r.p50Ms(), r.p95Ms(),
        r.p99Ms(), r.maxMs(), r.buckets(), r.sketch(), List.of(exemplars));
  }

  private String text(boolean openMetrics) throws IOException {
    StringBuilder out = new StringBuilder();
    state.write(out, p -> true, openMetrics);
    return out.toString();
  }

  @Test
  void openMetricsWritesEachBucketsLatestExemplarInMillisecondsWithItsTimeInSeconds() throws IOException {
    state.apply(0, CART, withExemplars(window(MINUTE, 3, 3, 3, 3, 430),
        new Exemplar(1, 0.003, A, 59_001, false), new Exemplar(9, 0.43, A, 59_500, false)));
    state.apply(0, CART, withExemplars(window(2 * MINUTE, 500, 500, 500, 500),
        new Exemplar(9, 0.5, B, 119_000, false), new Exemplar(9, 0.5, B, 119_000, true)));

    String text = text(true).replace(L, "L");

    assertThat(text)
        .contains("# TYPE traces_span_metrics_calls counter\ntraces_span_metrics_calls_total{L} 3\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{L,le=\"4\"} 1 # {trace_id=\"" + A
            + "\"} 3 59.001\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{L,le=\"6\"} 1\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{L,le=\"400\"} 1\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{L,le=\"800\"} 3 # {trace_id=\"" + B
            + "\"} 500 119.000\n");
    assertThat(text.lines().filter(line -> line.contains("# {"))).hasSize(2);
  }

  @Test
  void thePrometheusTextFormatStaysWithoutExemplars() throws IOException {
    state.apply(0, CART, withExemplars(window(MINUTE, 3, 3, 3, 3), new Exemplar(1, 0.003, A, 59_001, false)));

    assertThat(text(false)).doesNotContain("# {").doesNotContain(A)
        .contains("# TYPE traces_span_metrics_calls_total counter\n");
  }

  @Test
  void anExemplarOutsideTheBucketsIsRefused() {
    WindowResult bad = withExemplars(window(MINUTE, 3, 3, 3, 3), new Exemplar(17, 0.003, A, 59_001, false));

    assertThatThrownBy(() -> state.apply(0, CART, bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exemplar");
  }
}

package io.tracestream.topology.exporter;

import io.tracestream.topology.Dimensions;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Prometheus view of committed trace-metrics window results (whole-trace SLA per root service, root operation
 * and trace dimensions, labelled as span metrics' dimensions are), free of Kafka and thread-safe:
 * {@code tracestream_traces_total}, summed over every window applied, and from the series' last closed window
 * {@code tracestream_trace_duration_seconds} (p50/p95/p99 of its sketch) and {@code tracestream_trace_error_ratio}
 * (errors / count).
 *
 * <p>As with span metrics, a series whose last window is stale ({@link WindowState}) loses both
 * gauges and keeps its counter.
 */
final class TraceMetricsState extends WindowState<TraceSeriesKey, WindowResult, TraceMetricsState.Series> {
  static final String TRACES = "tracestream_traces_total";
  static final String DURATION = "tracestream_trace_duration_seconds";
  static final String ERROR_RATIO = "tracestream_trace_error_ratio";

  private static final Comparator<TraceSeriesKey> ORDER =
      Comparator.comparing(TraceSeriesKey::rootService).thenComparing(TraceSeriesKey::rootOperation)
          .thenComparing(k -> k.dimensions().toString());

  TraceMetricsState(Duration staleAfter) {
    this(staleAfter, NEVER);
  }

  TraceMetricsState(Duration staleAfter, Duration expireAfter) {
    super(staleAfter, expireAfter, ORDER, Series::new);
  }

  @Override
  void write(PrometheusText text, PartitionedSeries.Snapshot<TraceSeriesKey, Series> snapshot) throws IOException {
    Map<TraceSeriesKey, Series> series = snapshot.series();
    text.family(TRACES, "counter",
        "Traces per root service and operation, from committed trace-metrics window results.");
    series.forEach((key, s) -> sample(text, TRACES, s.count, key));
    Map<TraceSeriesKey, LastWindow> fresh = new TreeMap<>(ORDER);
    series.forEach((key, s) -> {
      if (!s.last.isEmpty() && !s.last.staleAt(snapshot.newestEnd(), staleAfterMs)) {
        fresh.put(key, s.last);
      }
    });
    if (fresh.isEmpty()) {
      return;
    }
    text.family(DURATION, "gauge", "Whole-trace duration quantiles of the last closed window, from its sketch"
        + " (relative error " + LatencySketch.RELATIVE_ACCURACY * 100 + " %).");
    for (Map.Entry<TraceSeriesKey, LastWindow> e : fresh.entrySet()) {
      LatencySketch sketch = e.getValue().sketch();
      for (String q : new String[] {"0.5", "0.95", "0.99"}) {
        sample(text, DURATION, sketch.quantile(Double.parseDouble(q)) / 1000, e.getKey(), "quantile", q);
      }
    }
    text.family(ERROR_RATIO, "gauge", "Share of traces with an error span in the last closed window.");
    fresh.forEach((key, last) -> sample(text, ERROR_RATIO, (double) last.errors() / last.count(), key));
  }

  private static void sample(PrometheusText text, String name, double value, TraceSeriesKey key, String... extra) {
    String[] labels = new String[4 + 2 * key.dimensions().size() + extra.length];
    labels[0] = "root_service";
    labels[1] = key.rootService();
    labels[2] = "root_operation";
    labels[3] = key.rootOperation();
    int i = 4;
    for (Map.Entry<String, String> d : key.dimensions().entrySet()) {
      labels[i++] = Dimensions.labelName(d.getKey());
      labels[i++] = d.getValue();
    }
    System.arraycopy(extra, 0, labels, i, extra.length);
    try {
      text.sample(name, value, labels);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  String problem(TraceSeriesKey key, WindowResult result) {
    if (key == null || key.rootService() == null || key.rootOperation() == null) {
      return "trace series key lacks a dimension: " + key;
    }
    if (result == null) {
      return "no window result";
    }
    if (result.count() <= 0 || result.errors() < 0 || result.errors() > result.count()) {
      return "count " + result.count() + " and errors " + result.errors() + " are not a window's counts";
    }
    return LastWindow.sketchProblem(result);
  }

  static final class Series extends PartitionedSeries.ResultSeries<Series> {}
}

package io.tracestream.topology.exporter;

import io.tracestream.topology.Dimensions;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Prometheus view of committed span-metrics window results, free of Kafka and thread-safe.
 *
 * <p>Per series it keeps what the OTel spanmetrics connector exports, summed over every window
 * applied: {@code traces_span_metrics_calls_total} and the histogram
 * {@code traces_span_metrics_duration_milliseconds}. It also keeps the sketch of the series' last
 * closed window (greatest {@code windowEnd}); {@code tracestream_span_latency_seconds} is, per
 * (service, span, kind) as DESIGN.md labels it, the p50/p95/p99 of the merged sketches of that
 * window's status series (OK, UNSET and ERROR together: the latency of every call). The topology
 * writes all series of a service to one partition, so one instance holds all of them.
 *
 * <p>A series whose last window ended more than {@code staleAfter} before the newest window end of
 * any series held here loses its quantile gauge (a series that went quiet must not show an old p99
 * forever); its counter and histogram stay, as counters do. The clock is event time, so output
 * depends only on the records applied.
 *
 * <p>State is held per source partition so that {@link #dropPartitions} can forget a revoked
 * partition. The topic is keyed by series, so a series normally lives in one partition; should it
 * appear in several (the topic's partition count changed), its parts are summed on output.
 */
final class SpanMetricsState extends WindowState<SeriesKey, WindowResult, SpanMetricsState.Series> {
  static final String CALLS = "traces_span_metrics_calls_total";
  static final String DURATION = "traces_span_metrics_duration_milliseconds";
  static final String LATENCY = "tracestream_span_latency_seconds";

  private static final Comparator<SeriesKey> ORDER = Comparator.comparing(SeriesKey::service)
      .thenComparing(SeriesKey::operation)
      .thenComparing(SeriesKey::kind)
      .thenComparing(SeriesKey::status)
      .thenComparing(k -> k.dimensions().toString());

  SpanMetricsState(Duration staleAfter) {
    this(staleAfter, NEVER);
  }

  SpanMetricsState(Duration staleAfter, Duration expireAfter) {
    super(staleAfter, expireAfter, ORDER, Series::new);
  }

  @Override
  void write(PrometheusText text, PartitionedSeries.Snapshot<SeriesKey, Series> snapshot) throws IOException {
    Map<SeriesKey, Series> series = snapshot.series();
    text.family(CALLS, "counter", "Spans per series, from committed span-metrics window results.");
    for (Map.Entry<SeriesKey, Series> e : series.entrySet()) {
      text.sample(CALLS, e.getValue().count, labels(e.getKey()));
    }
    text.family(DURATION, "histogram", "Span duration in milliseconds, from committed span-metrics window results.");
    for (Map.Entry<SeriesKey, Series> e : series.entrySet()) {
      e.getValue().histogram.write(text, DURATION, 1, labels(e.getKey()));
    }
    Map<SeriesKey, LatencySketch> latest = latestWindows(series, snapshot.newestEnd());
    if (!latest.isEmpty()) {
      text.family(LATENCY, "gauge", "Span latency quantiles of the last closed window, all status codes, from the"
          + " merged sketches (relative error " + LatencySketch.RELATIVE_ACCURACY * 100 + " %).");
    }
    for (Map.Entry<SeriesKey, LatencySketch> e : latest.entrySet()) {
      for (String q : new String[] {"0.5", "0.95", "0.99"}) {
        text.sample(LATENCY, e.getValue().quantile(Double.parseDouble(q)) / 1000,
            labels(e.getKey(), "quantile", q));
      }
    }
  }

  /**
   * Per (service, span, kind), the merged sketch of the latest window over its status series; a
   * group whose latest window ended more than staleAfter before {@code newest} is left out (a series
   * that went quiet must not show an old p99 forever). Keys carry an empty status.
   */
  private Map<SeriesKey, LatencySketch> latestWindows(Map<SeriesKey, Series> series, long newest) {
    Map<SeriesKey, Long> lastEnd = new TreeMap<>(ORDER);
    series.forEach((k, s) -> lastEnd.merge(operation(k), s.last.end(), Math::max));
    Map<SeriesKey, LatencySketch> merged = new TreeMap<>(ORDER);
    series.forEach((k, s) -> {
      long end = lastEnd.get(operation(k));
      if (s.last.end() != end || s.last.staleAt(newest, staleAfterMs) || s.last.isEmpty()) {
        return;
      }
      merged.computeIfAbsent(operation(k), x -> LatencySketch.create()).merge(s.last.sketch());
    });
    return merged;
  }

  private static SeriesKey operation(SeriesKey key) {
    return new SeriesKey(key.service(), key.operation(), key.kind(), "", key.dimensions());
  }


  /**
   * The series' labels; an operation key (empty status, for the quantile gauge) has no status_code. Then its
   * dimensions, each labelled by its attribute name as Prometheus allows ({@link Dimensions#labelName}).
   */
  private static String[] labels(SeriesKey key, String... extra) {
    boolean status = !key.status().isEmpty();
    String[] labels = new String[(status ? 8 : 6) + 2 * key.dimensions().size() + extra.length];
    labels[0] = "service_name";
    labels[1] = key.service();
    labels[2] = "span_name";
    labels[3] = key.operation();
    labels[4] = "span_kind";
    labels[5] = key.kind();
    if (status) {
      labels[6] = "status_code";
      labels[7] = key.status();
    }
    int i = status ? 8 : 6;
    for (Map.Entry<String, String> d : key.dimensions().entrySet()) {
      labels[i++] = Dimensions.labelName(d.getKey());
      labels[i++] = d.getValue();
    }
    System.arraycopy(extra, 0, labels, i, extra.length);
    return labels;
  }

  @Override
  String problem(SeriesKey key, WindowResult result) {
    if (key == null || key.service() == null || key.operation() == null || key.kind() == null
        || key.status() == null) {
      return "series key lacks a dimension: " + key;
    }
    if (result == null) {
      return "no window result";
    }
    String histogram = Histogram.problem(result);
    return histogram != null ? histogram : LastWindow.sketchProblem(result);
  }

  static final class Series extends PartitionedSeries.ResultSeries<Series> {
    final Histogram histogram = new Histogram();

    @Override
    void add(WindowResult r) {
      super.add(r);
      histogram.add(r);
    }

    @Override
    void merge(Series other) {
      super.merge(other);
      histogram.merge(other.histogram);
    }
  }
}

package io.tracestream.topology.exporter;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The Prometheus text the three exporters ({@link WindowMetricsExporter}) would serve after the
 * window results given so far, with the same families, names and labels; free of Kafka, not
 * thread-safe. Replay feeds it a backfill's results in window-end order and takes a {@link #scrape}
 * after each window end, which is the history of every series at the time its windows closed.
 */
public final class WindowResultsExposition {
  private final SpanMetricsState spans;
  private final TraceMetricsState traces;
  private final EdgeMetricsState edges = new EdgeMetricsState();

  /** @param staleAfter as {@code topology.metrics.stale.after}: gauges of a series this far behind the newest window are left out */
  public WindowResultsExposition(Duration staleAfter) {
    spans = new SpanMetricsState(staleAfter);
    traces = new TraceMetricsState(staleAfter);
  }

  /** @throws IllegalArgumentException when the result breaks its contract (the exporters skip such records) */
  public void spanMetrics(SeriesKey key, WindowResult result) {
    spans.apply(0, key, result);
  }

  /** @throws IllegalArgumentException when the result breaks its contract */
  public void traceMetrics(TraceSeriesKey key, WindowResult result) {
    traces.apply(0, key, result);
  }

  /** @throws IllegalArgumentException when the result breaks its contract */
  public void edge(EdgeKey key, EdgeWindowResult result) {
    edges.apply(0, key, result);
  }

  /** Text format 0.0.4 of every series given so far. */
  public String scrape() {
    StringBuilder out = new StringBuilder(4096);
    try {
      spans.write(out);
      traces.write(out);
      edges.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder does not throw
    }
    return out.toString();
  }
}

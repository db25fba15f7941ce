package io.tracestream.replay.history;

import io.tracestream.replay.prompb.Label;
import io.tracestream.replay.prompb.MetricMetadata;
import io.tracestream.replay.prompb.Sample;
import io.tracestream.replay.prompb.TimeSeries;
import io.tracestream.replay.prompb.WriteRequest;
import io.tracestream.topology.exporter.WindowResultsExposition;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a backfill's window results into the history of the series the live exporters serve, with
 * the original times: the results are applied in window-end order, and after each window end the
 * exposition ({@link WindowResultsExposition}: the same families, names and labels as
 * {@code /metrics}) is taken as samples stamped with that window end. So a counter is cumulative over
 * the replayed period (it starts at 0 at the start of the series' first window: a 0 sample is written
 * there, so {@code increase()} and {@code rate()} count the first window too) and a quantile gauge
 * shows the window that just closed. Samples go out as remote-write requests of about
 * {@code batchSamples} samples, each series' samples in time order.
 */
public final class HistoryBuilder {
  /** Receives the requests; {@link RemoteWriter} in production. */
  public interface Output {
    void write(WriteRequest request) throws IOException;
  }

  /** One window result of any of the three result topics, with how to apply it. */
  public record Result(long windowStart, long windowEnd, String order, java.util.function.Consumer<WindowResultsExposition> apply) {}

  private final Duration staleAfter;
  private final Map<String, String> extraLabels;
  private final int batchSamples;

  /**
   * @param staleAfter as {@code topology.metrics.stale.after}
   * @param extraLabels added to every series (e.g. {@code backfill="tuesday"}); must not clash with a series' labels
   */
  public HistoryBuilder(Duration staleAfter, Map<String, String> extraLabels, int batchSamples) {
    this.staleAfter = staleAfter;
    this.extraLabels = Map.copyOf(extraLabels);
    this.batchSamples = batchSamples;
  }

  /** What was written. */
  public record Written(int series, long samples, int requests, long firstMs, long lastMs) {}

  public Written write(List<Result> results, Output output) throws IOException {
    List<Result> ordered = new ArrayList<>(results);
    ordered.sort(Comparator.comparingLong(Result::windowEnd).thenComparing(Result::order));
    WindowResultsExposition exposition = new WindowResultsExposition(staleAfter);
    Map<String, Exposition.Family> families = new TreeMap<>();
    Map<String, TimeSeries.Builder> series = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    long samples = 0;
    int pending = 0;
    int requests = 0;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    boolean metadataSent = false;
    int i = 0;
    while (i < ordered.size()) {
      long end = ordered.get(i).windowEnd();
      long start = ordered.get(i).windowStart();
      for (; i < ordered.size() && ordered.get(i).windowEnd() == end; i++) {
        start = Math.min(start, ordered.get(i).windowStart());
        try {
          ordered.get(i).apply().accept(exposition);
        } catch (IllegalArgumentException e) {
          // an invalid result: the live exporter skips it too
        }
      }
      for (Exposition.Sample sample : Exposition.parse(exposition.scrape(), families)) {
        String id = sample.id();
        TimeSeries.Builder ts = series.computeIfAbsent(id, k -> newSeries(sample.labels()));
        if (seen.add(id) && isCumulative(sample.family())) {
          ts.addSamples(Sample.newBuilder().setTimestamp(start).setValue(0));
          samples++;
          pending++;
          first = Math.min(first, start);
        }
        ts.addSamples(Sample.newBuilder().setTimestamp(end).setValue(sample.value()));
        samples++;
        pending++;
        first = Math.min(first, end);
        last = Math.max(last, end);
      }
      if (pending >= batchSamples || i == ordered.size()) {
        if (pending > 0) {
          output.write(request(series, metadataSent ? Map.of() : families));
          metadataSent = true;
          requests++;
          pending = 0;
        }
      }
    }
    return new Written(series.size(), samples, requests, first == Long.MAX_VALUE ? 0 : first, last == Long.MIN_VALUE ? 0 : last);
  }

  private TimeSeries.Builder newSeries(Map<String, String> labels) {
    Map<String, String> all = new TreeMap<>(labels);
    extraLabels.forEach(all::putIfAbsent);
    TimeSeries.Builder ts = TimeSeries.newBuilder();
    all.forEach((name, value) -> ts.addLabels(Label.newBuilder().setName(name).setValue(value)));
    return ts;
  }

  private static boolean isCumulative(Exposition.Family family) {
    return family != null && (family.type().equals("counter") || family.type().equals("histogram"));
  }

  /** The samples gathered so far, which are then cleared; the series stay for the next request. */
  private static WriteRequest request(Map<String, TimeSeries.Builder> series, Map<String, Exposition.Family> families) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (TimeSeries.Builder ts : series.values()) {
      if (ts.getSamplesCount() > 0) {
        request.addTimeseries(ts.build());
        ts.clearSamples();
      }
    }
    for (Exposition.Family family : families.values()) {
      request.addMetadata(MetricMetadata.newBuilder()
          .setMetricFamilyName(family.name())
          .setType(switch (family.type()) {
            case "counter" -> MetricMetadata.MetricType.COUNTER;
            case "gauge" -> MetricMetadata.MetricType.GAUGE;
            case "histogram" -> MetricMetadata.MetricType.HISTOGRAM;
            case "summary" -> MetricMetadata.MetricType.SUMMARY;
            default -> MetricMetadata.MetricType.UNKNOWN;
          })
          .setHelp(family.help()));
    }
    return request.build();
  }
}

package io.tracestream.topology.exporter;

import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The last closed window (greatest {@code windowEnd}) of a series, which the quantile and ratio gauges
 * show: its end, count, errors and sketches. Results of the same window (one series split over
 * partitions, or merged status series) are added up; sketches stay base64 until scraped.
 */
final class LastWindow {
  private long end = Long.MIN_VALUE;
  private long count;
  private long errors;
  private final List<String> sketches = new ArrayList<>();

  void add(WindowResult r) {
    take(r.windowEnd(), r.count(), r.errors(), List.of(r.sketch()));
  }

  void merge(LastWindow other) {
    take(other.end, other.count, other.errors, other.sketches);
  }

  private void take(long windowEnd, long windowCount, long windowErrors, List<String> windowSketches) {
    if (windowEnd < end) {
      return;
    }
    if (windowEnd > end) {
      end = windowEnd;
      count = 0;
      errors = 0;
      sketches.clear();
    }
    count += windowCount;
    errors += windowErrors;
    sketches.addAll(windowSketches);
  }

  long end() {
    return end;
  }

  long count() {
    return count;
  }

  long errors() {
    return errors;
  }

  boolean isEmpty() {
    return sketches.isEmpty();
  }

  /** Whether this window ended more than {@code staleAfterMs} before {@code newestEnd}. */
  boolean staleAt(long newestEnd, long staleAfterMs) {
    return newestEnd - end > staleAfterMs;
  }

  LatencySketch sketch() {
    LatencySketch sketch = LatencySketch.create();
    for (String encoded : sketches) {
      sketch.merge(decode(encoded));
    }
    return sketch;
  }

  /** Why a result's sketch cannot be read, or null: found when applied, not at scrape time. */
  static String sketchProblem(WindowResult result) {
    try {
      decode(String.valueOf(result.sketch()));
      return null;
    } catch (IllegalArgumentException e) { // bad base64 or not a sketch
      return "sketch: " + e.getMessage();
    }
  }

  private static LatencySketch decode(String encoded) {
    return LatencySketch.fromBytes(Base64.getDecoder().decode(encoded));
  }
}

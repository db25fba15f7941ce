package io.tracestream.topology.exporter;

import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.util.List;

/**
 * A Prometheus histogram summed from window results' exact buckets ({@link LatencyBuckets}), written
 * in milliseconds (spanmetrics) or seconds (servicegraph). Not thread-safe; its owner synchronizes.
 */
final class Histogram {
  static final int BUCKETS = LatencyBuckets.BOUNDS_MS.size() + 1;
  /** OpenMetrics allows an exemplar's labels 128 characters; a W3C trace id has 32. */
  private static final int MAX_TRACE_ID_CHARS = 64;

  private final long[] buckets = new long[BUCKETS];
  /** Per bucket the latest exemplar of the windows added (the later end, ties by the greater trace id). */
  private final Exemplar[] exemplars = new Exemplar[BUCKETS];
  private double sumMs;
  private long count;

  void add(WindowResult r) {
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] += r.buckets().get(i);
    }
    sumMs += r.sumMs();
    count += r.count();
    for (Exemplar e : r.exemplars()) {
      if (!e.error()) {
        offer(e);
      }
    }
  }

  void merge(Histogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] += other.buckets[i];
      if (other.exemplars[i] != null) {
        offer(other.exemplars[i]);
      }
    }
    sumMs += other.sumMs;
    count += other.count;
  }

  private void offer(Exemplar e) {
    Exemplar held = exemplars[e.bucket()];
    if (held == null || e.timestampMs() > held.timestampMs()
        || e.timestampMs() == held.timestampMs() && e.traceId().compareTo(held.traceId()) > 0) {
      exemplars[e.bucket()] = e;
    }
  }

  long count() {
    return count;
  }

  /**
   * Writes {@code name_bucket}, {@code _sum} and {@code _count} with {@code labels}; bounds and sum are
   * divided by {@code msPerUnit} (1 for milliseconds, 1000 for seconds). In OpenMetrics each bucket carries
   * its exemplar, if it has one.
   */
  void write(PrometheusText text, String name, double msPerUnit, String... labels) throws IOException {
    String[] withLe = new String[labels.length + 2];
    System.arraycopy(labels, 0, withLe, 0, labels.length);
    withLe[labels.length] = "le";
    long cumulative = 0;
    for (int i = 0; i < BUCKETS; i++) {
      cumulative += buckets[i];
      double le = i < LatencyBuckets.BOUNDS_MS.size() ? LatencyBuckets.BOUNDS_MS.get(i) / msPerUnit
          : Double.POSITIVE_INFINITY;
      withLe[labels.length + 1] = PrometheusText.formatValue(le);
      text.sample(name + "_bucket", cumulative, exemplars[i], msPerUnit / 1000, withLe);
    }
    text.sample(name + "_sum", sumMs / msPerUnit, labels);
    text.sample(name + "_count", count, labels);
  }

  /** Why a result's buckets and sum cannot make a histogram, or null. */
  static String problem(WindowResult result) {
    List<Long> counts = result.buckets();
    if (counts == null || counts.size() != BUCKETS) {
      return "expected " + BUCKETS + " buckets, got " + (counts == null ? "none" : counts.size());
    }
    long total = 0;
    for (Long n : counts) {
      if (n == null || n < 0) {
        return "bucket count " + n + " is not a count";
      }
      total += n;
    }
    if (total != result.count()) {
      // +Inf must equal _count, or Prometheus' histogram_quantile gives nonsense
      return "buckets add up to " + total + " but count is " + result.count();
    }
    if (!Double.isFinite(result.sumMs()) || result.sumMs() < 0) {
      return "sumMs " + result.sumMs() + " is not a duration sum";
    }
    for (Exemplar e : result.exemplars()) {
      if (e == null || e.bucket() < 0 || e.bucket() >= BUCKETS || e.traceId() == null || e.traceId().isEmpty()
          || e.traceId().length() > MAX_TRACE_ID_CHARS
          || !(e.seconds() >= 0)) {
        return "exemplar " + e + " has no bucket, trace id or duration";
      }
    }
    return null;
  }
}

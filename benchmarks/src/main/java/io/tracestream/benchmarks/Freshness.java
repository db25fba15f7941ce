package io.tracestream.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * How fresh the committed window results are, over the windows that both opened and closed (end +
 * grace) inside the measured interval, so start-up and the end of the load are left out.
 *
 * <p>{@code oldest*}: from the start of a window to its result becoming visible read_committed, in
 * ms: the freshness of the window's earliest possible span (span end → its window result committed),
 * so an upper bound for every span in it. The target is p99 ≤ window + grace + 2 s.
 * {@code beyond*}: the same moment minus the window's end + grace, the delay the pipeline adds to the
 * wait that event-time windows impose by design (repartition, commit interval, transaction).
 */
record Freshness(int windows, long spans, double oldestP50, double oldestP99, double oldestMax, double beyondP50,
    double beyondP99, double beyondMax) {

  static Freshness of(List<ResultWatch.Seen> seen, long fromMillis, long untilMillis, long graceMillis) {
    List<ResultWatch.Seen> inside = seen.stream()
        .filter(s -> s.windowStart() >= fromMillis && s.windowEnd() + graceMillis <= untilMillis).toList();
    long[] oldest = inside.stream().mapToLong(s -> s.seenMillis() - s.windowStart()).sorted().toArray();
    long[] beyond = inside.stream().mapToLong(s -> s.seenMillis() - s.windowEnd() - graceMillis).sorted().toArray();
    long spans = inside.stream().mapToLong(ResultWatch.Seen::count).sum();
    return new Freshness(inside.size(), spans, rank(oldest, 0.5), rank(oldest, 0.99), rank(oldest, 1),
        rank(beyond, 0.5), rank(beyond, 0.99), rank(beyond, 1));
  }

  /** Nearest-rank percentile of sorted values, NaN when there are none. */
  private static double rank(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
  }

  @Override
  public String toString() {
    return Arrays.toString(new double[] {oldestP50, oldestP99, beyondP50, beyondP99});
  }
}

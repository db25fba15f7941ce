package io.tracestream.topology.exporter;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * The Prometheus view of the committed window results of one topic, keyed by {@code K}; free of Kafka
 * and thread-safe. {@link WindowMetricsExporter} feeds it. Series are held per source partition
 * ({@link PartitionedSeries}); a subclass says which records it refuses and writes its families.
 *
 * <p>A series whose last window ended more than {@code staleAfter} before the newest window end of
 * any series held here loses its gauges (a series that went quiet must not show an old p99
 * forever); its counters stay, as counters do. The clock is event time, so output depends only on
 * the records applied. A series further behind than {@code expireAfter} is forgotten altogether
 * ({@link PartitionedSeries}).
 *
 * @param <K> the series key
 * @param <V> a window result
 * @param <S> what is kept of a series
 */
abstract class WindowState<K, V, S extends PartitionedSeries.Series<V, S>> {
  final long staleAfterMs;
  private final PartitionedSeries<K, V, S> partitions;

  /** Never expires series: for replay's history of a bounded time range. */
  static final Duration NEVER = Duration.ofMillis(Long.MAX_VALUE);

  WindowState(Duration staleAfter, Duration expireAfter, Comparator<K> order, Supplier<S> empty) {
    if (staleAfter == null || staleAfter.isNegative()) {
      throw new IllegalArgumentException("staleAfter must be zero or positive, got " + staleAfter);
    }
    if (expireAfter == null || expireAfter.compareTo(staleAfter) < 0) {
      throw new IllegalArgumentException("expireAfter must be at least staleAfter, got " + expireAfter);
    }
    this.staleAfterMs = staleAfter.toMillis();
    this.partitions = new PartitionedSeries<>(order, empty, expireAfter.toMillis());
  }

  /**
   * Adds one window result of {@code key}, read from {@code partition}.
   *
   * @throws IllegalArgumentException when the record breaks its window result's contract (the
   *     caller counts it as undecodable and goes on); nothing is applied then
   */
  final void apply(int partition, K key, V result) {
    String problem = problem(key, result);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    partitions.add(partition, key, result);
  }

  /** Series held. */
  final int size() {
    return partitions.size();
  }

  /** Forgets every series read from these partitions. */
  final void dropPartitions(Collection<Integer> dropped) {
    partitions.drop(dropped);
  }

  /** Writes every series held. */
  final void write(Appendable out) throws IOException {
    write(out, p -> true, false);
  }

  /**
   * Writes the series read from the partitions {@code exported} accepts (the exporter hides partitions
   * it is still rebuilding). Staleness is judged against the newest window end of all series held.
   *
   * @param openMetrics OpenMetrics with exemplars ({@link PrometheusText}) instead of the Prometheus text format
   */
  final void write(Appendable out, IntPredicate exported, boolean openMetrics) throws IOException {
    PartitionedSeries.Snapshot<K, S> snapshot = partitions.snapshot(exported);
    if (!snapshot.series().isEmpty()) {
      write(new PrometheusText(out, openMetrics), snapshot);
    }
  }

  /** Why a record cannot be applied, or null when it can. */
  abstract String problem(K key, V result);

  /** Writes the families of the series of a snapshot, which has at least one. */
  abstract void write(PrometheusText text, PartitionedSeries.Snapshot<K, S> snapshot) throws IOException;

}

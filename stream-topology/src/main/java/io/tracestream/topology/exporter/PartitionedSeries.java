package io.tracestream.topology.exporter;

import io.tracestream.topology.model.WindowResult;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * The series of a {@link WindowState}, held per source partition so that a revoked partition can be
 * forgotten; thread-safe. The topics are keyed by series, so a series normally lives in one
 * partition; should it appear in several (the topic's partition count changed), its parts are merged
 * in {@link #snapshot}.
 *
 * <p>A series whose newest window ended more than {@code expireAfterMs} before the newest window end
 * held here is forgotten, counters and all (event time, checked as the newest end moves on): a service
 * that is gone, or a name per deployment, must not stay in memory and on {@code /metrics} for good.
 * Should it come back, its counters start again from zero, which Prometheus reads as a counter reset.
 *
 * @param <K> the series key
 * @param <V> a window result
 * @param <S> what is kept of a series
 */
final class PartitionedSeries<K, V, S extends PartitionedSeries.Series<V, S>> {
  /** What a state keeps of one series, built from its window results. */
  abstract static class Series<V, S extends Series<V, S>> {
    abstract void add(V result);

    /** Adds the parts of the same series read from another partition. */
    abstract void merge(S other);

    /** End of the newest window applied; {@link Long#MIN_VALUE} for none. */
    abstract long end();
  }

  /** A series of {@link WindowResult}s: its count over every window and its {@link LastWindow}; subclasses add more. */
  static class ResultSeries<S extends ResultSeries<S>> extends Series<WindowResult, S> {
    final LastWindow last = new LastWindow();
    long count;

    @Override
    void add(WindowResult result) {
      count += result.count();
      last.add(result);
    }

    @Override
    void merge(S other) {
      count += other.count;
      last.merge(other.last);
    }

    @Override
    long end() {
      return last.end();
    }
  }

  /** Series in key order, and the newest window end of every series held (exported or not). */
  record Snapshot<K, S>(Map<K, S> series, long newestEnd) {}

  private final Comparator<K> order;
  private final Supplier<S> empty;
  private final long expireAfterMs;
  private final Map<Integer, Map<K, S>> partitions = new HashMap<>();
  private long newestEnd = Long.MIN_VALUE;

  PartitionedSeries(Comparator<K> order, Supplier<S> empty, long expireAfterMs) {
    this.order = order;
    this.empty = empty;
    this.expireAfterMs = expireAfterMs;
  }

  synchronized void add(int partition, K key, V result) {
    S series = partitions.computeIfAbsent(partition, p -> new HashMap<>()).computeIfAbsent(key, k -> empty.get());
    series.add(result);
    if (series.end() > newestEnd) {
      newestEnd = series.end();
      expire();
    }
  }

  /** Forgets the series that ended more than expireAfterMs before the newest end; runs once per new newest end. */
  private void expire() {
    if (newestEnd - expireAfterMs > newestEnd) {
      return; // no series can be that old
    }
    long oldest = newestEnd - expireAfterMs;
    for (Map<K, S> series : partitions.values()) {
      series.values().removeIf(s -> s.end() < oldest);
    }
  }

  /** Series held, over every partition. */
  synchronized int size() {
    return partitions.values().stream().mapToInt(Map::size).sum();
  }

  synchronized void drop(Collection<Integer> dropped) {
    partitions.keySet().removeAll(dropped);
  }

  /** Copies of the series read from the partitions {@code exported} accepts. */
  synchronized Snapshot<K, S> snapshot(IntPredicate exported) {
    Map<K, S> series = new TreeMap<>(order);
    long newest = Long.MIN_VALUE;
    for (Map.Entry<Integer, Map<K, S>> partition : partitions.entrySet()) {
      for (Map.Entry<K, S> e : partition.getValue().entrySet()) {
        newest = Math.max(newest, e.getValue().end());
        if (exported.test(partition.getKey())) {
          series.computeIfAbsent(e.getKey(), k -> empty.get()).merge(e.getValue());
        }
      }
    }
    return new Snapshot<>(series, newest);
  }
}

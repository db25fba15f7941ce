package io.tracestream.topology.query;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.SeriesExemplars;
import io.tracestream.topology.traces.TraceSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The queryable stores of the topology, and reads of one partition of them that this instance holds
 * as an active task (never a standby, so two instances never answer for one partition). A read throws
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException} when the partition is not ready
 * here: moving to another instance, or still restoring from its changelog.
 */
public final class QueryStores {
  /** Trace summaries by trace id, timestamped with the trace's end; window store of 1 ms windows. */
  public static final String TRACE_SUMMARIES = "trace-summaries";
  /** Services with a span in a completed trace, and the end of the newest such trace. */
  public static final String SERVICES = "services";
  /** Exemplars of closed span windows by service, timestamped with the window start; duplicates retained. */
  public static final String SPAN_EXEMPLARS = "span-exemplars";
  /** Calls per dependency edge and edge window start. */
  public static final String DEPENDENCY_LINKS = "dependency-links";

  private final KafkaStreams streams;

  public QueryStores(KafkaStreams streams) {
    this.streams = streams;
  }

  /** The summary of a trace, read from the partition that holds it. */
  public Optional<TraceSummary> trace(String traceId, int partition) {
    return trace(traceSummaries(partition), traceId);
  }

  /** One partition of the {@link #TRACE_SUMMARIES} store. */
  ReadOnlyWindowStore<String, TraceSummary> traceSummaries(int partition) {
    return streams.store(StoreQueryParameters
        .fromNameAndType(TRACE_SUMMARIES, QueryableStoreTypes.<String, TraceSummary>windowStore())
        .withPartition(partition));
  }

  /** The summary of a trace in a {@link #TRACE_SUMMARIES} store, looked up over all time. */
  public static Optional<TraceSummary> trace(ReadOnlyWindowStore<String, TraceSummary> store, String traceId) {
    TraceSummary found = null;
    try (WindowStoreIterator<TraceSummary> it = store.fetch(traceId, Instant.EPOCH,
        Instant.ofEpochMilli(Long.MAX_VALUE))) {
      while (it.hasNext()) {
        found = it.next().value; // a trace completes once; should it appear twice, the newest wins
      }
    }
    return Optional.ofNullable(found);
  }

  /** The exemplars of the span windows of {@code service} starting in [{@code fromMs}, {@code toMs}]. */
  public List<SeriesExemplars> exemplars(String service, int partition, long fromMs, long toMs) {
    ReadOnlyWindowStore<String, SeriesExemplars> store = streams.store(StoreQueryParameters
        .fromNameAndType(SPAN_EXEMPLARS, QueryableStoreTypes.<String, SeriesExemplars>windowStore())
        .withPartition(partition));
    List<SeriesExemplars> found = new ArrayList<>();
    try (WindowStoreIterator<SeriesExemplars> it = store.fetch(service, Instant.ofEpochMilli(fromMs),
        Instant.ofEpochMilli(toMs))) {
      it.forEachRemaining(entry -> found.add(entry.value));
    }
    return found;
  }

  /** Services seen in the traces of one partition. */
  public SortedSet<String> services(int partition) {
    ReadOnlyKeyValueStore<String, Long> store = streams.store(StoreQueryParameters
        .fromNameAndType(SERVICES, QueryableStoreTypes.<String, Long>keyValueStore())
        .withPartition(partition));
    SortedSet<String> services = new TreeSet<>();
    try (KeyValueIterator<String, Long> it = store.all()) {
      it.forEachRemaining(entry -> services.add(entry.key));
    }
    return services;
  }

  /**
   * Calls per (client, server) summed over connection types and over the edge windows starting in
   * [{@code fromMs}, {@code toMs}], in one partition.
   */
  public Map<DependencyLink.Pair, Long> dependencies(int partition, long fromMs, long toMs) {
    ReadOnlyWindowStore<EdgeKey, Long> store = streams.store(StoreQueryParameters
        .fromNameAndType(DEPENDENCY_LINKS, QueryableStoreTypes.<EdgeKey, Long>windowStore())
        .withPartition(partition));
    Map<DependencyLink.Pair, Long> calls = new TreeMap<>();
    try (KeyValueIterator<Windowed<EdgeKey>, Long> it = store.fetchAll(Instant.ofEpochMilli(fromMs),
        Instant.ofEpochMilli(toMs))) {
      while (it.hasNext()) {
        KeyValue<Windowed<EdgeKey>, Long> entry = it.next();
        EdgeKey edge = entry.key.key();
        calls.merge(new DependencyLink.Pair(edge.client(), edge.server()), entry.value, Long::sum);
      }
    }
    return calls;
  }
}

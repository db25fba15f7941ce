package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesExemplars;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.TraceSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Writes what the query API ({@code /api/...}) reads into queryable stores, passing every record on
 * unchanged: trace summaries by trace id and the services they touched ({@link Traces}), and the
 * calls of each closed edge window ({@link Dependencies}). The stores live in the task that holds the
 * data anyway, so writing them costs no repartition.
 */
final class QueryIndex {
  private QueryIndex() {}

  /**
   * Summaries by trace id (retention {@code topology.query.traces.retention}) and last-seen time per
   * service; a service not seen for {@code servicesRetention} (event time: before the newest trace end
   * here minus the retention) is forgotten, checked once a minute. At most {@code maxServices} are
   * kept: a new service past that waits for one to be forgotten (the query answer is bounded, the
   * span metrics count the rest under {@code __overflow__}).
   */
  static final class Traces extends ContextualFixedKeyProcessor<String, TraceSummary, TraceSummary> {
    private final long servicesRetentionMs;
    private final int maxServices;
    private int serviceCount;
    private WindowStore<String, TraceSummary> summaries;
    private KeyValueStore<String, Long> services;
    private long newest = Long.MIN_VALUE;

    Traces(Duration servicesRetention, int maxServices) {
      this.servicesRetentionMs = servicesRetention.toMillis();
      this.maxServices = maxServices;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, TraceSummary> context) {
      super.init(context);
      summaries = context.getStateStore(QueryStores.TRACE_SUMMARIES);
      services = context.getStateStore(QueryStores.SERVICES);
      try (KeyValueIterator<String, Long> it = services.all()) {
        it.forEachRemaining(entry -> serviceCount++);
      }
      context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, wallMs -> forgetOldServices());
    }

    @Override
    public void process(FixedKeyRecord<String, TraceSummary> record) {
      summaries.put(record.key(), record.value(), record.timestamp());
      newest = Math.max(newest, record.timestamp());
      for (String service : record.value().services()) {
        Long seen = services.get(service);
        if (seen == null && serviceCount >= maxServices) {
          continue;
        }
        if (seen == null) {
          serviceCount++;
        }
        if (seen == null || seen < record.timestamp()) {
          services.put(service, record.timestamp());
        }
      }
      context().forward(record);
    }

    private void forgetOldServices() {
      if (newest == Long.MIN_VALUE) {
        return; // nothing seen since the start: no clock to judge by
      }
      List<String> old = new ArrayList<>();
      try (KeyValueIterator<String, Long> it = services.all()) {
        it.forEachRemaining(entry -> {
          if (entry.value < newest - servicesRetentionMs) {
            old.add(entry.key);
          }
        });
      }
      old.forEach(services::delete);
      serviceCount -= old.size();
    }
  }

  /**
   * The exemplars of each closed span window by service and window start (retention
   * {@code topology.query.retention}; several series of a service share a key), for {@code /api/exemplars}.
   */
  static final class Exemplars extends ContextualFixedKeyProcessor<SeriesKey, WindowResult, WindowResult> {
    private WindowStore<String, SeriesExemplars> exemplars;

    @Override
    public void init(FixedKeyProcessorContext<SeriesKey, WindowResult> context) {
      super.init(context);
      exemplars = context.getStateStore(QueryStores.SPAN_EXEMPLARS);
    }

    @Override
    public void process(FixedKeyRecord<SeriesKey, WindowResult> record) {
      WindowResult r = record.value();
      if (!r.exemplars().isEmpty()) {
        exemplars.put(record.key().service(),
            new SeriesExemplars(record.key(), r.windowStart(), r.windowEnd(), r.exemplars()), r.windowStart());
      }
      context().forward(record);
    }
  }

  /** Calls per edge and window start (retention {@code topology.query.retention}), for {@code /api/dependencies}. */
  static final class Dependencies extends ContextualFixedKeyProcessor<EdgeKey, EdgeWindowResult, EdgeWindowResult> {
    private WindowStore<EdgeKey, Long> links;

    @Override
    public void init(FixedKeyProcessorContext<EdgeKey, EdgeWindowResult> context) {
      super.init(context);
      links = context.getStateStore(QueryStores.DEPENDENCY_LINKS);
    }

    @Override
    public void process(FixedKeyRecord<EdgeKey, EdgeWindowResult> record) {
      links.put(record.key(), record.value().calls(), record.value().windowStart());
      context().forward(record);
    }
  }
}

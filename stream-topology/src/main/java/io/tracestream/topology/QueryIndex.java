package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.TraceSummary;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
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

  /** Summaries by trace id (retention {@code topology.query.traces.retention}) and last-seen time per service. */
  static final class Traces extends ContextualFixedKeyProcessor<String, TraceSummary, TraceSummary> {
    private WindowStore<String, TraceSummary> summaries;
    private KeyValueStore<String, Long> services;

    @Override
    public void init(FixedKeyProcessorContext<String, TraceSummary> context) {
      super.init(context);
      summaries = context.getStateStore(QueryStores.TRACE_SUMMARIES);
      services = context.getStateStore(QueryStores.SERVICES);
    }

    @Override
    public void process(FixedKeyRecord<String, TraceSummary> record) {
      summaries.put(record.key(), record.value(), record.timestamp());
      for (String service : record.value().services()) {
        Long seen = services.get(service);
        if (seen == null || seen < record.timestamp()) {
          services.put(service, record.timestamp());
        }
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

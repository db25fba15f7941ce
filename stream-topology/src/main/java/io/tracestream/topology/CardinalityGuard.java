package io.tracestream.topology;

import io.tracestream.topology.model.SeriesKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The cardinality limits of one window task, kept in its state store: at most {@code maxServices}
 * distinct services, and at most {@code maxOperations} distinct operations per service. An input of a
 * service past the limit goes to the series ({@code __overflow__}, {@code __overflow__}); an operation
 * past its service's limit to ({@code service}, {@code __overflow__}); both are counted as overflow
 * (the first under the service {@code __overflow__}).
 *
 * <p>A service whose latest window started {@code expireAfterMs} or more before the task's event time
 * is forgotten with its operations ({@link #expire}), so services that come and go (a name per
 * deployment, per pod) do not fill the limit for good.
 *
 * <p>Keys: {@code svc\0<service>} → start of the latest window it was seen in, {@code count\0<service>}
 * → operations admitted, {@code op\0<service>\0<operation>} → 1. The last two predate the service
 * limit: a store written before it has no {@code svc} keys, and its services are admitted anew. Per
 * dimension ({@code topology.dimensions.max.values}): {@code dimcount\0<service>\0<dimension>} → values
 * admitted, {@code dim\0<service>\0<dimension>\0<value>} → 1; a value past the limit becomes
 * {@code __overflow__}, counted as dimension overflow.
 */
final class CardinalityGuard {
  static final String OVERFLOW = SeriesKey.OVERFLOW_OPERATION;
  private static final String SERVICE_PREFIX = "svc\u0000";
  private static final String COUNT_PREFIX = "count\u0000";
  private static final String OPERATION_PREFIX = "op\u0000";
  private static final String DIMENSION_COUNT_PREFIX = "dimcount\u0000";
  private static final String DIMENSION_PREFIX = "dim\u0000";

  /** Service and operation of an input's series, as admitted. */
  record Admitted(String service, String operation) {}

  private final KeyValueStore<String, Long> state;
  private final int maxServices;
  private final int maxOperations;
  private final int maxDimensionValues;
  private final long expireAfterMs;
  private final WindowedInput input;
  private final TopologyMetrics metrics;
  private int services;
  private long expiredAt = Long.MIN_VALUE;

  CardinalityGuard(KeyValueStore<String, Long> state, int maxServices, int maxOperations, int maxDimensionValues,
      long expireAfterMs, WindowedInput input, TopologyMetrics metrics) {
    this.state = state;
    this.maxServices = maxServices;
    this.maxOperations = maxOperations;
    this.maxDimensionValues = maxDimensionValues;
    this.expireAfterMs = expireAfterMs;
    this.input = input;
    this.metrics = metrics;
    try (KeyValueIterator<String, Long> it = state.prefixScan(SERVICE_PREFIX, new StringSerializer())) {
      while (it.hasNext()) {
        it.next();
        services++;
      }
    }
  }

  /** The series names for {@code inputs} inputs of a window starting at {@code windowStart}; counts overflow. */
  Admitted admit(String service, String operation, long inputs, long windowStart) {
    String serviceKey = SERVICE_PREFIX + service;
    Long seen = state.get(serviceKey);
    if (seen == null) {
      if (services >= maxServices) {
        metrics.overflow(input, OVERFLOW, inputs);
        return new Admitted(OVERFLOW, OVERFLOW);
      }
      services++;
    }
    if (seen == null || seen < windowStart) {
      state.put(serviceKey, windowStart);
    }
    return new Admitted(service, admitOperation(service, operation, inputs));
  }

  /** The service as its late inputs are counted: itself when admitted or when there is room, else the overflow name. */
  String counted(String service) {
    return services < maxServices || state.get(SERVICE_PREFIX + service) != null ? service : OVERFLOW;
  }

  private String admitOperation(String service, String operation, long inputs) {
    String opKey = OPERATION_PREFIX + service + '\u0000' + operation;
    if (state.get(opKey) != null) {
      return operation;
    }
    String countKey = COUNT_PREFIX + service;
    Long admitted = state.get(countKey);
    long n = admitted == null ? 0 : admitted;
    if (n >= maxOperations) {
      metrics.overflow(input, service, inputs);
      return OVERFLOW;
    }
    state.put(opKey, 1L);
    state.put(countKey, n + 1);
    return operation;
  }

  /**
   * The dimensions of {@code inputs} inputs of an admitted service, each value past the service's first
   * {@code maxDimensionValues} of its dimension replaced by {@link #OVERFLOW} and counted.
   */
  Map<String, String> admitDimensions(String service, Map<String, String> dimensions, long inputs) {
    Map<String, String> admitted = null;
    for (Map.Entry<String, String> d : dimensions.entrySet()) {
      String valueKey = DIMENSION_PREFIX + service + '\u0000' + d.getKey() + '\u0000' + d.getValue();
      if (state.get(valueKey) != null) {
        continue;
      }
      String countKey = DIMENSION_COUNT_PREFIX + service + '\u0000' + d.getKey();
      Long values = state.get(countKey);
      long n = values == null ? 0 : values;
      if (n < maxDimensionValues) {
        state.put(valueKey, 1L);
        state.put(countKey, n + 1);
        continue;
      }
      metrics.dimensionOverflow(input, service, d.getKey(), inputs);
      if (admitted == null) {
        admitted = new TreeMap<>(dimensions);
      }
      admitted.put(d.getKey(), OVERFLOW);
    }
    return admitted == null ? dimensions : admitted;
  }

  /**
   * Forgets the services not seen in a window starting after {@code now - expireAfterMs}, with their
   * operations; runs at most once per {@code everyMs} of event time, since it scans every service.
   */
  void expire(long now, long everyMs) {
    if (expiredAt != Long.MIN_VALUE && now - expiredAt < everyMs) {
      return;
    }
    expiredAt = now;
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = state.prefixScan(SERVICE_PREFIX, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, Long> entry = it.next();
        if (entry.value <= now - expireAfterMs) {
          old.add(entry.key.substring(SERVICE_PREFIX.length()));
        }
      }
    }
    for (String service : old) {
      List<String> operations = new ArrayList<>();
      try (KeyValueIterator<String, Long> it =
          state.prefixScan(OPERATION_PREFIX + service + '\u0000', new StringSerializer())) {
        it.forEachRemaining(entry -> operations.add(entry.key));
      }
      for (String prefix : List.of(DIMENSION_PREFIX, DIMENSION_COUNT_PREFIX)) {
        try (KeyValueIterator<String, Long> it =
            state.prefixScan(prefix + service + '\u0000', new StringSerializer())) {
          it.forEachRemaining(entry -> operations.add(entry.key));
        }
      }
      operations.forEach(state::delete);
      state.delete(COUNT_PREFIX + service);
      state.delete(SERVICE_PREFIX + service);
      services--;
    }
  }
}

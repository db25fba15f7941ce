package io.tracestream.topology;

import java.util.List;

/**
 * What a {@link WindowProcessor} needs to know of one kind of input: the series an input belongs to,
 * the service its cardinality guard counts under, its duration and error, where its late and
 * overflowing inputs are counted, and how its series keys are written into window-store keys.
 *
 * @param <V> the input record's value
 * @param <K> the series key, the output record's key
 */
interface WindowSeries<V, K> {
  /** Store of the open windows. */
  String windowsStore();

  /** Store of event time and the operations admitted per service. */
  String stateStore();

  String service(V input);

  String operation(V input);

  /** The series of {@code input}, with the operation the cardinality guard admitted for it. */
  K series(V input, String admittedOperation);

  double durationMs(V input);

  boolean error(V input);

  void countLate(TopologyMetrics metrics, String service);

  void countOverflow(TopologyMetrics metrics, String service);

  /** The key's dimensions, in a fixed order; {@link #fromParts} reads them back. */
  List<String> parts(K key);

  K fromParts(List<String> parts);
}

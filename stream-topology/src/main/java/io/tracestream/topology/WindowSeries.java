package io.tracestream.topology;

import java.util.List;
import java.util.Map;

/**
 * What a {@link WindowProcessor} needs to know of one kind of input: the series an input belongs to,
 * the service its cardinality guard counts under, what a window of the series accumulates and its
 * final result, what its late and overflowing inputs are counted as, and how its series keys are written
 * into window-store keys.
 *
 * @param <V> the input record's value
 * @param <K> the series key, the output record's key
 * @param <R> the window result, the output record's value
 */
interface WindowSeries<V, K, R> {
  /** Store of the open windows. */
  String windowsStore();

  /** Store of event time and the operations admitted per service. */
  String stateStore();

  String service(V input);

  String operation(V input);

  /** The dimensions of {@code input}'s series by attribute name, before the cardinality guard. */
  default Map<String, String> dimensions(V input) {
    return Map.of();
  }

  /**
   * The series of {@code input}, with the service, operation and dimensions the cardinality guard admitted
   * for it.
   */
  K series(V input, String admittedService, String admittedOperation, Map<String, String> admittedDimensions);

  /** How many inputs (spans, traces, edges) {@code input} stands for, as late and overflowing inputs are counted. */
  default long count(V input) {
    return 1;
  }

  /** The stored state of a window ({@code null} for a new window) with {@code input} added. */
  byte[] add(byte[] window, V input);

  /** The final result of a window's stored state. */
  R result(byte[] window, long windowStart, long windowEnd);

  /** What the late and overflowing inputs are counted as. */
  WindowedInput input();

  /** The key's dimensions, in a fixed order; {@link #fromParts} reads them back. */
  List<String> parts(K key);

  K fromParts(List<String> parts);
}

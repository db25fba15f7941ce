package io.tracestream.topology;

import io.tracestream.topology.model.WindowResult;

/** Series of one duration and an error flag per input, windowed into a {@link WindowAccumulator}. */
abstract class LatencySeries<V, K> implements WindowSeries<V, K, WindowResult> {

  abstract double durationMs(V input);

  abstract boolean error(V input);

  @Override
  public final byte[] add(byte[] window, V input) {
    WindowAccumulator accumulator = window == null ? WindowAccumulator.empty() : WindowAccumulator.fromBytes(window);
    accumulator.add(durationMs(input), error(input));
    return accumulator.toBytes();
  }

  @Override
  public final WindowResult result(byte[] window, long windowStart, long windowEnd) {
    return WindowAccumulator.fromBytes(window).result(windowStart, windowEnd);
  }
}

package io.tracestream.topology.sketch;

/**
 * A mergeable quantile sketch of latencies in milliseconds with a stated relative-error bound (a
 * DDSketch): any quantile it returns is within {@link #RELATIVE_ACCURACY} of the exact value of the
 * same rank. Free of Kafka; serializable for state stores and for the window results.
 */
public final class LatencySketch {
  /** Relative accuracy of every quantile (0.5 %). */
  public static final double RELATIVE_ACCURACY = 0.005;

  // implemented in its own change
}

package io.tracestream.topology;

/** {@link TraceMetricsTest} with trace and edge windows pre-aggregated in the assembly task: the same results. */
class TraceMetricsPreAggregatedTest extends TraceMetricsTest {
  @Override
  String[] settings() {
    return new String[] {"topology.preaggregate.interval=1s"};
  }
}

package io.tracestream.topology;

/** {@link EdgesTopologyTest} with trace and edge windows pre-aggregated in the assembly task: the same results. */
class EdgesTopologyPreAggregatedTest extends EdgesTopologyTest {
  @Override
  String[] settings() {
    return new String[] {"topology.preaggregate.interval=1s"};
  }
}

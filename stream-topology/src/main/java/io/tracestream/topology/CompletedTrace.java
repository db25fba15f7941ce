package io.tracestream.topology;

import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.util.List;

/** What trace assembly makes of a completed trace: its summary and its dependency edges. */
record CompletedTrace(TraceSummary summary, List<Edge> edges) {
  CompletedTrace {
    edges = List.copyOf(edges);
  }
}

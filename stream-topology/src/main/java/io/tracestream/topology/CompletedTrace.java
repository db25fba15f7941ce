package io.tracestream.topology;

import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.util.List;

/**
 * What trace assembly makes of a completed trace: its summary and its dependency edges.
 *
 * @param rejoined spans came after the trace had completed and were joined to it: the summary replaces
 *     the one sent before (it is not counted in whole-trace metrics again) and {@code edges} are only the
 *     edges those spans added
 */
record CompletedTrace(TraceSummary summary, List<Edge> edges, boolean rejoined) {
  CompletedTrace {
    edges = List.copyOf(edges);
  }
}

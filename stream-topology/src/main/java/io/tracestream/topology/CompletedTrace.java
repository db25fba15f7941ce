package io.tracestream.topology;

import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummaries;
import io.tracestream.topology.traces.TraceSummary;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What trace assembly makes of a completed trace: its summary and its dependency edges.
 *
 * @param rejoined spans came after the trace had completed and were joined to it: the summary replaces
 *     the one sent before (it is not counted in whole-trace metrics again) and {@code edges} are only the
 *     edges those spans added
 */
record CompletedTrace(TraceSummary summary, List<Edge> edges, boolean rejoined, long weight) {
  CompletedTrace {
    edges = List.copyOf(edges);
  }

  /** The trace of {@code spans}: its weight is its root span's ({@link TraceSummaries#root}). */
  static CompletedTrace of(List<TraceSpan> spans, List<Edge> edges, boolean rejoined) {
    return new CompletedTrace(TraceSummaries.of(spans), edges, rejoined, TraceSummaries.root(spans).weight());
  }

  /** How many of {@code edges} were inferred, by rule tag; empty when none was. */
  Map<String, Long> inferredEdges() {
    Map<String, Long> counts = new TreeMap<>();
    for (Edge edge : edges) {
      if (edge.rule().inferred()) {
        counts.merge(edge.rule().tag(), 1L, Long::sum);
      }
    }
    return counts;
  }
}

package io.tracestream.topology.traces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Builds the {@link TraceSummary} of one completed trace. */
public final class TraceSummaries {
  private TraceSummaries() {}

  /**
   * The summary of {@code spans}, all of one trace (the trace id is the first span's).
   *
   * <p>The root is the span with no parent id. Should there be several (a trace id reused by a buggy
   * client), the earliest-starting one is taken, and likewise the earliest-starting span of all stands
   * in when there is none ({@code rootMissing}); ties go to the span that came first.
   *
   * @throws IllegalArgumentException if {@code spans} is empty: a trace has at least one span
   */
  public static TraceSummary of(List<TraceSpan> spans) {
    if (spans.isEmpty()) {
      throw new IllegalArgumentException("spans is empty: a trace has at least one span");
    }
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    boolean error = false;
    TreeSet<String> services = new TreeSet<>();
    for (TraceSpan span : spans) {
      start = Math.min(start, span.startNanos());
      end = Math.max(end, span.endNanos());
      error |= span.error();
      services.add(span.service());
    }
    TraceSpan shownRoot = root(spans);
    return new TraceSummary(spans.get(0).traceId(), shownRoot.service(), shownRoot.name(), !shownRoot.isRoot(),
        start, Math.max(0, end - start), spans.size(), error, List.copyOf(services),
        dimensionAttributes(spans, shownRoot));
  }

  /**
   * The span the summary names as root: the earliest-starting span with no parent id, or the earliest-starting
   * span of all when there is none; ties go to the span that came first.
   *
   * @throws IllegalArgumentException if {@code spans} is empty
   */
  public static TraceSpan root(List<TraceSpan> spans) {
    TraceSpan root = null;
    TraceSpan earliest = null;
    for (TraceSpan span : spans) {
      if (span.isRoot() && (root == null || span.startNanos() < root.startNanos())) {
        root = span;
      }
      if (earliest == null || span.startNanos() < earliest.startNanos()) {
        earliest = span;
      }
    }
    if (earliest == null) {
      throw new IllegalArgumentException("spans is empty: a trace has at least one span");
    }
    return root == null ? earliest : root;
  }

  /**
   * The attributes kept for dimensions (not {@link TraceSpan#ATTRIBUTE_KEYS}, nor the adjusted count): the root's,
   * then those of the other spans in start order (ties in arrival order), the first value of each attribute found.
   */
  private static Map<String, String> dimensionAttributes(List<TraceSpan> spans, TraceSpan root) {
    List<TraceSpan> having = new ArrayList<>();
    for (TraceSpan span : spans) {
      if (span != root && hasDimensionAttribute(span)) {
        having.add(span);
      }
    }
    if (having.isEmpty() && !hasDimensionAttribute(root)) {
      return Map.of(); // no dimensions configured: the usual case, at the cost of a look at each span
    }
    having.sort(Comparator.comparingLong(TraceSpan::startNanos));
    having.add(0, root);
    Map<String, String> attributes = new TreeMap<>();
    for (TraceSpan span : having) {
      span.attributes().forEach((key, value) -> {
        if (isDimension(key)) {
          attributes.putIfAbsent(key, value);
        }
      });
    }
    return attributes;
  }

  private static boolean hasDimensionAttribute(TraceSpan span) {
    for (String key : span.attributes().keySet()) {
      if (isDimension(key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isDimension(String key) {
    return !TraceSpan.ATTRIBUTE_KEYS.contains(key) && !key.equals(TraceSpan.ADJUSTED_COUNT);
  }
}

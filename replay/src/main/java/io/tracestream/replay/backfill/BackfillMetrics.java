package io.tracestream.replay.backfill;

import io.tracestream.topology.TopologyMetrics;
import io.tracestream.topology.WindowedInput;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/** What a backfill's topology counts beside its results (late, dropped, DLQ ...), for the replay's summary. */
final class BackfillMetrics implements TopologyMetrics {
  private final ConcurrentMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

  private void add(String name, long n) {
    counts.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
  }

  /** Non-zero counts by name, sorted. */
  Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> {
      if (v.get() != 0) {
        out.put(k, v.get());
      }
    });
    return out;
  }

  @Override public void poisonRecord() { add("records to the DLQ", 1); }
  @Override public void late(WindowedInput input, String service, long count) {
    add("late " + input.plural() + " (not in any window)", count);
  }
  @Override public void overflow(WindowedInput input, String service, long count) {
    add(input.plural() + " folded into __overflow__", count);
  }
  @Override public void dimensionOverflow(WindowedInput input, String service, String dimension, long count) {
    add(input.plural() + " with " + dimension + " folded into __overflow__", count);
  }
  @Override public void clampedSpans(long count) { add("spans clamped to wall clock + max future skew", count); }
  @Override public void droppedSpans(String reason, long count) {
    add("spans left out of trace assembly (" + reason + ")", count);
  }
  @Override public void lateTraceSpans(long count) { add("spans for an already completed trace", count); }
  @Override public void rejoinedTraceSpans(long count) {
    add("spans joined to a trace completed shortly before", count);
  }
  @Override public void tracesCompleted(long count) { add("traces completed", count); }
  @Override public void unpairedSpans(String reason, long count) { add("spans in no edge (" + reason + ")", count); }
  @Override public void inferredEdges(String rule, long count) { add("edges inferred (" + rule + ")", count); }
  @Override public void evictedTraces(String held, long count) { add("traces evicted (" + held + ")", count); }
  @Override public void heldTraceBytes(java.util.function.LongSupplier bytes) {}
}

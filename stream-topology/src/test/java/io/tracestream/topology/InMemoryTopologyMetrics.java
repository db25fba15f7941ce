package io.tracestream.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

final class InMemoryTopologyMetrics implements TopologyMetrics {
  final Map<String, Long> counts = new ConcurrentHashMap<>();

  long get(String name) {
    return counts.getOrDefault(name, 0L);
  }

  @Override public void poisonRecord() { counts.merge("poison", 1L, Long::sum); }
  @Override public void lateSpans(String service, long n) { counts.merge("late." + service, n, Long::sum); }
  @Override public void overflowSpans(String service, long n) { counts.merge("overflow." + service, n, Long::sum); }
  @Override public void droppedSpans(String reason, long n) { counts.merge("dropped." + reason, n, Long::sum); }
  @Override public void lateTraceSpans(long n) { counts.merge("lateTrace", n, Long::sum); }
  @Override public void lateTraces(String service, long n) { counts.merge("lateTraces." + service, n, Long::sum); }
  @Override public void overflowTraces(String service, long n) { counts.merge("overflowTraces." + service, n, Long::sum); }
  @Override public void tracesCompleted(long n) { counts.merge("completed", n, Long::sum); }
  @Override public void lateEdges(String client, long n) { counts.merge("lateEdges." + client, n, Long::sum); }
  @Override public void overflowEdges(String client, long n) { counts.merge("overflowEdges." + client, n, Long::sum); }
  @Override public void unpairedSpans(String reason, long n) { counts.merge("unpaired." + reason, n, Long::sum); }
  @Override public void clampedSpans(long n) { counts.merge("clamped", n, Long::sum); }
}

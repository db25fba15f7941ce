package io.tracestream.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

final class InMemoryTopologyMetrics implements TopologyMetrics {
  final Map<String, Long> counts = new ConcurrentHashMap<>();

  long get(String name) {
    return counts.getOrDefault(name, 0L);
  }

  /** Keys {@code late.<input>.<service>} and {@code overflow.<input>.<service>}, e.g. {@code late.spans.checkout}. */
  @Override public void late(WindowedInput in, String service, long n) {
    counts.merge("late." + in.plural() + "." + service, n, Long::sum);
  }
  @Override public void overflow(WindowedInput in, String service, long n) {
    counts.merge("overflow." + in.plural() + "." + service, n, Long::sum);
  }
  /** Key {@code dimensionOverflow.<input>.<service>.<dimension>}. */
  @Override public void dimensionOverflow(WindowedInput in, String service, String dimension, long n) {
    counts.merge("dimensionOverflow." + in.plural() + "." + service + "." + dimension, n, Long::sum);
  }
  @Override public void poisonRecord() { counts.merge("poison", 1L, Long::sum); }
  @Override public void droppedSpans(String reason, long n) { counts.merge("dropped." + reason, n, Long::sum); }
  @Override public void lateTraceSpans(long n) { counts.merge("lateTrace", n, Long::sum); }
  @Override public void rejoinedTraceSpans(long n) { counts.merge("rejoined", n, Long::sum); }
  @Override public void tracesCompleted(long n) { counts.merge("completed", n, Long::sum); }
  @Override public void unpairedSpans(String reason, long n) { counts.merge("unpaired." + reason, n, Long::sum); }
  @Override public void inferredEdges(String rule, long n) { counts.merge("inferred." + rule, n, Long::sum); }
  @Override public void invalidSampling(String source, long n) { counts.merge("sampling." + source, n, Long::sum); }
  @Override public void clampedSpans(long n) { counts.merge("clamped", n, Long::sum); }
  @Override public void evictedTraces(String held, long n) { counts.merge("evicted." + held, n, Long::sum); }
  @Override public void heldTraceBytes(java.util.function.LongSupplier bytes) { heldBytes = bytes; }

  /** What reads the bytes trace assembly holds, once the topology has registered it. */
  volatile java.util.function.LongSupplier heldBytes = () -> 0;
}

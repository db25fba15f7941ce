package io.tracestream.bridge;

import io.tracestream.span.RejectReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts in maps, for asserting what the bridge counted. */
final class InMemoryBridgeMetrics implements BridgeMetrics {
  final Map<String, Long> counts = new ConcurrentHashMap<>();

  long get(String name) {
    return counts.getOrDefault(name, 0L);
  }

  private void add(String name, long n) {
    counts.merge(name, n, Long::sum);
  }

  @Override public void request(Transport transport, Outcome outcome) { add("requests." + outcome.tag(), 1); }
  @Override public void spansReceived(Transport transport, int count) { add("received", count); }
  @Override public void spansAccepted(Transport transport, int count) { add("accepted", count); }
  @Override public void spansRejected(Transport transport, RejectReason reason, int count) { add("rejected." + reason.tag(), count); }
  @Override public void spansRefused(Transport transport, int count) { add("refused", count); }
  @Override public void kafkaSend(long nanos, boolean success) { add(success ? "send.ok" : "send.failed", 1); }
  @Override public void forwarded(int spans) { add("forward.sent", spans); }
  @Override public void forwardFailed(int spans) { add("forward.failed", spans); }
  @Override public void forwardDropped(int spans) { add("forward.dropped", spans); }
  @Override public void connectionRefused(Transport transport, GrpcConnections.Refusal why) {
    add("connections.refused." + why.tag(), 1);
  }
}

package io.tracestream.bridge;

import io.tracestream.span.RejectReason;

/** What the bridge counts. {@link MicrometerBridgeMetrics} exports it; {@link #NOOP} ignores it. */
public interface BridgeMetrics {
  void request(Transport transport, Outcome outcome);

  void spansReceived(Transport transport, int count);

  void spansAccepted(Transport transport, int count);

  void spansRejected(Transport transport, RejectReason reason, int count);

  /** Spans that the bridge could not take because Kafka was down or slow; the client was told to retry. */
  void spansRefused(Transport transport, int count);

  void kafkaSend(long nanos, boolean success);

  void forwarded(int spans);

  void forwardFailed(int spans);

  /** The forward queue was full: those spans reached Kafka but not Jaeger. */
  void forwardDropped(int spans);

  /** A connection closed by a limit: as it was accepted, or for not beginning HTTP/2 in time. */
  void connectionRefused(Transport transport, GrpcConnections.Refusal why);

  BridgeMetrics NOOP = new BridgeMetrics() {
    @Override public void request(Transport transport, Outcome outcome) {}
    @Override public void spansReceived(Transport transport, int count) {}
    @Override public void spansAccepted(Transport transport, int count) {}
    @Override public void spansRejected(Transport transport, RejectReason reason, int count) {}
    @Override public void spansRefused(Transport transport, int count) {}
    @Override public void kafkaSend(long nanos, boolean success) {}
    @Override public void forwarded(int spans) {}
    @Override public void forwardFailed(int spans) {}
    @Override public void forwardDropped(int spans) {}
    @Override public void connectionRefused(Transport transport, GrpcConnections.Refusal why) {}
  };
}

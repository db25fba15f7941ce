package io.tracestream.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tracestream.span.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bridge metrics in Micrometer, exported as {@code tracestream_bridge_*}. Meters are created up front
 * per tag combination so the hot path does no lookups and every series exists from the first scrape.
 */
final class MicrometerBridgeMetrics implements BridgeMetrics {
  private final Map<Transport, Map<Outcome, Counter>> requests = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> received = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> accepted = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> refused = new EnumMap<>(Transport.class);
  private final Map<Transport, Map<RejectReason, Counter>> rejected = new EnumMap<>(Transport.class);
  private final Timer sendOk;
  private final Timer sendFailed;
  private final Counter forwarded;
  private final Counter forwardFailed;
  private final Counter forwardDropped;
  private final Map<GrpcConnections.Refusal, Counter> connectionsRefused = new EnumMap<>(GrpcConnections.Refusal.class);

  MicrometerBridgeMetrics(MeterRegistry registry) {
    for (Transport t : Transport.values()) {
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        byOutcome.put(o, Counter.builder("tracestream.bridge.requests")
            .description("OTLP export requests by transport and how they were answered")
            .tag("transport", t.tag()).tag("outcome", o.tag()).register(registry));
      }
      requests.put(t, byOutcome);
      received.put(t, spanCounter(registry, "received", "spans in requests that were decoded", t));
      accepted.put(t, spanCounter(registry, "accepted", "spans acknowledged by Kafka", t));
      refused.put(t, spanCounter(registry, "refused",
          "spans answered with 503/UNAVAILABLE (Kafka down or full); the client retries them", t));
      Map<RejectReason, Counter> byReason = new EnumMap<>(RejectReason.class);
      for (RejectReason r : RejectReason.values()) {
        byReason.put(r, Counter.builder("tracestream.bridge.spans.rejected")
            .description("spans refused through OTLP partial_success, by reason")
            .tag("transport", t.tag()).tag("reason", r.tag()).register(registry));
      }
      rejected.put(t, byReason);
    }
    sendOk = sendTimer(registry, "success");
    sendFailed = sendTimer(registry, "failure");
    forwarded = forwardCounter(registry, "sent", "spans forwarded to the OTLP forward endpoint");
    forwardFailed = forwardCounter(registry, "failed", "spans whose forward call failed");
    forwardDropped = forwardCounter(registry, "dropped", "spans not forwarded because the forward queue was full");
    for (GrpcConnections.Refusal why : GrpcConnections.Refusal.values()) {
      connectionsRefused.put(why, Counter.builder("tracestream.bridge.connections.refused")
          .description("connections closed as they were accepted, over bridge.grpc.max.connections (limit) or"
              + " bridge.grpc.max.connections.per.address (per_address), or for not beginning HTTP/2 within"
              + " bridge.grpc.handshake.timeout (handshake_timeout)")
          .tag("transport", Transport.GRPC.tag()).tag("reason", why.tag()).register(registry));
    }
  }

  private static Counter spanCounter(MeterRegistry registry, String what, String description, Transport t) {
    return Counter.builder("tracestream.bridge.spans." + what).description(description)
        .tag("transport", t.tag()).register(registry);
  }

  private static Timer sendTimer(MeterRegistry registry, String result) {
    return Timer.builder("tracestream.bridge.kafka.send")
        .description("time from handing a request's records to the producer until Kafka acknowledged all")
        .tag("result", result).publishPercentileHistogram().register(registry);
  }

  private static Counter forwardCounter(MeterRegistry registry, String what, String description) {
    return Counter.builder("tracestream.bridge.forward.spans").description(description)
        .tag("result", what).register(registry);
  }

  @Override
  public void request(Transport transport, Outcome outcome) {
    requests.get(transport).get(outcome).increment();
  }

  @Override
  public void spansReceived(Transport transport, int count) {
    received.get(transport).increment(count);
  }

  @Override
  public void spansAccepted(Transport transport, int count) {
    accepted.get(transport).increment(count);
  }

  @Override
  public void spansRejected(Transport transport, RejectReason reason, int count) {
    rejected.get(transport).get(reason).increment(count);
  }

  @Override
  public void spansRefused(Transport transport, int count) {
    refused.get(transport).increment(count);
  }

  @Override
  public void kafkaSend(long nanos, boolean success) {
    (success ? sendOk : sendFailed).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void forwarded(int spans) {
    forwarded.increment(spans);
  }

  @Override
  public void forwardFailed(int spans) {
    forwardFailed.increment(spans);
  }

  @Override
  public void forwardDropped(int spans) {
    forwardDropped.increment(spans);
  }

  @Override
  public void connectionRefused(Transport transport, GrpcConnections.Refusal why) {
    connectionsRefused.get(why).increment();
  }
}

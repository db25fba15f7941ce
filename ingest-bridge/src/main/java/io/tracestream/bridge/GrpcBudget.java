package io.tracestream.bridge;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * Holds each gRPC call's bytes in the bridge's {@link MemoryBudget}, across all calls and connections, from
 * the first byte of its message: gRPC gathers a message whole before the method sees it (up to
 * {@code bridge.max.request.bytes}, in Netty's buffers), so a per-call size limit alone lets many calls
 * hold calls x size. Each call gets a {@link MemoryBudget.Lease}; the message's bytes are taken from it as
 * they arrive ({@link #inboundWireSize}), and refused bytes end the call at once: RESOURCE_EXHAUSTED when
 * the message alone can never fit, UNAVAILABLE while the budget is in use (gRPC ends a call whose message
 * cannot be read with the status alone, so without RetryInfo; OTLP clients retry UNAVAILABLE anyway).
 * The marshaller and the method find the lease in the call's {@link Context} ({@link #lease()}) for the
 * message's copy on the heap and its Kafka records; the lease is given back when the call closes,
 * whichever way.
 */
final class GrpcBudget extends ServerStreamTracer.Factory {
  private static final Context.Key<MemoryBudget.Lease> LEASE = Context.key("tracestream-budget-lease");

  private final MemoryBudget budget;
  private final SpanIngest ingest;
  private final BridgeMetrics metrics;

  GrpcBudget(SpanIngest ingest, BridgeMetrics metrics) {
    this.budget = ingest.budget();
    this.ingest = ingest;
    this.metrics = metrics;
  }

  /** The lease of the call being served, or a new one outside a call (tests). */
  static MemoryBudget.Lease lease(MemoryBudget budget) {
    MemoryBudget.Lease lease = LEASE.get();
    return lease != null ? lease : budget.lease();
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    MemoryBudget.Lease lease = budget.lease();
    return new ServerStreamTracer() {
      @Override
      public Context filterContext(Context context) {
        return context.withValue(LEASE, lease);
      }

      /** Called on the transport thread as the message's bytes are gathered; throwing ends the call. */
      @Override
      public void inboundWireSize(long bytes) {
        if (!lease.takeNow(bytes)) { // the event loop must not wait
          IngestResult.OverBudget over = ingest.overBudget(lease.refusal());
          boolean never = over.refusal() == MemoryBudget.Refusal.NEVER_FITS;
          metrics.request(Transport.GRPC, never ? Outcome.OVER_BUDGET : Outcome.BUDGET_FULL);
          throw (never ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE).withDescription(over.message())
              .asRuntimeException();
        }
      }

      @Override
      public void streamClosed(Status status) {
        lease.close();
      }
    };
  }
}

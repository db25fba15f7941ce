package io.tracestream.bridge;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cancels a gRPC call whose message has not arrived whole within {@code bridge.grpc.read.timeout} of its
 * headers: gRPC itself waits for a message as long as the client keeps the stream open, so a client sending
 * its message slowly, or not at all, would hold its part of the memory budget (what has arrived) and its
 * place among the connection's calls for good. The call's context is cancelled with a timeout, on which
 * gRPC resets the stream (the client sees CANCELLED) and its lease is given back; counted as
 * {@link Outcome#READ_TIMEOUT}. The time the method takes afterwards (Kafka's acknowledgement) is bounded
 * by {@code bridge.kafka.ack.timeout}, not this.
 */
final class GrpcReadTimeout extends ServerStreamTracer.Factory {
  private final Duration timeout;
  private final ScheduledExecutorService timer;
  private final BridgeMetrics metrics;

  GrpcReadTimeout(Duration timeout, ScheduledExecutorService timer, BridgeMetrics metrics) {
    this.timeout = timeout;
    this.timer = timer;
    this.metrics = metrics;
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new ServerStreamTracer() {
      private final AtomicBoolean settled = new AtomicBoolean();
      private Context.CancellableContext context;
      private ScheduledFuture<?> deadline;

      @Override
      public Context filterContext(Context parent) {
        context = parent.withCancellation();
        deadline = timer.schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return context;
      }

      private void expire() {
        if (settled.compareAndSet(false, true)) {
          metrics.request(Transport.GRPC, Outcome.READ_TIMEOUT);
          context.cancel(new TimeoutException("the message did not arrive within bridge.grpc.read.timeout ("
              + timeout + ")"));
        }
      }

      @Override
      public void inboundMessageRead(int seqNo, long wireSize, long uncompressedSize) {
        settle();
      }

      @Override
      public void streamClosed(Status status) {
        settle();
        context.close();
      }

      private void settle() {
        if (settled.compareAndSet(false, true)) {
          deadline.cancel(false);
        }
      }
    };
  }
}

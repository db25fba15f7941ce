package io.tracestream.bridge;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Forwards accepted requests by OTLP/gRPC, as the bytes they are. Bounded in bytes: the requests in flight
 * hold at most {@code maxQueueBytes} ({@code bridge.forward.queue.bytes}), taken from the bridge's
 * {@link MemoryBudget}; a request that finds no room is dropped and counted, so a slow or unreachable
 * Jaeger costs at most that much memory and never refuses a client. A failed call is counted and not
 * retried: the spans are already durable in Kafka, and Jaeger can read them from there (the Kafka
 * receiver) if it must.
 */
final class OtlpForwarder implements Forwarder {
  private final ManagedChannel channel;
  private final MemoryBudget budget;
  private final long maxQueueBytes;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Duration timeout;
  private final BridgeMetrics metrics;

  OtlpForwarder(URI endpoint, MemoryBudget budget, long maxQueueBytes, Duration timeout, BridgeMetrics metrics) {
    this.channel = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    this.budget = budget;
    this.maxQueueBytes = maxQueueBytes;
    this.timeout = timeout;
    this.metrics = metrics;
  }

  @Override
  public void offer(int bytes, Supplier<byte[]> request, int spans) {
    if (!reserve(bytes)) {
      metrics.forwardDropped(spans);
      return;
    }
    Futures.addCallback(
        ClientCalls.futureUnaryCall(channel.newCall(OtlpGrpcBytes.EXPORT,
            CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)), request.get()),
        new FutureCallback<byte[]>() {
          @Override
          public void onSuccess(byte[] answer) {
            try {
              count(answer);
            } finally {
              release(bytes); // after counting: who sees the bytes given back sees the call counted
            }
          }

          private void count(byte[] answer) {
            long refused;
            try {
              refused = ExportTraceServiceResponse.parseFrom(answer).getPartialSuccess().getRejectedSpans();
            } catch (InvalidProtocolBufferException e) {
              metrics.forwardFailed(spans);
              return;
            }
            metrics.forwarded((int) (spans - refused));
            if (refused > 0) {
              metrics.forwardFailed((int) refused);
            }
          }

          @Override
          public void onFailure(Throwable error) {
            try {
              metrics.forwardFailed(spans);
            } finally {
              release(bytes);
            }
          }
        },
        MoreExecutors.directExecutor());
  }

  /** Room for {@code bytes} more in the queue and in the budget. */
  private boolean reserve(int bytes) {
    while (true) {
      long now = queuedBytes.get();
      if (now + bytes > maxQueueBytes) {
        return false;
      }
      if (queuedBytes.compareAndSet(now, now + bytes)) {
        break;
      }
    }
    if (!budget.tryTake(bytes, Long.MAX_VALUE)) {
      queuedBytes.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  private void release(int bytes) {
    queuedBytes.addAndGet(-bytes);
    budget.release(bytes);
  }

  long queuedBytes() {
    return queuedBytes.get();
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      channel.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
  }
}

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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Forwards accepted requests by OTLP/gRPC, as the bytes they are. Bounded twice: at most {@code queue} requests wait in flight
 * or queued; more are dropped and counted. A failed call is counted and not retried: the spans are
 * already durable in Kafka, and Jaeger can read them from there (the Kafka receiver) if it must.
 */
final class OtlpForwarder implements Forwarder {
  private final ManagedChannel channel;
  private final Semaphore slots;
  private final Duration timeout;
  private final BridgeMetrics metrics;

  OtlpForwarder(URI endpoint, int queue, Duration timeout, BridgeMetrics metrics) {
    this.channel = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    this.slots = new Semaphore(queue);
    this.timeout = timeout;
    this.metrics = metrics;
  }

  @Override
  public void offer(byte[] request, int spans) {
    if (!slots.tryAcquire()) {
      metrics.forwardDropped(spans);
      return;
    }
    Futures.addCallback(
        ClientCalls.futureUnaryCall(channel.newCall(OtlpGrpcBytes.EXPORT,
            CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)), request),
        new FutureCallback<byte[]>() {
          @Override
          public void onSuccess(byte[] answer) {
            slots.release();
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
            slots.release();
            metrics.forwardFailed(spans);
          }
        },
        MoreExecutors.directExecutor());
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

package io.tracestream.bridge;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Forwards accepted requests by OTLP/gRPC. Bounded twice: at most {@code queue} requests wait in flight
 * or queued; more are dropped and counted. A failed call is counted and not retried: the spans are
 * already durable in Kafka, and Jaeger can read them from there (the Kafka receiver) if it must.
 */
final class OtlpForwarder implements Forwarder {
  private final ManagedChannel channel;
  private final TraceServiceGrpc.TraceServiceFutureStub stub;
  private final Semaphore slots;
  private final Duration timeout;
  private final BridgeMetrics metrics;

  OtlpForwarder(URI endpoint, int queue, Duration timeout, BridgeMetrics metrics) {
    this.channel = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    this.stub = TraceServiceGrpc.newFutureStub(channel);
    this.slots = new Semaphore(queue);
    this.timeout = timeout;
    this.metrics = metrics;
  }

  @Override
  public void offer(ExportTraceServiceRequest request, int spans) {
    if (!slots.tryAcquire()) {
      metrics.forwardDropped(spans);
      return;
    }
    Futures.addCallback(
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).export(request),
        new FutureCallback<ExportTraceServiceResponse>() {
          @Override
          public void onSuccess(ExportTraceServiceResponse response) {
            slots.release();
            long refused = response.getPartialSuccess().getRejectedSpans();
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

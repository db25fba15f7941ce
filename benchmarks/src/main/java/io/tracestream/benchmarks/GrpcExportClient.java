package io.tracestream.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tracestream.bridge.OtlpGrpcBytes;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/gRPC client that sends already-encoded {@code ExportTraceServiceRequest} bytes: the Export
 * method with a pass-through marshaller, so the client costs a copy into the socket and no protobuf work.
 */
final class GrpcExportClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final Duration deadline;
  private final NioEventLoopGroup events;

  GrpcExportClient(String host, int port, Duration deadline) {
    // Its own event loop, so that its threads (bench-grpc-client-*) are not counted as the bridge's,
    // whose gRPC server threads would otherwise be shared with the client in the same JVM.
    this.events = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-grpc-client", true));
    this.channel = NettyChannelBuilder.forAddress(host, port)
        .usePlaintext()
        .eventLoopGroup(events)
        .channelType(NioSocketChannel.class)
        .directExecutor() // the callback only completes a future; the load loop hops to its own thread
        .build();
    this.deadline = deadline;
  }

  /** Completes with whether the call ended OK; never exceptionally for a gRPC status. */
  CompletableFuture<Boolean> export(byte[] request) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(OtlpGrpcBytes.EXPORT, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)),
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] response) {}

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(true);
          }
        });
    return done;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
    events.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

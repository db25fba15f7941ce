package io.tracestream.bridge;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.tracestream.http.BearerAuth;
import io.tracestream.tls.TlsConfig;
import java.util.Optional;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracestream.span.OtlpDecodeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC TraceService/Export. The method takes raw bytes so that decoding is ours: an undecodable
 * body gets INVALID_ARGUMENT with the reason. gRPC itself inflates gzip and enforces the size limit on
 * the inflated message (RESOURCE_EXHAUSTED), so a gzip bomb never grows the heap past it.
 */
final class GrpcReceiver implements AutoCloseable {
  /**
   * A request body and the lease that holds its bytes, or why it could not be read. gRPC enforces the size
   * limit on a compressed message only while the marshaller reads it, and an exception thrown there reaches
   * the client as UNKNOWN; so the refusal is carried to the method, which answers with the right code.
   */
  record Body(byte[] bytes, MemoryBudget.Lease lease, Status refusal, IngestResult.OverBudget overBudget) {}

  /**
   * Reads each message into the heap only with the bytes taken from the call's lease of the bridge's memory
   * budget ({@link GrpcBudget}), which holds the message's bytes as gRPC gathered them already.
   */
  private static MethodDescriptor.Marshaller<Body> bodies(SpanIngest ingest) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(Body value) {
        return new ByteArrayInputStream(value.bytes());
      }

      @Override
      public Body parse(InputStream stream) {
        MemoryBudget.Lease lease = GrpcBudget.lease(ingest.budget()); // the call's, closed with the call
        try {
          byte[] bytes = read(stream, lease);
          if (bytes == null) {
            return new Body(null, null, null, ingest.overBudget(lease.refusal()));
          }
          return new Body(bytes, lease, null, null);
        } catch (StatusRuntimeException e) { // the inflated message is over maxInboundMessageSize
          return new Body(null, null, e.getStatus(), null);
        } catch (IOException e) {
          return new Body(null, null,
              Status.INVALID_ARGUMENT.withDescription("cannot read the message: " + e.getMessage()), null);
        }
      }
    };
  }

  /**
   * A message of known length (uncompressed) in one array; else in chunks. The lease holds the message's
   * bytes as gathered already (its wire size), and gRPC frees those buffers once it is parsed: the copy on the
   * heap takes only what it needs beyond them (nothing, uncompressed), so that a call never waits for room
   * while holding its message.
   */
  private static byte[] read(InputStream stream, MemoryBudget.Lease lease) throws IOException {
    if (stream instanceof KnownLength) {
      int length = stream.available();
      long more = length - lease.held();
      return more <= 0 || lease.take(more) ? stream.readNBytes(length) : null;
    }
    return lease.readAll(stream, Integer.MAX_VALUE - 8); // gRPC's limit applies as it inflates
  }

  /**
   * gRPC logs every call it ends for a message it cannot read (over the size limit, refused by the memory
   * budget) at WARNING with a stack trace: a client could fill the log with them. They are client errors,
   * answered and counted in tracestream_bridge_requests_total; only SEVERE is logged. Held here, as JUL
   * keeps loggers weakly.
   */
  private static final java.util.logging.Logger DEFRAME_LOG =
      quiet("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ScheduledExecutorService readTimer;
  private volatile GrpcConnections connections;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  GrpcReceiver(String bind, int port, int maxRequestBytes, Duration retryAfter, Optional<TlsConfig> tls,
      Optional<BearerAuth> auth, GrpcLimits limits, SpanIngest ingest, BridgeMetrics metrics) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(TraceServiceGrpc.getExportMethod().toBuilder(bodies(ingest), OtlpGrpcBytes.MARSHALLER).build(),
            ServerCalls.asyncUnaryCall(
                (Body body, StreamObserver<byte[]> response) -> export(body, response, ingest, retryAfter, metrics)))
        .build();
    readTimer = readTimer();
    boss = new NioEventLoopGroup(1);
    workers = new NioEventLoopGroup();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bind, port))
        .channelFactory(() -> connections = new GrpcConnections(limits, metrics))
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .flowControlWindow(limits.flowControlWindow())
        // GrpcConnections closes (and counts) a connection silent past the timeout; gRPC's own, later, closes one
        // whose TLS handshake stalls after its first bytes
        .handshakeTimeout(limits.handshakeTimeout().multipliedBy(2).toNanos(), TimeUnit.NANOSECONDS)
        .maxInboundMessageSize(maxRequestBytes)
        .maxConcurrentCallsPerConnection(limits.maxConcurrentCalls())
        .maxRstFramesPerWindow(limits.maxRstFrames(), (int) Math.max(1, limits.rstWindow().toSeconds()))
        .maxConnectionIdle(limits.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionAge(limits.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionAgeGrace(30, TimeUnit.SECONDS)
        .permitKeepAliveTime(limits.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .addStreamTracerFactory(new TooLargeCounter(metrics))
        .addStreamTracerFactory(new GrpcReadTimeout(limits.readTimeout(), readTimer, metrics))
        .addStreamTracerFactory(new GrpcBudget(ingest, metrics));
    if (tls.isPresent()) {
      builder.sslContext(sslContext(tls.get()));
    }
    server = builder
        .addService(auth.isPresent() ? ServerInterceptors.intercept(service, new Authenticate(auth.get(), metrics)) : service)
        .build()
        .start();
  }

  int port() {
    return server.getPort();
  }

  /** gRPC connections open now. */
  int connections() {
    return connections.open();
  }

  /** One thread for every call's read deadline; a call settled in time removes its own at once. */
  private static ScheduledExecutorService readTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "grpc-read-timeout");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  private static SslContext sslContext(TlsConfig tls) throws IOException {
    SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagers()))
        .protocols(TlsConfig.PROTOCOLS)
        // grpc's default list is already ECDHE + AEAD only; naming ours keeps every port on one list
        .ciphers(TlsConfig.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
    if (tls.mutual()) {
      ssl.trustManager(tls.clientTrust()).clientAuth(ClientAuth.REQUIRE);
    }
    return ssl.build();
  }

  /**
   * Refuses a call without a valid bearer token with UNAUTHENTICATED before its message is read; OTLP
   * clients do not retry that code (https://opentelemetry.io/docs/specs/otlp/#failures).
   */
  private static final class Authenticate implements ServerInterceptor {
    private final BearerAuth auth;
    private final BridgeMetrics metrics;

    Authenticate(BearerAuth auth, BridgeMetrics metrics) {
      this.auth = auth;
      this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (auth.allows(headers.get(AUTHORIZATION))) {
        return next.startCall(call, headers);
      }
      metrics.request(Transport.GRPC, Outcome.UNAUTHENTICATED);
      call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }

  private static void export(Body body, StreamObserver<byte[]> response, SpanIngest ingest, Duration retryAfter,
      BridgeMetrics metrics) {
    if (body.refusal() != null) {
      if (body.refusal().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
        metrics.request(Transport.GRPC, Outcome.BAD_REQUEST);
      }
      response.onError(body.refusal().asRuntimeException());
      return;
    }
    if (body.overBudget() != null) {
      overBudget(body.overBudget(), response, retryAfter, metrics);
      return;
    }
    MemoryBudget.Lease lease = body.lease();
    CompletableFuture<IngestResult> ingested;
    try {
      ingested = ingest.ingest(body.bytes(), lease, Transport.GRPC);
    } catch (OtlpDecodeException e) {
      lease.close();
      metrics.request(Transport.GRPC, Outcome.BAD_REQUEST);
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    ingested.thenAccept(result -> {
      lease.close();
      if (result instanceof IngestResult.Accepted accepted) {
        metrics.request(Transport.GRPC, accepted.outcome());
        response.onNext(accepted.response().toByteArray());
        response.onCompleted();
      } else if (result instanceof IngestResult.Unavailable unavailable) {
        metrics.request(Transport.GRPC, Outcome.UNAVAILABLE);
        response.onError(unavailable(unavailable.message(), retryAfter));
      } else if (result instanceof IngestResult.OverBudget over) {
        overBudget(over, response, retryAfter, metrics);
      }
    });
  }

  /**
   * RESOURCE_EXHAUSTED without RetryInfo for a request that can never fit in the memory budget (OTLP
   * clients do not retry it), UNAVAILABLE with RetryInfo while the budget is in use.
   */
  private static void overBudget(IngestResult.OverBudget over, StreamObserver<byte[]> response, Duration retryAfter,
      BridgeMetrics metrics) {
    if (over.refusal() == MemoryBudget.Refusal.NEVER_FITS) {
      metrics.request(Transport.GRPC, Outcome.OVER_BUDGET);
      response.onError(Status.RESOURCE_EXHAUSTED.withDescription(over.message()).asRuntimeException());
    } else {
      metrics.request(Transport.GRPC, Outcome.BUDGET_FULL);
      response.onError(unavailable(over.message(), retryAfter));
    }
  }

  /** UNAVAILABLE with RetryInfo, which OTLP clients honour as the delay before their retry. */
  private static RuntimeException unavailable(String message, Duration retryAfter) {
    RetryInfo retry = RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(retryAfter.toSeconds()).setNanos(retryAfter.toNanosPart()))
        .build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE)
        .setMessage(message)
        .addDetails(Any.pack(retry))
        .build());
  }

  /** A refusal by the memory budget, counted as {@link Outcome#OVER_BUDGET} where it is answered. */
  private static boolean overBudget(Status status) {
    return status.getDescription() != null && status.getDescription().contains("bridge.memory.budget");
  }

  /**
   * Counts every RESOURCE_EXHAUSTED answer but the memory budget's: gRPC refuses an uncompressed oversized
   * message from its
   * length prefix before any method runs, and {@link #export} refuses a compressed one; nothing else
   * answers with that code.
   */
  private static final class TooLargeCounter extends ServerStreamTracer.Factory {
    private final BridgeMetrics metrics;

    TooLargeCounter(BridgeMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      return new ServerStreamTracer() {
        @Override
        public void streamClosed(Status status) {
          if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && !overBudget(status)) {
            metrics.request(Transport.GRPC, Outcome.TOO_LARGE);
          }
        }
      };
    }
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    readTimer.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

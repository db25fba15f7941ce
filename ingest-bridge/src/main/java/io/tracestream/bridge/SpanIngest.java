package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The path every request takes, whatever its transport: validate and split by trace, write to
 * Kafka, and answer only once Kafka has acknowledged every record. When Kafka is unreachable, slow, or
 * the bytes waiting for it exceed the bound, the answer is "unavailable, retry" at once, so memory
 * stays bounded and a retrying client loses nothing.
 */
final class SpanIngest {
  private static final ExportTraceServiceResponse OK = ExportTraceServiceResponse.getDefaultInstance();

  private final TraceSplitter splitter;
  private final TraceKeyedProducer producer;
  private final BooleanSupplier kafkaReachable;
  private final long maxInflightBytes;
  private final Duration ackTimeout;
  private final Forwarder forwarder;
  private final BridgeMetrics metrics;
  private final AtomicLong inflightBytes = new AtomicLong();

  SpanIngest(TraceSplitter splitter, TraceKeyedProducer producer, BooleanSupplier kafkaReachable,
      long maxInflightBytes, Duration ackTimeout, Forwarder forwarder, BridgeMetrics metrics) {
    this.splitter = splitter;
    this.producer = producer;
    this.kafkaReachable = kafkaReachable;
    this.maxInflightBytes = maxInflightBytes;
    this.ackTimeout = ackTimeout;
    this.forwarder = forwarder;
    this.metrics = metrics;
  }

  /**
   * Takes an encoded ExportTraceServiceRequest ({@code requestBytes}: the size of the body as received).
   * Throws at once when it does not decode; otherwise the future never completes exceptionally: every
   * failure becomes {@link IngestResult.Unavailable}.
   */
  CompletableFuture<IngestResult> ingest(byte[] request, int requestBytes, Transport transport)
      throws OtlpDecodeException {
    SplitResult split = splitter.split(request);
    metrics.spansReceived(transport, split.acceptedSpans() + split.rejectedSpans());
    split.rejected().forEach((reason, count) -> metrics.spansRejected(transport, reason, count));
    ExportTraceServiceResponse response = response(split);
    Outcome success = split.rejectedSpans() > 0 ? Outcome.PARTIAL : Outcome.SUCCESS;
    if (split.records().isEmpty()) {
      return CompletableFuture.completedFuture(new IngestResult.Accepted(response, success));
    }
    if (!kafkaReachable.getAsBoolean()) {
      return refuse(transport, split, "Kafka is not reachable; retry later");
    }
    if (!reserve(requestBytes)) {
      return refuse(transport, split, "the bridge has " + maxInflightBytes + " bytes waiting for Kafka; retry later");
    }
    long start = System.nanoTime();
    return producer.send(split.records())
        .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, error) -> {
          inflightBytes.addAndGet(-requestBytes);
          metrics.kafkaSend(System.nanoTime() - start, error == null);
          if (error != null) {
            metrics.spansRefused(transport, split.acceptedSpans());
            return new IngestResult.Unavailable(describe(error));
          }
          metrics.spansAccepted(transport, split.acceptedSpans());
          forwarder.offer(split.rejectedSpans() == 0 ? request : split.acceptedRequest(), split.acceptedSpans());
          return new IngestResult.Accepted(response, success);
        });
  }

  /** Allows one request of any size when nothing is waiting, so a large request is never refused forever. */
  private boolean reserve(int bytes) {
    while (true) {
      long now = inflightBytes.get();
      if (now > 0 && now + bytes > maxInflightBytes) {
        return false;
      }
      if (inflightBytes.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  private CompletableFuture<IngestResult> refuse(Transport transport, SplitResult split, String message) {
    metrics.spansRefused(transport, split.acceptedSpans());
    return CompletableFuture.completedFuture(new IngestResult.Unavailable(message));
  }

  private String describe(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof TimeoutException) {
      return "Kafka did not acknowledge within " + ackTimeout.toMillis() + " ms; retry later";
    }
    return "Kafka write failed (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); retry later";
  }

  private static ExportTraceServiceResponse response(SplitResult split) {
    if (split.rejectedSpans() == 0) {
      return OK;
    }
    return ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(split.rejectedSpans())
            .setErrorMessage(split.rejectionMessage()))
        .build();
  }
}

package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.SplitBudgetException;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The path every request takes, whatever its transport: validate and split by trace, write to
 * Kafka, and answer only once Kafka has acknowledged every record. When Kafka is unreachable or slow the
 * answer is "unavailable, retry" at once; the records are built only once the request's
 * {@link MemoryBudget.Lease} has their bytes, so memory stays bounded and a retrying client loses nothing.
 */
final class SpanIngest {
  private static final ExportTraceServiceResponse OK = ExportTraceServiceResponse.getDefaultInstance();

  private final TraceSplitter splitter;
  private final TraceKeyedProducer producer;
  private final BooleanSupplier kafkaReachable;
  private final MemoryBudget budget;
  private final Duration ackTimeout;
  private final Forwarder forwarder;
  private final BridgeMetrics metrics;

  SpanIngest(TraceSplitter splitter, TraceKeyedProducer producer, BooleanSupplier kafkaReachable,
      MemoryBudget budget, Duration ackTimeout, Forwarder forwarder, BridgeMetrics metrics) {
    this.splitter = splitter;
    this.producer = producer;
    this.kafkaReachable = kafkaReachable;
    this.budget = budget;
    this.ackTimeout = ackTimeout;
    this.forwarder = forwarder;
    this.metrics = metrics;
  }

  MemoryBudget budget() {
    return budget;
  }

  /**
   * Takes an encoded ExportTraceServiceRequest whose bytes {@code lease} holds already, and takes from the
   * lease the bytes of its records before building them; the caller closes the lease once the future is
   * done. Throws at once when the request does not decode; otherwise the future never completes
   * exceptionally: every failure becomes {@link IngestResult.Unavailable} or {@link IngestResult.OverBudget}.
   */
  CompletableFuture<IngestResult> ingest(byte[] request, MemoryBudget.Lease lease, Transport transport)
      throws OtlpDecodeException {
    SplitResult split;
    try {
      split = splitter.split(request, lease);
    } catch (SplitBudgetException e) {
      return CompletableFuture.completedFuture(overBudget(lease.refusal()));
    }
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
    long start = System.nanoTime();
    return producer.send(split.records())
        .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, error) -> {
          metrics.kafkaSend(System.nanoTime() - start, error == null);
          if (error != null) {
            metrics.spansRefused(transport, split.acceptedSpans());
            return new IngestResult.Unavailable(describe(error));
          }
          metrics.spansAccepted(transport, split.acceptedSpans());
          if (split.rejectedSpans() == 0) {
            forwarder.offer(request.length, () -> request, split.acceptedSpans());
          } else {
            int bytes = split.records().stream().mapToInt(r -> r.value().length).sum();
            forwarder.offer(bytes, split::acceptedRequest, split.acceptedSpans());
          }
          return new IngestResult.Accepted(response, success);
        });
  }

  /** The answer to a request whose lease was refused: what it tells the client, in the transport's terms. */
  IngestResult.OverBudget overBudget(MemoryBudget.Refusal refusal) {
    return new IngestResult.OverBudget(refusal, refusal == MemoryBudget.Refusal.NEVER_FITS
        ? "the request needs more memory than the " + budget.largest() + " bytes one request may hold"
            + " (three quarters of bridge.memory.budget); send smaller requests"
        : "the bridge's memory budget (bridge.memory.budget, " + budget.limit() + " bytes) is in use; retry later");
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

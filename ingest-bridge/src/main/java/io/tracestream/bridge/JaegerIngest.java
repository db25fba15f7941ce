package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.SplitBudgetException;
import io.tracestream.span.jaeger.JaegerFormatException;
import io.tracestream.span.jaeger.JaegerSpan;
import io.tracestream.span.jaeger.JaegerThrift;
import io.tracestream.span.jaeger.JaegerToOtlp;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Jaeger Thrift into the OTLP path: read ({@link JaegerThrift}), translated ({@link JaegerToOtlp}), encoded,
 * then {@link SpanIngest} as any OTLP request (split by trace id, Kafka, the optional forward). What reading
 * builds is taken from the request's lease first; once the OTLP request is encoded, the lease keeps only its
 * bytes, as the OTLP/JSON path does.
 */
final class JaegerIngest {
  /** How a Jaeger request is put: a binary {@code Batch} (HTTP) or a compact {@code emitBatch} (UDP). */
  enum Encoding { BATCH_BINARY, EMIT_BATCH_COMPACT }

  private final SpanIngest ingest;

  JaegerIngest(SpanIngest ingest) {
    this.ingest = ingest;
  }

  SpanIngest spans() {
    return ingest;
  }

  /**
   * Ingests {@code body}, whose bytes {@code lease} holds already; the caller closes the lease once the future is
   * done. Throws at once for bad Thrift; a lease refused on the way gives {@link IngestResult.OverBudget}.
   */
  CompletableFuture<IngestResult> ingest(byte[] body, Encoding encoding, MemoryBudget.Lease lease,
      Transport transport) throws JaegerFormatException {
    long before = lease.held();
    byte[] protobuf;
    try {
      List<JaegerSpan> spans = encoding == Encoding.BATCH_BINARY
          ? JaegerThrift.readBatch(body, lease) : JaegerThrift.readEmitBatch(body, lease);
      ExportTraceServiceRequest request = JaegerToOtlp.translate(spans);
      long cost = lease.held() - before;
      if (request.getSerializedSize() > cost && !lease.take(request.getSerializedSize() - cost)) {
        return CompletableFuture.completedFuture(ingest.overBudget(lease.refusal()));
      }
      protobuf = request.toByteArray();
      lease.release(Math.max(0, cost - protobuf.length)); // the model and the trees are garbage now
    } catch (SplitBudgetException e) {
      return CompletableFuture.completedFuture(ingest.overBudget(lease.refusal()));
    }
    try {
      return ingest.ingest(protobuf, lease, transport);
    } catch (OtlpDecodeException e) {
      // what JaegerToOtlp built always decodes; a failure here is a bug, answered as the request's fault
      throw new JaegerFormatException("the translated request does not decode: " + e.getMessage());
    }
  }
}

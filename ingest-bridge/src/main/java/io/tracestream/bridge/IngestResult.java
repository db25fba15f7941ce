package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** How one decoded request ended: durable in Kafka, or to be retried later. */
sealed interface IngestResult {
  /** Every accepted span is acknowledged by Kafka; the response may carry partial_success. */
  record Accepted(ExportTraceServiceResponse response, Outcome outcome) implements IngestResult {}

  /** Nothing is promised; the client should retry after a delay. */
  record Unavailable(String message) implements IngestResult {}
}

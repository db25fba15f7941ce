package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** How one decoded request ended: durable in Kafka, to be retried later, or refused for its size. */
sealed interface IngestResult {
  /** Every accepted span is acknowledged by Kafka; the response may carry partial_success. */
  record Accepted(ExportTraceServiceResponse response, Outcome outcome) implements IngestResult {}

  /** Nothing is promised; the client should retry after a delay. */
  record Unavailable(String message) implements IngestResult {}

  /** The bridge's memory budget refused it: never (413 / RESOURCE_EXHAUSTED) or not now (503 / UNAVAILABLE). */
  record OverBudget(MemoryBudget.Refusal refusal, String message) implements IngestResult {}
}

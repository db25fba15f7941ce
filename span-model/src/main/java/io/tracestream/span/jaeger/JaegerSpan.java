package io.tracestream.span.jaeger;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * A span of Jaeger's model, whatever it was read from (Jaeger JSON, Thrift): ids already as OTLP bytes
 * (16 for a trace id, 8 for a span id), times in Jaeger's microseconds, tags as typed attributes.
 *
 * @param parentSpanId the legacy {@code parentSpanID} / {@code parentSpanId}; empty when there is none (zero)
 * @param process the span's process; spans of one process share the same instance, which is one resource
 */
public record JaegerSpan(
    ByteString traceId,
    ByteString spanId,
    ByteString parentSpanId,
    String operationName,
    long startMicros,
    long durationMicros,
    List<KeyValue> tags,
    List<Log> logs,
    List<Reference> references,
    JaegerProcess process) {

  /** A log: its time and its fields; it becomes a span event named by its {@code event} field. */
  public record Log(long timestampMicros, List<KeyValue> fields) {}

  /** A reference to another span; {@code childOf} false is {@code FOLLOWS_FROM}. */
  public record Reference(boolean childOf, ByteString traceId, ByteString spanId) {}
}

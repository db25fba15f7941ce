package io.tracestream.span;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;

/** Why the bridge refuses one span while accepting the rest of its request (OTLP partial success). */
public enum RejectReason {
  INVALID_TRACE_ID("trace id is not 16 bytes or is all zero"),
  INVALID_SPAN_ID("span id is not 8 bytes or is all zero"),
  INVALID_PARENT_SPAN_ID("parent span id is neither empty nor 8 non-zero bytes"),
  SPAN_TOO_LARGE("span alone is larger than the Kafka record limit");

  private final String description;

  RejectReason(String description) {
    this.description = description;
  }

  /** Lowercase form used as a metric tag value. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public String description() {
    return description;
  }

  /** The id checks every span must pass; null when the span is valid. */
  public static RejectReason checkIds(Span span) {
    return checkIds(span.getTraceId(), span.getSpanId(), span.getParentSpanId());
  }

  /** The same checks on the ids as read from the wire (an absent id is empty). */
  static RejectReason checkIds(ByteString traceId, ByteString spanId, ByteString parentSpanId) {
    if (!TraceIds.isValid(traceId, TraceIds.TRACE_ID_BYTES)) {
      return INVALID_TRACE_ID;
    }
    if (!TraceIds.isValid(spanId, TraceIds.SPAN_ID_BYTES)) {
      return INVALID_SPAN_ID;
    }
    if (!parentSpanId.isEmpty() && !TraceIds.isValid(parentSpanId, TraceIds.SPAN_ID_BYTES)) {
      return INVALID_PARENT_SPAN_ID;
    }
    return null;
  }
}

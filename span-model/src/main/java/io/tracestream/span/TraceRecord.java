package io.tracestream.span;

/**
 * One record of the otlp_spans topic: key = trace id as 32 lowercase hex chars, value = a serialized
 * {@code ExportTraceServiceRequest} holding only spans of that trace, with their resource and scope.
 */
public record TraceRecord(String traceId, byte[] value, int spanCount) {}

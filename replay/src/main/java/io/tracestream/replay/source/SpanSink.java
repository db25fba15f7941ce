package io.tracestream.replay.source;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Where a source puts what it reads: requests to replay, and input it cannot replay. */
public interface SpanSink {
  /**
   * One request read from {@code location} ({@code file:line}, {@code file: message 3 at byte 1024},
   * {@code topic-0@42}, ...).
   */
  void accept(ExportTraceServiceRequest request, String location);

  /**
   * A line, message or trace at {@code location} that cannot be replayed, skipped. May throw (an
   * unchecked exception, passed through to the caller of the source) to stop at the first one.
   */
  void bad(String location, String reason);
}

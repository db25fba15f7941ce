package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The optional copy of accepted spans to another OTLP receiver (Jaeger); never slows the Kafka path. */
interface Forwarder extends AutoCloseable {
  /** Queues the request if there is room, else counts it dropped; never blocks. */
  void offer(ExportTraceServiceRequest request, int spans);

  @Override
  void close();

  Forwarder NONE = new Forwarder() {
    @Override public void offer(ExportTraceServiceRequest request, int spans) {}
    @Override public void close() {}
  };
}

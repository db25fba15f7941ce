package io.tracestream.bridge;

/** The optional copy of accepted spans to another OTLP receiver (Jaeger); never slows the Kafka path. */
interface Forwarder extends AutoCloseable {
  /** Queues the encoded ExportTraceServiceRequest if there is room, else counts it dropped; never blocks. */
  void offer(byte[] request, int spans);

  @Override
  void close();

  Forwarder NONE = new Forwarder() {
    @Override public void offer(byte[] request, int spans) {}
    @Override public void close() {}
  };
}

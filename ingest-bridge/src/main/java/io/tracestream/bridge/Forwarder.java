package io.tracestream.bridge;

import java.util.function.Supplier;

/** The optional copy of accepted spans to another OTLP receiver (Jaeger); never slows the Kafka path. */
interface Forwarder extends AutoCloseable {
  /**
   * Queues the encoded ExportTraceServiceRequest of {@code bytes} bytes if there is room, else counts it
   * dropped; never blocks. {@code request} is called only when there is room.
   */
  void offer(int bytes, Supplier<byte[]> request, int spans);

  @Override
  void close();

  Forwarder NONE = new Forwarder() {
    @Override public void offer(int bytes, Supplier<byte[]> request, int spans) {}
    @Override public void close() {}
  };
}

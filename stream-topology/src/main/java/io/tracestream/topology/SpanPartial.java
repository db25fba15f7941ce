package io.tracestream.topology;

import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Spans of one series in one window, summed in an input task, on their way through the by-service
 * repartition topic to the window task, which merges them into the window. The record's key is the
 * service name and its timestamp the latest (clamped) span end among them, inside the window.
 *
 * @param kind OTLP span kind number; @param status OTLP status code number
 */
record SpanPartial(String service, String operation, int kind, int status, WindowAccumulator window) {

  static final Serde<SpanPartial> SERDE = Serdes.serdeFrom(
      (topic, partial) -> partial == null ? null : write(partial),
      (topic, bytes) -> bytes == null ? null : read(bytes));

  /** The partial of one span. */
  static SpanPartial of(SpanSample span) {
    WindowAccumulator window = WindowAccumulator.empty();
    add(window, span);
    return new SpanPartial(span.service(), span.operation(), span.kind(), span.status(), window);
  }

  /** Adds one span's duration and error to a partial window. */
  static void add(WindowAccumulator window, SpanSample span) {
    window.add(span.durationNanos() / 1e6, span.status() == Status.StatusCode.STATUS_CODE_ERROR_VALUE);
  }

  /** service, operation: length-prefixed UTF-8; kind, status: one byte each; then the accumulator's bytes. */
  private static byte[] write(SpanPartial p) {
    byte[] service = p.service.getBytes(StandardCharsets.UTF_8);
    byte[] operation = p.operation.getBytes(StandardCharsets.UTF_8);
    byte[] window = p.window.toBytes();
    return ByteBuffer.allocate(4 + service.length + 4 + operation.length + 2 + window.length)
        .putInt(service.length).put(service)
        .putInt(operation.length).put(operation)
        .put((byte) p.kind).put((byte) p.status)
        .put(window)
        .array();
  }

  private static SpanPartial read(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    String service = string(in);
    String operation = string(in);
    int kind = in.get();
    int status = in.get();
    byte[] window = new byte[in.remaining()];
    in.get(window);
    return new SpanPartial(service, operation, kind, status, WindowAccumulator.fromBytes(window));
  }

  private static String string(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}

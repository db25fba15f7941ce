package io.tracestream.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What span metrics need of one span, as it travels through the by-service repartition topic; the
 * record's key is the service name and its timestamp the span's (clamped) end time.
 *
 * @param kind OTLP span kind number; @param status OTLP status code number
 */
record SpanSample(String service, String operation, int kind, int status, long durationNanos) implements Decoded {

  static final Serde<SpanSample> SERDE = Serdes.serdeFrom(new Ser(), new De());

  /** service, operation: length-prefixed UTF-8; kind, status: one byte each; duration: 8 bytes. */
  private static final class Ser implements Serializer<SpanSample> {
    @Override
    public byte[] serialize(String topic, SpanSample s) {
      byte[] service = s.service.getBytes(StandardCharsets.UTF_8);
      byte[] operation = s.operation.getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(4 + service.length + 4 + operation.length + 2 + 8)
          .putInt(service.length).put(service)
          .putInt(operation.length).put(operation)
          .put((byte) s.kind).put((byte) s.status)
          .putLong(s.durationNanos)
          .array();
    }
  }

  private static final class De implements Deserializer<SpanSample> {
    @Override
    public SpanSample deserialize(String topic, byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      String service = string(in);
      String operation = string(in);
      return new SpanSample(service, operation, in.get(), in.get(), in.getLong());
    }

    private static String string(ByteBuffer in) {
      byte[] b = new byte[in.getInt()];
      in.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.SeriesKey;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Spans of one series in one window, summed in an input task, on their way through the by-service
 * repartition topic to the window task, which merges them into the window. The record's key is the
 * service name and its timestamp the latest (clamped) span end among them, inside the window.
 *
 * @param kind OTLP span kind number; @param status OTLP status code number
 * @param dimensions the series' values of {@code topology.dimensions}, by attribute name, sorted
 */
record SpanPartial(String service, String operation, int kind, int status, WindowAccumulator window,
    Map<String, String> dimensions) {

  SpanPartial {
    dimensions = SeriesKey.sorted(dimensions);
  }

  /** A partial without dimensions. */
  SpanPartial(String service, String operation, int kind, int status, WindowAccumulator window) {
    this(service, operation, kind, status, window, Map.of());
  }

  static final Serde<SpanPartial> SERDE = Serdes.serdeFrom(
      (topic, partial) -> partial == null ? null : write(partial),
      (topic, bytes) -> bytes == null ? null : read(bytes));

  /** The partial of one span. */
  static SpanPartial of(SpanSample span) {
    WindowAccumulator window = WindowAccumulator.empty();
    add(window, span);
    return new SpanPartial(span.service(), span.operation(), span.kind(), span.status(), window, span.dimensions());
  }

  /**
   * Adds one span's duration and error to a partial window, {@link SpanSample#weight} times, and offers it
   * as an exemplar: a sampled span stands for others, and is the one of them whose trace was kept.
   */
  static void add(WindowAccumulator window, SpanSample span) {
    window.add(span.durationNanos(), span.status() == Status.StatusCode.STATUS_CODE_ERROR_VALUE, span.weight(),
        span.traceId(), span.endMs());
  }

  /**
   * Version 1: version byte, service, operation (varint length, UTF-8), kind, status (varints), the accumulator
   * ({@link WindowAccumulator#write}). Version 2, written when the series has dimensions (so without
   * {@code topology.dimensions} the bytes are version 1's, which instances not yet upgraded read): version 1's with
   * the dimensions ({@link Formats#writeDimensions}) before the accumulator. Version 3, written when the window has
   * exemplars: version 2's (with a dimension count of 0 when there are none), then the exemplars
   * ({@link WindowExemplars#write}). Before versions: 4-byte lengths, one byte
   * each for kind and status, the accumulator's unversioned bytes; its first byte is 0 (a service name's length
   * under 16 MiB), and it is still read, so partials in flight across an upgrade are kept.
   */
  static byte[] write(SpanPartial p) {
    int version = !p.window.exemplars().isEmpty() ? Formats.V3 : !p.dimensions.isEmpty() ? Formats.V2 : Formats.V1;
    FormatWriter out = new FormatWriter(256).writeByte(version).string(p.service)
        .string(p.operation).varint(p.kind & 0xFFFFFFFFL).varint(p.status & 0xFFFFFFFFL);
    if (version >= Formats.V2) {
      Formats.writeDimensions(out, p.dimensions);
    }
    p.window.write(out);
    if (version == Formats.V3) {
      p.window.exemplars().write(out);
    }
    return out.toByteArray();
  }

  static SpanPartial read(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == 0) {
      return readLegacy(bytes);
    }
    FormatReader in = Formats.readerUpTo(Formats.V3, bytes, "span partial (span-partials-by-service)");
    String service = in.string();
    String operation = in.string();
    int kind = (int) in.varint();
    int status = (int) in.varint();
    Map<String, String> dimensions = bytes[0] >= Formats.V2 ? Formats.readDimensions(in) : Map.of();
    WindowAccumulator window = WindowAccumulator.read(in);
    if (bytes[0] == Formats.V3) {
      window.readExemplars(in);
    }
    SpanPartial partial = new SpanPartial(service, operation, kind, status, window, dimensions);
    in.end();
    return partial;
  }

  private static SpanPartial readLegacy(byte[] bytes) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      String service = string(in);
      String operation = string(in);
      int kind = in.get();
      int status = in.get();
      byte[] window = new byte[in.remaining()];
      in.get(window);
      return new SpanPartial(service, operation, kind, status, WindowAccumulator.fromBytes(window));
    } catch (RuntimeException e) {
      throw new SerializationException("not a span partial of the format before versions: " + e, e);
    }
  }

  private static String string(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}

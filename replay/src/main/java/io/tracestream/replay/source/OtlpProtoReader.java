package io.tracestream.replay.source;

import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;

/**
 * OTLP protobuf: either the OTel Collector file exporter's {@code format: proto}, where every
 * {@code TracesData} message is preceded by its size as a 4-byte big-endian unsigned integer, or one
 * bare {@code ExportTraceServiceRequest} (a saved request body). A bare message starts with the tag of
 * field 1 ({@code 0x0a}); a size prefix starts with {@code 0x00} for any message under 16 MiB.
 *
 * <p>No message larger than {@code replay.max.message.bytes} is held: a bare message (which may be a
 * gzip member that inflates to gigabytes) is read up to that size and skipped past it; a size-prefixed
 * one over it is skipped by its size without being read into memory.
 */
final class OtlpProtoReader implements SpanReader {
  /** Larger "sizes" are taken as a sign the stream is not size-prefixed (or is corrupt), not skipped over. */
  static final int MAX_MESSAGE_BYTES = 256 << 20;

  private final int maxMessageBytes;

  OtlpProtoReader(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public void read(InputStream raw, String name, SpanSink sink) throws IOException {
    PushbackInputStream in = new PushbackInputStream(raw, 1);
    int first = in.read();
    if (first < 0) {
      return;
    }
    in.unread(first);
    if (first == 0x0a) {
      byte[] body = in.readNBytes(maxMessageBytes + 1);
      if (body.length > maxMessageBytes) {
        sink.bad(name + ": the message", "larger than replay.max.message.bytes (" + maxMessageBytes
            + " bytes), skipped");
        return;
      }
      decode(body, name + ": the message", sink);
      return;
    }
    DataInputStream data = new DataInputStream(in);
    long offset = 0;
    for (int message = 1; ; message++) {
      long size;
      try {
        size = Integer.toUnsignedLong(data.readInt());
      } catch (EOFException e) {
        return; // a clean end falls between two messages
      }
      String location = name + ": message " + message + " at byte " + offset;
      if (size > MAX_MESSAGE_BYTES) {
        sink.bad(location, "size prefix " + size + " is over " + MAX_MESSAGE_BYTES
            + " bytes: not a size-prefixed OTLP protobuf stream, or corrupt; the rest of the stream is skipped");
        return;
      }
      if (size > maxMessageBytes) {
        sink.bad(location, "size prefix " + size + " is over replay.max.message.bytes (" + maxMessageBytes
            + " bytes), skipped");
        try {
          data.skipNBytes(size);
        } catch (EOFException e) {
          return;
        }
        offset += 4 + size;
        continue;
      }
      byte[] body = new byte[(int) size];
      try {
        data.readFully(body);
      } catch (EOFException e) {
        sink.bad(location, "the stream ends inside the message (" + size + " bytes announced)");
        return;
      }
      decode(body, location, sink);
      offset += 4 + size;
    }
  }

  private static void decode(byte[] body, String location, SpanSink sink) {
    try {
      sink.accept(OtlpCodec.decodeProtobuf(body), location);
    } catch (OtlpDecodeException e) {
      sink.bad(location, e.getMessage());
    }
  }
}

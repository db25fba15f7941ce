package io.tracestream.replay.source;

import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import java.io.IOException;
import java.io.InputStream;

/**
 * OTLP/JSON lines, the OTel Collector file exporter's {@code format: json}
 * (https://opentelemetry.io/docs/specs/otel/protocol/file-exporter/): one {@code TracesData} object
 * ({@code {"resourceSpans":[...]}}) per line. Blank lines are skipped; a line longer than
 * {@code replay.max.message.bytes} is skipped and reported, never held.
 */
final class OtlpJsonLinesReader implements SpanReader {
  private final int maxLineBytes;

  OtlpJsonLinesReader(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  @Override
  public void read(InputStream in, String name, SpanSink sink) throws IOException {
    BoundedLines lines = new BoundedLines(in, maxLineBytes);
    byte[] line;
    long number = 0;
    while ((line = lines.next()) != null) {
      number++;
      if (line == BoundedLines.TOO_LONG) {
        sink.bad(name + ":" + number,
            "line longer than replay.max.message.bytes (" + maxLineBytes + " bytes), skipped");
        continue;
      }
      if (blank(line)) {
        continue;
      }
      try {
        sink.accept(OtlpCodec.decodeJson(line), name + ":" + number);
      } catch (OtlpDecodeException e) {
        sink.bad(name + ":" + number, e.getMessage());
      }
    }
  }

  private static boolean blank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\f' && b != 0x0b) {
        return false;
      }
    }
    return true;
  }
}

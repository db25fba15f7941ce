package io.tracestream.replay.source;

import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * OTLP/JSON lines, the OTel Collector file exporter's {@code format: json}
 * (https://opentelemetry.io/docs/specs/otel/protocol/file-exporter/): one {@code TracesData} object
 * ({@code {"resourceSpans":[...]}}) per line. Blank lines are skipped.
 */
final class OtlpJsonLinesReader implements SpanReader {
  @Override
  public void read(InputStream in, String name, SpanSink sink) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    String line;
    long number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      try {
        sink.accept(OtlpCodec.decodeJson(line.getBytes(StandardCharsets.UTF_8)), name + ":" + number);
      } catch (OtlpDecodeException e) {
        sink.bad(name + ":" + number, e.getMessage());
      }
    }
  }
}

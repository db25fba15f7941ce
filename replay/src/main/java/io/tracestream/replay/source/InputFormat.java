package io.tracestream.replay.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The span file formats replay reads; {@link #detect} tells them apart by their first bytes. */
public enum InputFormat {
  /** OTLP/JSON lines, the Collector file exporter's {@code format: json}. */
  OTLP_JSON(OtlpJsonLinesReader::new),
  /** Size-prefixed OTLP protobuf (the Collector file exporter's {@code format: proto}) or one bare message. */
  OTLP_PROTO(OtlpProtoReader::new),
  /** Jaeger's {@code {"data":[traces]}}. */
  JAEGER_JSON(maxMessageBytes -> new JaegerJsonReader());

  private static final int SNIFF_BYTES = 8192;
  private static final Pattern FIRST_FIELD = Pattern.compile("\"([A-Za-z_]+)\"\\s*:");

  private final IntFunction<SpanReader> reader;

  InputFormat(IntFunction<SpanReader> reader) {
    this.reader = reader;
  }

  /** A reader that holds no message or line larger than {@code maxMessageBytes}. */
  SpanReader reader(int maxMessageBytes) {
    return reader.apply(maxMessageBytes);
  }

  /** The command-line name: {@code otlp-json}, {@code otlp-proto}, {@code jaeger-json}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** By command-line name; null for {@code auto}. */
  public static InputFormat fromCliName(String name) {
    if (name == null || name.equals("auto")) {
      return null;
    }
    for (InputFormat f : values()) {
      if (f.cliName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + name + "'; expected auto, otlp-json, otlp-proto or jaeger-json");
  }

  /**
   * JSON whose first field is {@code data} or {@code traceID}, or a JSON array, is Jaeger; other JSON
   * objects are OTLP/JSON lines; anything else is OTLP protobuf. Leaves the stream where it was.
   */
  static InputFormat detect(BufferedInputStream in) throws IOException {
    in.mark(SNIFF_BYTES);
    byte[] head = in.readNBytes(SNIFF_BYTES);
    in.reset();
    int i = 0;
    if (head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
      i = 3; // UTF-8 byte order mark
    }
    while (i < head.length && Character.isWhitespace(head[i])) {
      i++;
    }
    if (i == head.length) {
      return OTLP_JSON; // empty or blank: nothing to read either way
    }
    if (head[i] == '[') {
      return JAEGER_JSON;
    }
    if (head[i] != '{') {
      return OTLP_PROTO;
    }
    Matcher field = FIRST_FIELD.matcher(new String(head, i, head.length - i, StandardCharsets.UTF_8));
    if (field.find() && (field.group(1).equals("data") || field.group(1).equals("traceID"))) {
      return JAEGER_JSON;
    }
    return OTLP_JSON;
  }
}

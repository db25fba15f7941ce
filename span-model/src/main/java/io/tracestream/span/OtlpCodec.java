package io.tracestream.span;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.util.Base64;

/**
 * OTLP trace requests from protobuf and from OTLP/JSON, and messages to OTLP/JSON.
 *
 * <p>OTLP/JSON is the proto3 JSON mapping with the deviations of the OTLP spec
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): trace and span ids are hex, not
 * base64; enums are integers (names are accepted too); int64 may be a string or a number; keys are
 * lowerCamelCase (the proto field names are accepted too); unknown fields are ignored.
 */
public final class OtlpCodec {
  // Trailing tokens fail: with two concatenated objects, the spans of the second would be dropped silently.
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  static final int JSON_BYTES_PER_TOKEN = 200;
  private static final String[] SPAN_IDS = {"traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id"};
  private static final String[] LINK_IDS = {"traceId", "trace_id", "spanId", "span_id"};

  private OtlpCodec() {}

  public static ExportTraceServiceRequest decodeProtobuf(byte[] body) throws OtlpDecodeException {
    try {
      return ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw invalidProtobuf(e);
    }
  }

  /** The 400 answer to a body that is not an ExportTraceServiceRequest, whoever found out. */
  static OtlpDecodeException invalidProtobuf(IOException e) {
    return new OtlpDecodeException("invalid OTLP protobuf: " + e.getMessage(), e);
  }

  /**
   * Heap that {@link #decodeJson} holds at its peak for this body, an upper bound, found by reading the body
   * as a stream of tokens without building anything: decoding builds a Jackson tree, its text, protobuf's
   * JSON tree of that text and the message, all at once, about 100 to 180 bytes per token (measured with
   * protobuf-java 4.35.1 and Jackson 2 on bodies of empty objects, spans, attributes and numbers) plus a few
   * times the body's bytes for the text. 5 million empty objects in 15 MiB are 10 million tokens: 2 GB.
   * Fails, as decoding would, on a body that is not JSON.
   */
  public static long jsonDecodeCost(byte[] body) throws OtlpDecodeException {
    long tokens = 0;
    try (JsonParser parser = MAPPER.getFactory().createParser(body)) {
      while (parser.nextToken() != null) {
        tokens++;
      }
    } catch (IOException e) {
      throw new OtlpDecodeException("invalid JSON: " + e.getMessage(), e);
    }
    return JSON_BYTES_PER_TOKEN * tokens + 4L * body.length;
  }

  public static ExportTraceServiceRequest decodeJson(byte[] body) throws OtlpDecodeException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new OtlpDecodeException("invalid JSON: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      return ExportTraceServiceRequest.getDefaultInstance();
    }
    if (!root.isObject()) {
      throw new OtlpDecodeException("invalid OTLP/JSON: the body must be a JSON object");
    }
    for (JsonNode rs : elements(root, "resourceSpans", "resource_spans")) {
      for (JsonNode ss : elements(rs, "scopeSpans", "scope_spans")) {
        for (JsonNode span : elements(ss, "spans", "spans")) {
          hexToBase64(span, SPAN_IDS);
          for (JsonNode link : elements(span, "links", "links")) {
            hexToBase64(link, LINK_IDS);
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(MAPPER.writeValueAsString(root), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new OtlpDecodeException("invalid OTLP/JSON: " + e.getMessage(), e);
    }
    return builder.build();
  }

  public static String encodeJson(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  private static Iterable<JsonNode> elements(JsonNode parent, String camel, String snake) {
    JsonNode array = parent.has(camel) ? parent.get(camel) : parent.get(snake);
    return array != null && array.isArray() ? array : java.util.List.of();
  }

  private static void hexToBase64(JsonNode node, String[] fields) throws OtlpDecodeException {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    for (String field : fields) {
      JsonNode value = object.get(field);
      if (value == null || !value.isTextual()) {
        continue; // absent, or a type the proto parser will report
      }
      try {
        byte[] id = TraceIds.fromHex(value.textValue());
        object.set(field, TextNode.valueOf(Base64.getEncoder().encodeToString(id)));
      } catch (IllegalArgumentException e) {
        throw new OtlpDecodeException("invalid OTLP/JSON: " + field + " '" + value.textValue()
            + "' is not hex (" + e.getMessage() + ")", e);
      }
    }
  }
}

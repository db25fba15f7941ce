package io.tracestream.replay.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.span.OtlpCodec;
import io.tracestream.span.TraceIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** OTLP/JSON as the Collector's file exporter writes it: the proto3 JSON mapping with hex ids, one line. */
public final class OtlpJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OtlpJson() {}

  public static String line(ExportTraceServiceRequest request) {
    try {
      JsonNode root = MAPPER.readTree(OtlpCodec.encodeJson(request));
      for (JsonNode rs : root.path("resourceSpans")) {
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode span : ss.path("spans")) {
            hex((ObjectNode) span, "traceId", "spanId", "parentSpanId");
            for (JsonNode link : span.path("links")) {
              hex((ObjectNode) link, "traceId", "spanId");
            }
          }
        }
      }
      return MAPPER.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void hex(ObjectNode node, String... fields) {
    for (String field : fields) {
      if (node.has(field)) {
        node.put(field, TraceIds.toHex(ByteString.copyFrom(Base64.getDecoder().decode(node.get(field).asText()))));
      }
    }
  }
}

package io.tracestream.benchmarks.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.OtlpCodec;
import io.tracestream.span.TraceIds;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import io.tracestream.topology.traces.TraceSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The micro benchmarks' inputs, built once per trial from the same seeded {@link RealisticSpans} the
 * load benchmarks send: Collector-sized requests of 512 spans over traces of 5-50 spans with 10-20
 * attributes each.
 */
final class Inputs {
  static final int SPANS_PER_REQUEST = 512;
  static final long SEED = 42;
  /** A fixed base time, so every run decodes the same bytes. */
  static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Inputs() {}

  static List<ExportTraceServiceRequest> requests(int count) {
    return RealisticSpans.generate(count, SPANS_PER_REQUEST, SEED, BASE);
  }

  /** OTLP/JSON as an SDK writes it: the proto3 JSON mapping with hex trace and span ids. */
  static byte[] otlpJson(ExportTraceServiceRequest request) {
    try {
      JsonNode root = MAPPER.readTree(OtlpCodec.encodeJson(request));
      for (JsonNode rs : root.path("resourceSpans")) {
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode span : ss.path("spans")) {
            base64ToHex((ObjectNode) span, "traceId", "spanId", "parentSpanId");
            for (JsonNode link : span.path("links")) {
              base64ToHex((ObjectNode) link, "traceId", "spanId");
            }
          }
        }
      }
      return MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void base64ToHex(ObjectNode node, String... fields) {
    for (String field : fields) {
      if (node.hasNonNull(field)) {
        node.put(field, TraceIds.toHex(com.google.protobuf.ByteString.copyFrom(
            Base64.getDecoder().decode(node.get(field).textValue()))));
      }
    }
  }

  /** Every trace of the requests as trace assembly holds it: one list of {@link TraceSpan} per trace. */
  static List<List<TraceSpan>> traces(List<ExportTraceServiceRequest> requests) {
    TraceSplitter splitter = new TraceSplitter(1 << 20);
    List<List<TraceSpan>> traces = new ArrayList<>();
    for (ExportTraceServiceRequest request : requests) {
      for (TraceRecord record : splitter.split(request).records()) {
        List<TraceSpan> spans = new ArrayList<>();
        ExportTraceServiceRequest one;
        try {
          one = ExportTraceServiceRequest.parseFrom(record.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
        for (ResourceSpans rs : one.getResourceSpansList()) {
          String service = service(rs);
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span span : ss.getSpansList()) {
              spans.add(TraceSpan.from(span, service));
            }
          }
        }
        traces.add(spans);
      }
    }
    return traces;
  }

  private static String service(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if ("service.name".equals(kv.getKey())) {
        return kv.getValue().getStringValue();
      }
    }
    return "unknown_service";
  }
}

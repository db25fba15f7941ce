package io.tracestream.replay.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.tracestream.span.TraceIds;
import io.tracestream.span.jaeger.JaegerFormatException;
import io.tracestream.span.jaeger.JaegerProcess;
import io.tracestream.span.jaeger.JaegerSpan;
import io.tracestream.span.jaeger.JaegerToOtlp;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One trace of Jaeger's JSON (an element of {@code data} in what {@code /api/traces} answers and the
 * Jaeger UI downloads: {@code {"traceID", "spans", "processes"}}) as an OTLP export request: read into
 * Jaeger's model ({@link JaegerSpan}), then translated by {@link JaegerToOtlp}, which the bridge's Jaeger
 * Thrift receivers share. What is particular to the JSON form:
 *
 * <ul>
 *   <li>ids are hex; shorter ones (64-bit trace ids) are left-padded with zeros; an all-zero
 *       {@code parentSpanID} is none;
 *   <li>tags are {@code {"key","type","value"}}: {@code bool}, {@code int64}, {@code float64},
 *       {@code binary} (base64) and anything else a string;
 *   <li>the span's process is {@code processes[processID]}, or an inline {@code process}.
 * </ul>
 *
 * A trace that breaks the format (no span id, ids that are not hex, a span whose process is unknown)
 * is refused whole with {@link BadInputException}: half a trace would make wrong edges and summaries.
 */
public final class JaegerTranslator {
  private JaegerTranslator() {}

  public static ExportTraceServiceRequest translate(JsonNode trace) throws BadInputException {
    if (trace == null || !trace.isObject()) {
      throw new BadInputException("a Jaeger trace must be a JSON object");
    }
    JsonNode spans = trace.get("spans");
    if (spans == null || !spans.isArray()) {
      throw new BadInputException("trace has no \"spans\" array");
    }
    JsonNode processes = trace.path("processes");
    Map<String, JaegerProcess> read = new HashMap<>(); // one instance per process: one resource
    List<JaegerSpan> model = new ArrayList<>();
    int index = 0;
    for (JsonNode span : spans) {
      String where = "span " + index++;
      String processKey = text(span, "processID");
      JsonNode process = processKey.isEmpty() ? span.get("process") : processes.get(processKey);
      if (process == null || !process.isObject()) {
        if (processKey.isEmpty()) {
          throw new BadInputException(where + " has neither a processID nor a process");
        }
        throw new BadInputException(where + " names process '" + processKey + "', which \"processes\" lacks");
      }
      String resourceKey = processKey.isEmpty() ? "inline:" + process : processKey;
      JaegerProcess jaegerProcess = read.get(resourceKey);
      if (jaegerProcess == null) {
        jaegerProcess = new JaegerProcess(text(process, "serviceName"), tags(process, "tags", where + " process"));
        read.put(resourceKey, jaegerProcess);
      }
      model.add(span(span, jaegerProcess, where));
    }
    try {
      return JaegerToOtlp.translate(model);
    } catch (JaegerFormatException e) {
      throw new BadInputException(e.getMessage(), e);
    }
  }

  private static JaegerSpan span(JsonNode json, JaegerProcess process, String where) throws BadInputException {
    ByteString traceId = id(text(json, "traceID"), TraceIds.TRACE_ID_BYTES, where + " traceID");
    ByteString spanId = id(text(json, "spanID"), TraceIds.SPAN_ID_BYTES, where + " spanID");
    long start = micros(json.path("startTime"), where + " startTime");
    long duration = micros(json.path("duration"), where + " duration");
    List<JaegerSpan.Reference> references = new ArrayList<>();
    for (JsonNode ref : array(json, "references")) {
      references.add(new JaegerSpan.Reference("CHILD_OF".equals(text(ref, "refType")),
          id(text(ref, "traceID"), TraceIds.TRACE_ID_BYTES, where + " reference traceID"),
          id(text(ref, "spanID"), TraceIds.SPAN_ID_BYTES, where + " reference spanID")));
    }
    String legacyParent = text(json, "parentSpanID"); // older Jaeger JSON also writes it beside references
    ByteString parent = legacyParent.isEmpty() || legacyParent.matches("0+") ? ByteString.EMPTY
        : id(legacyParent, TraceIds.SPAN_ID_BYTES, where + " parentSpanID");
    List<JaegerSpan.Log> logs = new ArrayList<>();
    for (JsonNode log : array(json, "logs")) {
      logs.add(new JaegerSpan.Log(micros(log.path("timestamp"), where + " log timestamp"),
          tags(log, "fields", where + " log")));
    }
    return new JaegerSpan(traceId, spanId, parent, text(json, "operationName"), start, duration,
        tags(json, "tags", where), logs, references, process);
  }

  private static List<KeyValue> tags(JsonNode node, String field, String where) throws BadInputException {
    List<KeyValue> tags = new ArrayList<>();
    for (JsonNode tag : array(node, field)) {
      tags.add(attribute(tag, where));
    }
    return tags;
  }

  /** A Jaeger tag {@code {"key","type","value"}} as an OTLP attribute of the matching type. */
  private static KeyValue attribute(JsonNode tag, String where) throws BadInputException {
    String key = text(tag, "key");
    JsonNode value = tag.path("value");
    AnyValue.Builder any = AnyValue.newBuilder();
    switch (text(tag, "type").toLowerCase(Locale.ROOT)) {
      case "bool" -> any.setBoolValue(value.isBoolean() ? value.booleanValue()
          : "true".equalsIgnoreCase(value.asText()));
      case "int64" -> any.setIntValue(value.asLong());
      case "float64" -> any.setDoubleValue(value.asDouble());
      case "binary" -> {
        try {
          any.setBytesValue(ByteString.copyFrom(Base64.getDecoder().decode(value.asText())));
        } catch (IllegalArgumentException e) {
          throw new BadInputException(where + " tag '" + key + "' is binary but not base64", e);
        }
      }
      default -> any.setStringValue(value.isValueNode() ? value.asText() : value.toString());
    }
    return KeyValue.newBuilder().setKey(key).setValue(any).build();
  }

  private static ByteString id(String hex, int bytes, String what) throws BadInputException {
    if (hex.isEmpty()) {
      throw new BadInputException(what + " is missing");
    }
    if (hex.length() > bytes * 2) {
      throw new BadInputException(what + " '" + hex + "' is longer than " + bytes * 2 + " hex digits");
    }
    String padded = "0".repeat(bytes * 2 - hex.length()) + hex;
    try {
      return ByteString.copyFrom(TraceIds.fromHex(padded));
    } catch (IllegalArgumentException e) {
      throw new BadInputException(what + " '" + hex + "' is not hex", e);
    }
  }

  /** Microseconds as Jaeger writes them (0 when absent); a number beyond a long is bad input, not wrapped. */
  private static long micros(JsonNode value, String what) throws BadInputException {
    if (value.isNumber() && !value.canConvertToLong()) {
      throw new BadInputException(what + " " + value.asText() + " µs is out of range");
    }
    return value.asLong(0);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }

  private static Iterable<JsonNode> array(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isArray() ? value : List.<JsonNode>of();
  }
}

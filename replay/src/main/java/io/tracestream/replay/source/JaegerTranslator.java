package io.tracestream.replay.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.TraceIds;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One trace of Jaeger's JSON (an element of {@code data} in what {@code /api/traces} answers and the
 * Jaeger UI downloads: {@code {"traceID", "spans", "processes"}}) as an OTLP export request. The
 * mapping follows the OTel Collector's Jaeger translator (pkg/translator/jaeger) where it applies:
 *
 * <ul>
 *   <li>ids are hex; shorter ones (64-bit trace ids) are left-padded with zeros;
 *   <li>the first {@code CHILD_OF} reference within the trace is the parent; every other reference
 *       ({@code FOLLOWS_FROM}, or to another trace) becomes a span link;
 *   <li>{@code startTime} and {@code duration} are microseconds; logs become events, named by their
 *       {@code event} field;
 *   <li>tags {@code span.kind}, {@code otel.status_code}, {@code otel.status_description},
 *       {@code error}, {@code otel.scope.name}/{@code otel.library.name} (and versions) and
 *       {@code w3c.tracestate} set the span's kind, status, scope and trace state and are not kept as
 *       attributes; every other tag is an attribute of its type;
 *   <li>status: {@code otel.status_code} when present, else ERROR when {@code error=true}, else from
 *       {@code http.status_code} (or {@code http.response.status_code}): 5xx is an error, 4xx on a
 *       client span too (the OTel HTTP conventions), anything else is unset;
 *   <li>the span's process ({@code processes[processID]}, or an inline {@code process}) is its
 *       resource: {@code serviceName} as {@code service.name}, its tags as attributes.
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
    // resource (process) -> scope -> spans, in the order first seen, so output is deterministic
    Map<String, ResourceSpans.Builder> resources = new LinkedHashMap<>();
    Map<String, Map<String, ScopeSpans.Builder>> scopes = new LinkedHashMap<>();
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
      ResourceSpans.Builder resource = resources.get(resourceKey);
      if (resource == null) {
        resource = ResourceSpans.newBuilder().setResource(resource(process, where));
        resources.put(resourceKey, resource);
      }
      Translated translated = span(span, where);
      String scopeKey = translated.scope.getName() + '\u0000' + translated.scope.getVersion();
      scopes.computeIfAbsent(resourceKey, k -> new LinkedHashMap<>())
          .computeIfAbsent(scopeKey, k -> ScopeSpans.newBuilder().setScope(translated.scope))
          .addSpans(translated.span);
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    resources.forEach((key, resource) -> {
      scopes.get(key).values().forEach(resource::addScopeSpans);
      request.addResourceSpans(resource);
    });
    return request.build();
  }

  private record Translated(Span span, InstrumentationScope scope) {}

  private static Resource resource(JsonNode process, String where) throws BadInputException {
    Resource.Builder resource = Resource.newBuilder();
    String service = text(process, "serviceName");
    if (!service.isEmpty()) {
      resource.addAttributes(string("service.name", service));
    }
    for (JsonNode tag : array(process, "tags")) {
      KeyValue kv = attribute(tag, where + " process");
      if (!kv.getKey().equals("service.name")) {
        resource.addAttributes(kv);
      }
    }
    return resource.build();
  }

  private static Translated span(JsonNode json, String where) throws BadInputException {
    String traceIdHex = text(json, "traceID");
    ByteString traceId = id(traceIdHex, TraceIds.TRACE_ID_BYTES, where + " traceID");
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(id(text(json, "spanID"), TraceIds.SPAN_ID_BYTES, where + " spanID"))
        .setName(text(json, "operationName"));
    long startMicros = micros(json.path("startTime"), where + " startTime");
    long durationMicros = Math.max(0, micros(json.path("duration"), where + " duration"));
    span.setStartTimeUnixNano(nanos(startMicros, where + " startTime"))
        .setEndTimeUnixNano(nanos(sum(startMicros, durationMicros, where + " startTime + duration"),
            where + " startTime + duration"));

    boolean parentSet = false;
    String legacyParent = text(json, "parentSpanID"); // older Jaeger JSON also writes it beside references
    for (JsonNode ref : array(json, "references")) {
      ByteString refTrace = id(text(ref, "traceID"), TraceIds.TRACE_ID_BYTES, where + " reference traceID");
      ByteString refSpan = id(text(ref, "spanID"), TraceIds.SPAN_ID_BYTES, where + " reference spanID");
      if (!parentSet && "CHILD_OF".equals(text(ref, "refType")) && refTrace.equals(traceId)) {
        span.setParentSpanId(refSpan);
        parentSet = true;
      } else {
        span.addLinks(Span.Link.newBuilder().setTraceId(refTrace).setSpanId(refSpan));
      }
    }
    if (!parentSet && !legacyParent.isEmpty() && !legacyParent.matches("0+")) {
      span.setParentSpanId(id(legacyParent, TraceIds.SPAN_ID_BYTES, where + " parentSpanID"));
    }

    String statusCode = null;
    String statusMessage = "";
    boolean errorTag = false;
    long httpStatus = 0;
    String scopeName = "";
    String scopeVersion = "";
    for (JsonNode tag : array(json, "tags")) {
      KeyValue kv = attribute(tag, where);
      String value = kv.getValue().getValueCase() == AnyValue.ValueCase.STRING_VALUE
          ? kv.getValue().getStringValue() : tag.path("value").asText("");
      switch (kv.getKey()) {
        case "span.kind" -> span.setKind(kind(value));
        case "otel.status_code" -> statusCode = value.toUpperCase(Locale.ROOT);
        case "otel.status_description" -> statusMessage = value;
        case "error" -> errorTag = "true".equalsIgnoreCase(value);
        case "otel.scope.name", "otel.library.name" -> scopeName = value;
        case "otel.scope.version", "otel.library.version" -> scopeVersion = value;
        case "w3c.tracestate" -> span.setTraceState(value);
        default -> {
          if (kv.getKey().equals("http.status_code") || kv.getKey().equals("http.response.status_code")) {
            httpStatus = tag.path("value").asLong(0);
          }
          span.addAttributes(kv);
        }
      }
    }
    span.setStatus(status(statusCode, statusMessage, errorTag, httpStatus, span.getKind()));

    for (JsonNode log : array(json, "logs")) {
      Span.Event.Builder event = Span.Event.newBuilder()
          .setTimeUnixNano(nanos(micros(log.path("timestamp"), where + " log timestamp"), where + " log timestamp"));
      for (JsonNode field : array(log, "fields")) {
        KeyValue kv = attribute(field, where + " log");
        if (kv.getKey().equals("event") && event.getName().isEmpty()) {
          event.setName(kv.getValue().getStringValue());
        } else {
          event.addAttributes(kv);
        }
      }
      span.addEvents(event);
    }
    return new Translated(span.build(), InstrumentationScope.newBuilder().setName(scopeName).setVersion(scopeVersion).build());
  }

  private static Status status(String code, String message, boolean errorTag, long httpStatus, Span.SpanKind kind) {
    Status.StatusCode status;
    if (code != null) {
      status = switch (code) {
        case "ERROR" -> Status.StatusCode.STATUS_CODE_ERROR;
        case "OK" -> Status.StatusCode.STATUS_CODE_OK;
        default -> Status.StatusCode.STATUS_CODE_UNSET;
      };
    } else if (errorTag) {
      status = Status.StatusCode.STATUS_CODE_ERROR;
    } else if (httpStatus >= 500 || (httpStatus >= 400 && kind == Span.SpanKind.SPAN_KIND_CLIENT)) {
      status = Status.StatusCode.STATUS_CODE_ERROR;
    } else {
      status = Status.StatusCode.STATUS_CODE_UNSET;
    }
    Status.Builder out = Status.newBuilder().setCode(status);
    if (status == Status.StatusCode.STATUS_CODE_ERROR) {
      out.setMessage(message); // the OTLP spec: a description only with ERROR
    }
    return out.build();
  }

  private static Span.SpanKind kind(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "server" -> Span.SpanKind.SPAN_KIND_SERVER;
      case "client" -> Span.SpanKind.SPAN_KIND_CLIENT;
      case "producer" -> Span.SpanKind.SPAN_KIND_PRODUCER;
      case "consumer" -> Span.SpanKind.SPAN_KIND_CONSUMER;
      case "internal" -> Span.SpanKind.SPAN_KIND_INTERNAL;
      default -> Span.SpanKind.SPAN_KIND_UNSPECIFIED;
    };
  }

  /** A Jaeger tag {@code {"key","type","value"}} as an OTLP attribute of the matching type. */
  private static KeyValue attribute(JsonNode tag, String where) throws BadInputException {
    String key = text(tag, "key");
    if (key.isEmpty()) {
      throw new BadInputException(where + " has a tag without a key");
    }
    JsonNode value = tag.path("value");
    AnyValue.Builder any = AnyValue.newBuilder();
    switch (text(tag, "type").toLowerCase(Locale.ROOT)) {
      case "bool" -> any.setBoolValue(value.isBoolean() ? value.booleanValue() : "true".equalsIgnoreCase(value.asText()));
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

  private static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
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

  /**
   * Microseconds as OTLP's nanoseconds since the epoch. A time before 1970, or past what a long holds
   * in nanoseconds (year 2262), is bad input: the multiplication must not wrap to another time.
   */
  private static long nanos(long micros, String what) throws BadInputException {
    if (micros < 0) {
      throw new BadInputException(what + " " + micros + " µs is before 1970");
    }
    try {
      return Math.multiplyExact(micros, 1000L);
    } catch (ArithmeticException e) {
      throw new BadInputException(what + " " + micros + " µs is out of range of OTLP's nanoseconds (after 2262)");
    }
  }

  private static long sum(long a, long b, String what) throws BadInputException {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new BadInputException(what + " is out of range");
    }
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

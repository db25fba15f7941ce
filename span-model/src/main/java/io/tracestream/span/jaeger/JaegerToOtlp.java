package io.tracestream.span.jaeger;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spans of Jaeger's model as one OTLP export request; shared by replay (Jaeger JSON) and the bridge
 * (Jaeger Thrift). The mapping follows the OTel Collector's Jaeger translator (pkg/translator/jaeger)
 * where it applies:
 *
 * <ul>
 *   <li>the first {@code CHILD_OF} reference within the trace is the parent; every other reference
 *       ({@code FOLLOWS_FROM}, or to another trace) becomes a span link; without one, the legacy parent
 *       span id is the parent;
 *   <li>start time and duration are microseconds; logs become events, named by their {@code event} field;
 *   <li>tags {@code span.kind}, {@code otel.status_code}, {@code otel.status_description},
 *       {@code error}, {@code otel.scope.name}/{@code otel.library.name} (and versions) and
 *       {@code w3c.tracestate} set the span's kind, status, scope and trace state and are not kept as
 *       attributes; every other tag is an attribute;
 *   <li>status: {@code otel.status_code} when present, else ERROR when {@code error=true}, else from
 *       {@code http.status_code} (or {@code http.response.status_code}): 5xx is an error, 4xx on a
 *       client span too (the OTel HTTP conventions), anything else is unset;
 *   <li>the span's process is its resource: {@code serviceName} as {@code service.name}, its tags as
 *       attributes. Spans of one process instance share one resource, in the order first seen.
 * </ul>
 */
public final class JaegerToOtlp {
  private JaegerToOtlp() {}

  /** Throws for a time out of OTLP's range or a tag without a key; the message names the span by index. */
  public static ExportTraceServiceRequest translate(List<JaegerSpan> spans) throws JaegerFormatException {
    Map<JaegerProcess, ResourceSpans.Builder> resources = new IdentityHashMap<>();
    Map<JaegerProcess, Map<String, ScopeSpans.Builder>> scopes = new LinkedHashMap<>();
    int index = 0;
    for (JaegerSpan span : spans) {
      String where = "span " + index++;
      if (!resources.containsKey(span.process())) {
        resources.put(span.process(), ResourceSpans.newBuilder().setResource(resource(span.process(), where)));
        scopes.put(span.process(), new LinkedHashMap<>());
      }
      Translated translated = span(span, where);
      String scopeKey = translated.scope.getName() + '\u0000' + translated.scope.getVersion();
      scopes.get(span.process())
          .computeIfAbsent(scopeKey, k -> ScopeSpans.newBuilder().setScope(translated.scope))
          .addSpans(translated.span);
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    scopes.forEach((process, byScope) -> {
      ResourceSpans.Builder resource = resources.get(process);
      byScope.values().forEach(resource::addScopeSpans);
      request.addResourceSpans(resource);
    });
    return request.build();
  }

  private record Translated(Span span, InstrumentationScope scope) {}

  private static Resource resource(JaegerProcess process, String where) throws JaegerFormatException {
    Resource.Builder resource = Resource.newBuilder();
    if (!process.serviceName().isEmpty()) {
      resource.addAttributes(KeyValue.newBuilder().setKey("service.name")
          .setValue(AnyValue.newBuilder().setStringValue(process.serviceName())));
    }
    for (KeyValue tag : process.tags()) {
      if (!keyed(tag, where + " process").getKey().equals("service.name")) {
        resource.addAttributes(tag);
      }
    }
    return resource.build();
  }

  private static Translated span(JaegerSpan in, String where) throws JaegerFormatException {
    Span.Builder span = Span.newBuilder()
        .setTraceId(in.traceId())
        .setSpanId(in.spanId())
        .setName(in.operationName());
    long durationMicros = Math.max(0, in.durationMicros());
    span.setStartTimeUnixNano(nanos(in.startMicros(), where + " startTime"))
        .setEndTimeUnixNano(nanos(sum(in.startMicros(), durationMicros, where + " startTime + duration"),
            where + " startTime + duration"));

    boolean parentSet = false;
    for (JaegerSpan.Reference ref : in.references()) {
      if (!parentSet && ref.childOf() && ref.traceId().equals(in.traceId())) {
        span.setParentSpanId(ref.spanId());
        parentSet = true;
      } else {
        span.addLinks(Span.Link.newBuilder().setTraceId(ref.traceId()).setSpanId(ref.spanId()));
      }
    }
    if (!parentSet && !in.parentSpanId().isEmpty()) {
      span.setParentSpanId(in.parentSpanId());
    }

    String statusCode = null;
    String statusMessage = "";
    boolean errorTag = false;
    long httpStatus = 0;
    String scopeName = "";
    String scopeVersion = "";
    for (KeyValue tag : in.tags()) {
      String value = text(keyed(tag, where).getValue());
      switch (tag.getKey()) {
        case "span.kind" -> span.setKind(kind(value));
        case "otel.status_code" -> statusCode = value.toUpperCase(Locale.ROOT);
        case "otel.status_description" -> statusMessage = value;
        case "error" -> errorTag = "true".equalsIgnoreCase(value);
        case "otel.scope.name", "otel.library.name" -> scopeName = value;
        case "otel.scope.version", "otel.library.version" -> scopeVersion = value;
        case "w3c.tracestate" -> span.setTraceState(value);
        default -> {
          if (tag.getKey().equals("http.status_code") || tag.getKey().equals("http.response.status_code")) {
            httpStatus = number(tag.getValue());
          }
          span.addAttributes(tag);
        }
      }
    }
    span.setStatus(status(statusCode, statusMessage, errorTag, httpStatus, span.getKind()));

    for (JaegerSpan.Log log : in.logs()) {
      Span.Event.Builder event = Span.Event.newBuilder()
          .setTimeUnixNano(nanos(log.timestampMicros(), where + " log timestamp"));
      for (KeyValue field : log.fields()) {
        if (keyed(field, where + " log").getKey().equals("event") && event.getName().isEmpty()) {
          event.setName(field.getValue().getStringValue());
        } else {
          event.addAttributes(field);
        }
      }
      span.addEvents(event);
    }
    InstrumentationScope scope = InstrumentationScope.newBuilder().setName(scopeName).setVersion(scopeVersion).build();
    return new Translated(span.build(), scope);
  }

  private static Status status(String code, String message, boolean errorTag, long httpStatus,
      Span.SpanKind kind) {
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

  private static KeyValue keyed(KeyValue tag, String where) throws JaegerFormatException {
    if (tag.getKey().isEmpty()) {
      throw new JaegerFormatException(where + " has a tag without a key");
    }
    return tag;
  }

  /** A tag's value as text, as Jaeger shows it: the special tags may come as strings or typed. */
  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> "";
    };
  }

  /** An HTTP status tag's number, whether the client wrote it as a number or as text; 0 when it is neither. */
  private static long number(AnyValue value) {
    return switch (value.getValueCase()) {
      case INT_VALUE -> value.getIntValue();
      case DOUBLE_VALUE -> (long) value.getDoubleValue();
      case STRING_VALUE -> {
        try {
          yield Long.parseLong(value.getStringValue().strip());
        } catch (NumberFormatException e) {
          yield 0;
        }
      }
      default -> 0;
    };
  }

  /**
   * Microseconds as OTLP's nanoseconds since the epoch. A time before 1970, or past what a long holds
   * in nanoseconds (year 2262), is bad input: the multiplication must not wrap to another time.
   */
  private static long nanos(long micros, String what) throws JaegerFormatException {
    if (micros < 0) {
      throw new JaegerFormatException(what + " " + micros + " µs is before 1970");
    }
    try {
      return Math.multiplyExact(micros, 1000L);
    } catch (ArithmeticException e) {
      throw new JaegerFormatException(what + " " + micros + " µs is out of range of OTLP's nanoseconds (after 2262)");
    }
  }

  private static long sum(long a, long b, String what) throws JaegerFormatException {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new JaegerFormatException(what + " is out of range");
    }
  }
}

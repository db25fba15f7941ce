package io.tracestream.topology.traces;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.TraceIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What trace assembly keeps of one span: ids, service, kind, error, times, the few attributes that
 * name a peer the trace does not show, and span links (how a consumer that starts its own span
 * points back at the producer whose context it took from Kafka headers).
 *
 * @param traceId 32 lowercase hex chars
 * @param spanId 16 lowercase hex chars
 * @param parentSpanId 16 lowercase hex chars, or "" for a root span
 * @param service the resource's {@code service.name}
 * @param kind OTLP {@code SpanKind} number ({@link Span.SpanKind#SPAN_KIND_SERVER_VALUE} ...)
 * @param error status code is {@code STATUS_CODE_ERROR}
 * @param attributes only the keys in {@link #ATTRIBUTE_KEYS} (and {@link #ADJUSTED_COUNT}), only non-empty
 *     string values
 */
public record TraceSpan(
    String traceId,
    String spanId,
    String parentSpanId,
    String service,
    String name,
    int kind,
    boolean error,
    long startNanos,
    long endNanos,
    Map<String, String> attributes,
    List<LinkRef> links) {

  public static final String PEER_SERVICE = "peer.service";
  public static final String DB_SYSTEM = "db.system";
  /** Stable semantic conventions (1.26+) name for what older instrumentation calls {@code db.name}. */
  public static final String DB_NAMESPACE = "db.namespace";
  public static final String DB_NAME = "db.name";
  public static final String SERVER_ADDRESS = "server.address";
  /** Before semantic conventions 1.21: {@link #SERVER_ADDRESS} of a client span. */
  public static final String NET_PEER_NAME = "net.peer.name";
  /** OpenTracing and Zipkin-era instrumentation's name of the peer host. */
  public static final String PEER_HOSTNAME = "peer.hostname";
  public static final String URL_FULL = "url.full";
  /** Before semantic conventions 1.23: {@link #URL_FULL}. */
  public static final String HTTP_URL = "http.url";
  public static final String MESSAGING_SYSTEM = "messaging.system";
  public static final String MESSAGING_DESTINATION_NAME = "messaging.destination.name";
  /** Before semantic conventions 1.20: {@link #MESSAGING_DESTINATION_NAME}. */
  public static final String MESSAGING_DESTINATION = "messaging.destination";
  public static final Set<String> ATTRIBUTE_KEYS = Set.of(PEER_SERVICE, DB_SYSTEM, DB_NAMESPACE, DB_NAME,
      SERVER_ADDRESS, NET_PEER_NAME, PEER_HOSTNAME, URL_FULL, HTTP_URL, MESSAGING_SYSTEM, MESSAGING_DESTINATION_NAME,
      MESSAGING_DESTINATION);
  /**
   * The first characters of the {@link #ATTRIBUTE_KEYS}: a key starting with any other is passed over at its
   * first character, without hashing (most keys of most spans).
   */
  public static final String KEY_INITIALS = ATTRIBUTE_KEYS.stream().map(k -> k.substring(0, 1)).distinct()
      .sorted().reduce("", String::concat);
  /**
   * Not a span attribute: where the decoder keeps the span's adjusted count ({@link AdjustedCount}, as
   * {@link Double#toString}) when it is not 1, so it travels with the span's other kept strings through
   * the formats of trace assembly, unchanged. Never read from a span's own attributes.
   */
  public static final String ADJUSTED_COUNT = "tracestream.adjusted_count";
  /** Longer attribute values are cut: they become node names, which are metric labels. */
  public static final int MAX_VALUE_CHARS = 1024;

  /** A span link: the span this one points at, possibly in another trace. */
  public record LinkRef(String traceId, String spanId) {
    public LinkRef {
      Objects.requireNonNull(traceId, "traceId");
      Objects.requireNonNull(spanId, "spanId");
    }
  }

  public TraceSpan {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    parentSpanId = parentSpanId == null ? "" : parentSpanId;
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(name, "name");
    attributes = Map.copyOf(attributes);
    links = List.copyOf(links);
  }

  /** The span of {@code service} (its resource's {@code service.name}), keeping only what trace analysis uses. */
  public static TraceSpan from(Span span, String service) {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (KeyValue kv : span.getAttributesList()) {
      String key = kv.getKey();
      if (key.isEmpty() || KEY_INITIALS.indexOf(key.charAt(0)) < 0) {
        continue;
      }
      if (!ATTRIBUTE_KEYS.contains(key) || kv.getValue().getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
        continue;
      }
      String value = kv.getValue().getStringValue();
      if (!value.isEmpty()) {
        attributes.putIfAbsent(kv.getKey(),
            value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS));
      }
    }
    List<LinkRef> links = new ArrayList<>(span.getLinksCount());
    for (Span.Link link : span.getLinksList()) {
      links.add(new LinkRef(TraceIds.toHex(link.getTraceId()), TraceIds.toHex(link.getSpanId())));
    }
    return new TraceSpan(
        TraceIds.toHex(span.getTraceId()),
        TraceIds.toHex(span.getSpanId()),
        TraceIds.toHex(span.getParentSpanId()),
        service,
        span.getName().length() <= MAX_VALUE_CHARS ? span.getName() : span.getName().substring(0, MAX_VALUE_CHARS),
        span.getKindValue(),
        span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR,
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        attributes,
        links);
  }

  public boolean isRoot() {
    return parentSpanId.isEmpty();
  }

  /** End minus start, never negative (a span from a broken clock counts as instantaneous). */
  public long durationNanos() {
    return Math.max(0, endNanos - startNanos);
  }

  /** How many spans of the real traffic this sampled span stands for; 1 when it was not sampled. */
  public double adjustedCount() {
    String count = attributes.get(ADJUSTED_COUNT);
    if (count == null) {
      return 1;
    }
    double parsed = AdjustedCount.parseParam(count);
    return AdjustedCount.isValid(parsed) ? parsed : 1;
  }

  /** What this span counts as in calls and edges: its adjusted count rounded ({@link AdjustedCount#weight}). */
  public long weight() {
    return AdjustedCount.weight(adjustedCount(), traceId, spanId);
  }

  /** The span with {@code adjustedCount} kept ({@link #ADJUSTED_COUNT}); itself when that is 1. */
  public TraceSpan withAdjustedCount(double adjustedCount) {
    if (adjustedCount == 1) {
      return this;
    }
    Map<String, String> kept = new LinkedHashMap<>(attributes);
    kept.put(ADJUSTED_COUNT, Double.toString(adjustedCount));
    return new TraceSpan(traceId, spanId, parentSpanId, service, name, kind, error, startNanos, endNanos, kept, links);
  }

  /** The attribute's value, or null when the span does not carry it. */
  public String attribute(String key) {
    return attributes.get(key);
  }
}

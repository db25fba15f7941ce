package io.tracestream.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.RejectReason;
import io.tracestream.span.TraceIds;
import io.tracestream.topology.traces.TraceSpan;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@link SpanDecoder} as it was before {@link OtlpSpanReader}: {@code ExportTraceServiceRequest.parseFrom},
 * then {@code TraceSpan.from} per span. Kept, unchanged but for its name and constants, as the oracle
 * that {@code SpanDecoderEquivalenceTest} holds the wire-format reader to.
 */
final class ParseFromSpanDecoder extends ContextualProcessor<byte[], byte[], byte[], Decoded> {
  static final String UNKNOWN_SERVICE = SpanDecoder.UNKNOWN_SERVICE;
  static final int MAX_NAME_CHARS = SpanDecoder.MAX_NAME_CHARS;

  private final long maxFutureSkewMs;
  private final Clock clock;
  private final TopologyMetrics metrics;

  ParseFromSpanDecoder(Duration maxFutureSkew, Clock clock, TopologyMetrics metrics) {
    this.maxFutureSkewMs = maxFutureSkew.toMillis();
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    ExportTraceServiceRequest request;
    try {
      if (record.value() == null) {
        throw new InvalidProtocolBufferException("null value (a tombstone), not an OTLP request");
      }
      request = ExportTraceServiceRequest.parseFrom(record.value());
    } catch (InvalidProtocolBufferException e) {
      metrics.poisonRecord();
      context().forward(record.withValue((Decoded) new Decoded.Poison(record.value())).withHeaders(poisonHeaders(e)));
      return;
    }
    long latestAllowed = clock.millis() + maxFutureSkewMs;
    long clamped = 0;
    long invalid = 0;
    RecordHeaders none = new RecordHeaders();
    Map<String, TraceBatch> traces = new LinkedHashMap<>();
    List<SpanSample> samples = new ArrayList<>();
    long latestEndMs = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      String service = serviceName(rs);
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          long endMs = span.getEndTimeUnixNano() > 0 ? span.getEndTimeUnixNano() / 1_000_000 : record.timestamp();
          if (endMs > latestAllowed) {
            endMs = latestAllowed;
            clamped++;
          }
          long duration = Math.max(0, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
          samples.add(new SpanSample(service, truncate(span.getName()), span.getKindValue(),
              span.getStatus().getCodeValue(), duration, endMs,
              RejectReason.checkIds(span) == null ? TraceIds.toHex(span.getTraceId()) : null));
          latestEndMs = Math.max(latestEndMs, endMs);
          if (RejectReason.checkIds(span) != null) {
            invalid++; // measured, but cannot be placed in a trace
            continue;
          }
          TraceSpan traceSpan = TraceSpan.from(span, service);
          traces.computeIfAbsent(traceSpan.traceId(), id -> new TraceBatch()).add(traceSpan, endMs);
        }
      }
    }
    if (!samples.isEmpty()) {
      context().forward(new Record<byte[], Decoded>(null, new SpanSamples(samples), latestEndMs, none));
    }
    String recordKey = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    traces.forEach((traceId, batch) -> context().forward(new Record<byte[], Decoded>(
        traceId.getBytes(StandardCharsets.UTF_8),
        new TraceSpans(traceId, batch.spans, !traceId.equals(recordKey)), batch.latestEndMs, none)));
    if (clamped > 0) {
      metrics.clampedSpans(clamped);
    }
    if (invalid > 0) {
      metrics.droppedSpans("invalid_ids", invalid);
    }
  }

  /** The spans of one trace in one record, and the latest (clamped) end among them. */
  private static final class TraceBatch {
    final List<TraceSpan> spans = new ArrayList<>();
    long latestEndMs = Long.MIN_VALUE;

    void add(TraceSpan span, long endMs) {
      spans.add(span);
      latestEndMs = Math.max(latestEndMs, endMs);
    }
  }

  private RecordHeaders poisonHeaders(Exception error) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("tracestream.error", utf8(error.getMessage() == null ? error.toString() : error.getMessage()));
    headers.add("tracestream.error.class", utf8(error.getClass().getName()));
    context().recordMetadata().ifPresent(m -> {
      headers.add("tracestream.source.topic", utf8(m.topic()));
      headers.add("tracestream.source.partition", utf8(Integer.toString(m.partition())));
      headers.add("tracestream.source.offset", utf8(Long.toString(m.offset())));
    });
    return headers;
  }

  static String serviceName(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if ("service.name".equals(kv.getKey()) && !kv.getValue().getStringValue().isEmpty()) {
        return truncate(kv.getValue().getStringValue());
      }
    }
    return UNKNOWN_SERVICE; // the OTel SDK default when service.name is unset
  }

  private static String truncate(String name) {
    return name.length() <= MAX_NAME_CHARS ? name : name.substring(0, MAX_NAME_CHARS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

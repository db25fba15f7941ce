package io.tracestream.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tracestream.topology.traces.AdjustedCount;
import io.tracestream.topology.traces.TraceSpan;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes an otlp_spans record, whatever its key (a trace id, or null as the Collector writes by
 * default), into the {@link SpanSamples} of its spans (each stamped with the span's end time), and
 * one {@link TraceSpans} per trace in the record, keyed by trace id and stamped with its latest span
 * end; those from a record not keyed by that trace id are marked for repartitioning by trace id. The end
 * time is clamped to wall-clock time plus the allowed skew, so one span from a clock in the future
 * cannot close every window. An undecodable record becomes a {@link Decoded.Poison} with headers
 * naming the error, for the DLQ. Each span carries its adjusted count, how many spans of the real traffic it
 * stands for when it was sampled (see {@link #adjustedCount}), as its weight in span metrics and in trace
 * assembly. The record is read once, by {@link OtlpSpanReader}, straight from its
 * wire format (no protobuf objects), which accepts and rejects what {@code ExportTraceServiceRequest.parseFrom} does.
 */
final class SpanDecoder extends ContextualProcessor<byte[], byte[], byte[], Decoded> {
  static final String UNKNOWN_SERVICE = "unknown_service";
  /** Longer names are cut: a span name is a low-cardinality label, not a payload. */
  static final int MAX_NAME_CHARS = 1024;

  private final long maxFutureSkewMs;
  private final Clock clock;
  private final TopologyMetrics metrics;
  private final Dimensions dimensions;
  private final KeptAttributes kept;

  SpanDecoder(Duration maxFutureSkew, Clock clock, TopologyMetrics metrics) {
    this(maxFutureSkew, clock, metrics, Dimensions.NONE, Dimensions.NONE);
  }

  /**
   * @param dimensions of span metrics, taken from each span
   * @param traceDimensions of whole-trace metrics: their attributes are kept in the spans for trace assembly
   */
  SpanDecoder(Duration maxFutureSkew, Clock clock, TopologyMetrics metrics, Dimensions dimensions,
      Dimensions traceDimensions) {
    this.maxFutureSkewMs = maxFutureSkew.toMillis();
    this.clock = clock;
    this.metrics = metrics;
    this.dimensions = dimensions;
    this.kept = KeptAttributes.of(dimensions, traceDimensions);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    List<WireSpan> spans;
    try {
      if (record.value() == null) {
        throw new InvalidProtocolBufferException("null value (a tombstone), not an OTLP request");
      }
      spans = OtlpSpanReader.read(record.value(), kept);
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
    List<SpanSample> samples = new ArrayList<>(spans.size());
    long latestEndMs = 0;
    Map<String, Double> jaegerCounts = jaegerCounts(spans);
    for (WireSpan span : spans) {
      long endMs = span.endNanos() > 0 ? span.endNanos() / 1_000_000 : record.timestamp();
      if (endMs > latestAllowed) {
        endMs = latestAllowed;
        clamped++;
      }
      long duration = Math.max(0, span.endNanos() - span.startNanos());
      double adjusted = adjustedCount(span, jaegerCounts);
      samples.add(new SpanSample(span.service(), truncate(span.name()), span.kind(), span.statusCode(), duration,
          endMs, AdjustedCount.weight(adjusted, span.traceId(), span.spanId()),
          dimensions.values(span.attributes()::get), span.validIds() ? span.traceId() : null));
      latestEndMs = Math.max(latestEndMs, endMs);
      if (!span.validIds()) {
        invalid++; // measured, but cannot be placed in a trace
        continue;
      }
      TraceSpan traceSpan = span.toTraceSpan().withAdjustedCount(adjusted);
      traces.computeIfAbsent(traceSpan.traceId(), id -> new TraceBatch()).add(traceSpan, endMs);
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

  /**
   * The adjusted count from Jaeger's sampler tags per trace and service in the record ({@code traceId/service}):
   * Jaeger clients tag only the first span of a trace in each process (its local root), so the other spans of
   * that trace and service in the same record take its count. Spans of it in other records do not see it.
   */
  private static Map<String, Double> jaegerCounts(List<WireSpan> spans) {
    Map<String, Double> counts = null;
    for (WireSpan span : spans) {
      if (AdjustedCount.isValid(span.jaegerCount())) {
        if (counts == null) {
          counts = new HashMap<>();
        }
        counts.putIfAbsent(span.traceId() + "/" + span.service(), span.jaegerCount());
      }
    }
    return counts == null ? Map.of() : counts;
  }

  /**
   * The span's adjusted count, by precedence: OTel's threshold in its trace state; Jaeger's sampler tags on it;
   * those on another span of its trace and service in the record; else 1. An unusable value is counted and
   * passed over.
   */
  private double adjustedCount(WireSpan span, Map<String, Double> jaegerCounts) {
    if (span.traceStateCount() == AdjustedCount.INVALID) {
      metrics.invalidSampling("trace_state", 1);
    }
    if (span.jaegerCount() == AdjustedCount.INVALID) {
      metrics.invalidSampling("jaeger", 1);
    }
    if (AdjustedCount.isValid(span.traceStateCount())) {
      return span.traceStateCount();
    }
    if (jaegerCounts.isEmpty()) {
      return 1;
    }
    if (AdjustedCount.isValid(span.jaegerCount())) {
      return span.jaegerCount();
    }
    return jaegerCounts.getOrDefault(span.traceId() + "/" + span.service(), 1.0);
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

  private static String truncate(String name) {
    return name.length() <= MAX_NAME_CHARS ? name : name.substring(0, MAX_NAME_CHARS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

package io.tracestream.span;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The splitter as it was before {@link TraceSplitter} split encoded requests (commit ca7459a): it splits
 * a decoded request and re-encodes each trace's spans. The oracle of {@link TraceSplitterCompatibilityTest}.
 */
final class DecodedTraceSplitter {
  /** Upper bound of a field's tag plus its length prefix (1-byte tag, 5-byte varint). */
  private static final int FIELD_OVERHEAD = 6;

  private final int maxRecordBytes;

  DecodedTraceSplitter(int maxRecordBytes) {
    if (maxRecordBytes < 1024) {
      throw new IllegalArgumentException("maxRecordBytes must be at least 1024, got " + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
  }

  SplitResult split(ExportTraceServiceRequest request) {
    Map<ByteString, TraceBuffer> traces = new HashMap<>();
    List<TraceBuffer> order = new ArrayList<>();
    List<TraceRecord> records = new ArrayList<>();
    Map<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
    int accepted = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      int rsHeader = -1;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        int ssHeader = -1;
        for (Span span : ss.getSpansList()) {
          RejectReason reason = RejectReason.checkIds(span);
          if (reason != null) {
            rejected.merge(reason, 1, Integer::sum);
            continue;
          }
          if (rsHeader < 0) {
            rsHeader = headerSize(rs);
          }
          if (ssHeader < 0) {
            ssHeader = headerSize(ss);
          }
          int spanBytes = span.getSerializedSize() + FIELD_OVERHEAD;
          if (spanBytes + rsHeader + ssHeader > maxRecordBytes) {
            rejected.merge(RejectReason.SPAN_TOO_LARGE, 1, Integer::sum);
            continue;
          }
          TraceBuffer trace = traces.get(span.getTraceId());
          if (trace == null) {
            trace = new TraceBuffer(TraceIds.toHex(span.getTraceId()));
            traces.put(span.getTraceId(), trace);
            order.add(trace);
          }
          if (trace.growth(rs, ss, spanBytes, rsHeader, ssHeader) + trace.bytes > maxRecordBytes) {
            records.add(trace.flush());
          }
          trace.add(rs, ss, span, trace.growth(rs, ss, spanBytes, rsHeader, ssHeader));
          accepted++;
        }
      }
    }
    for (TraceBuffer trace : order) {
      records.add(trace.flush());
    }
    return new SplitResult(records, accepted, rejected);
  }

  private static int headerSize(ResourceSpans rs) {
    return FIELD_OVERHEAD + CodedOutputStream.computeMessageSize(1, rs.getResource())
        + CodedOutputStream.computeStringSize(3, rs.getSchemaUrl());
  }

  private static int headerSize(ScopeSpans ss) {
    return FIELD_OVERHEAD + CodedOutputStream.computeMessageSize(1, ss.getScope())
        + CodedOutputStream.computeStringSize(3, ss.getSchemaUrl());
  }

  /** The spans of one trace gathered so far, grouped under their resource and scope as received. */
  private static final class TraceBuffer {
    final String key;
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    ResourceSpans currentRs;
    ResourceSpans.Builder rsBuilder;
    ScopeSpans currentSs;
    ScopeSpans.Builder ssBuilder;
    int bytes;
    int spans;

    TraceBuffer(String key) {
      this.key = key;
    }

    /** Upper bound of the bytes that adding this span adds, including new resource or scope headers. */
    int growth(ResourceSpans rs, ScopeSpans ss, int spanBytes, int rsHeader, int ssHeader) {
      if (rs != currentRs) {
        return spanBytes + rsHeader + ssHeader;
      }
      return ss != currentSs ? spanBytes + ssHeader : spanBytes;
    }

    void add(ResourceSpans rs, ScopeSpans ss, Span span, int growth) {
      if (rs != currentRs) {
        closeResource();
        currentRs = rs;
        rsBuilder = ResourceSpans.newBuilder().setResource(rs.getResource()).setSchemaUrl(rs.getSchemaUrl());
      }
      if (ss != currentSs) {
        closeScope();
        currentSs = ss;
        ssBuilder = ScopeSpans.newBuilder().setScope(ss.getScope()).setSchemaUrl(ss.getSchemaUrl());
      }
      ssBuilder.addSpans(span);
      bytes += growth;
      spans++;
    }

    TraceRecord flush() {
      closeResource();
      TraceRecord record = new TraceRecord(key, request.build().toByteArray(), spans);
      request = ExportTraceServiceRequest.newBuilder();
      bytes = 0;
      spans = 0;
      return record;
    }

    private void closeScope() {
      if (ssBuilder != null) {
        rsBuilder.addScopeSpans(ssBuilder);
        ssBuilder = null;
        currentSs = null;
      }
    }

    private void closeResource() {
      closeScope();
      if (rsBuilder != null) {
        request.addResourceSpans(rsBuilder);
        rsBuilder = null;
        currentRs = null;
      }
    }
  }
}

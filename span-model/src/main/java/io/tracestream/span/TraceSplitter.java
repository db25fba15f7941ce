package io.tracestream.span;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.wire.WireReader;
import io.tracestream.span.wire.WireSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits an OTLP export request by trace id into otlp_spans records, as the OTel Collector's Kafka
 * exporter does with {@code partition_traces_by_id}: each record holds one trace's spans with their
 * resource and scope. A trace larger than {@code maxRecordBytes} becomes several records with the same
 * key. Spans with invalid ids are counted by reason and left out; the rest go on.
 *
 * <p>The split reads the encoded request and copies each span's bytes into its trace's record; it
 * decodes only the span ids and checks everything else as {@code parseFrom} would ({@link WireReader}),
 * so it refuses exactly the bodies that do not decode. A record holds, per resource and scope, their
 * fields as received (resource and schema_url; scope and schema_url; unknown fields left out), the
 * resource or scope written empty when absent, as a decoded and rebuilt record would have them.
 */
public final class TraceSplitter {
  /** Upper bound of a field's tag plus its length prefix (1-byte tag, 5-byte varint). */
  private static final int FIELD_OVERHEAD = 6;
  /**
   * Heap a split holds per valid span besides the span's bytes, and per trace besides its records' bytes
   * (objects, list and map entries, the hex key), rounded up from the object layouts of a 64-bit JVM with
   * compressed pointers; {@link SplitBudget} is charged these with the records' bytes.
   */
  static final int SPAN_BOOKKEEPING = 80;
  static final int TRACE_BOOKKEEPING = 512;
  static final int RECORD_BOOKKEEPING = 64;
  /** The split asks its budget for at least this much at a time. */
  static final int BUDGET_STEP = 16 << 10;

  private static final WireSchema REQUEST = WireSchema.of(ExportTraceServiceRequest.getDescriptor());
  private static final WireSchema RESOURCE_SPANS = WireSchema.of(ResourceSpans.getDescriptor());
  private static final WireSchema SCOPE_SPANS = WireSchema.of(ScopeSpans.getDescriptor());
  private static final WireSchema SPAN = WireSchema.of(Span.getDescriptor());

  private static final int RESOURCE_SPANS_TAG = lengthDelimited(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER);
  private static final int RESOURCE_TAG = lengthDelimited(ResourceSpans.RESOURCE_FIELD_NUMBER);
  private static final int SCOPE_SPANS_TAG = lengthDelimited(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER);
  private static final int RESOURCE_SCHEMA_URL_TAG = lengthDelimited(ResourceSpans.SCHEMA_URL_FIELD_NUMBER);
  private static final int SCOPE_TAG = lengthDelimited(ScopeSpans.SCOPE_FIELD_NUMBER);
  private static final int SPANS_TAG = lengthDelimited(ScopeSpans.SPANS_FIELD_NUMBER);
  private static final int SCOPE_SCHEMA_URL_TAG = lengthDelimited(ScopeSpans.SCHEMA_URL_FIELD_NUMBER);
  private static final int TRACE_ID_TAG = lengthDelimited(Span.TRACE_ID_FIELD_NUMBER);
  private static final int SPAN_ID_TAG = lengthDelimited(Span.SPAN_ID_FIELD_NUMBER);
  private static final int PARENT_SPAN_ID_TAG = lengthDelimited(Span.PARENT_SPAN_ID_FIELD_NUMBER);

  private final int maxRecordBytes;

  public TraceSplitter(int maxRecordBytes) {
    if (maxRecordBytes < 1024) {
      throw new IllegalArgumentException("maxRecordBytes must be at least 1024, got " + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Splits an encoded ExportTraceServiceRequest; fails as {@link OtlpCodec#decodeProtobuf} would fail on it. */
  public SplitResult split(byte[] request) throws OtlpDecodeException {
    try {
      return split(request, SplitBudget.UNLIMITED);
    } catch (SplitBudgetException e) {
      throw new IllegalStateException("an unlimited budget refused", e);
    }
  }

  /**
   * Splits an encoded ExportTraceServiceRequest, taking from {@code budget} the bytes of the records and of
   * the split's bookkeeping before they are allocated (an upper bound, in steps of at least
   * {@value #BUDGET_STEP} bytes). When the budget refuses, the split stops: a body that does not decode may
   * then be refused for its size before its error is found.
   */
  public SplitResult split(byte[] request, SplitBudget budget) throws OtlpDecodeException, SplitBudgetException {
    Split split = new Split(request, budget);
    try {
      WireReader in = WireReader.of(request);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == RESOURCE_SPANS_TAG) {
          split.resourceSpans(in);
        } else {
          in.skipField(REQUEST, tag, 0);
        }
      }
    } catch (IOException e) {
      throw OtlpCodec.invalidProtobuf(e);
    }
    return split.result();
  }

  /** Splits a request decoded already (OTLP/JSON, replay): encoded once, then split as received bytes. */
  public SplitResult split(ExportTraceServiceRequest request) {
    try {
      return split(request.toByteArray());
    } catch (OtlpDecodeException e) { // only a request built deeper than protobuf's recursion limit
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static int lengthDelimited(int fieldNumber) {
    return WireSchema.tag(fieldNumber, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  }

  /** Bytes of a length-delimited field with a 1-byte tag (field numbers up to 15). */
  private static int fieldSize(int contentBytes) {
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(contentBytes) + contentBytes;
  }

  /** The state of one {@link #split}. */
  private final class Split {
    final byte[] body;
    final Map<ByteString, TraceBuffer> traces = new HashMap<>();
    final List<TraceBuffer> order = new ArrayList<>();
    final List<TraceRecord> records = new ArrayList<>();
    final Map<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
    final SplitBudget budget;
    int accepted;
    /** Bytes the split holds or is about to allocate, and bytes the budget has given. */
    long need;
    long taken;

    Split(byte[] body, SplitBudget budget) {
      this.body = body;
      this.budget = budget;
    }

    /** Accounts for {@code bytes} about to be allocated; asks the budget for more when they pass what it gave. */
    void charge(long bytes) throws SplitBudgetException {
      need += bytes;
      if (need > taken) {
        long more = Math.max(need - taken, BUDGET_STEP);
        if (!budget.take(more)) {
          throw new SplitBudgetException(taken);
        }
        taken += more;
      }
    }

    /**
     * Reads one ResourceSpans (nested in the root: depth 0) and places its spans, once its header is
     * known: the wire may hold the schema_url after the spans.
     */
    void resourceSpans(WireReader in) throws IOException, SplitBudgetException {
      int limit = in.enter(0);
      Header header = new Header(RESOURCE_TAG);
      List<PendingScope> scopes = new ArrayList<>();
      while (true) {
        int at = in.position();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == SCOPE_SPANS_TAG) {
          scopes.add(scopeSpans(in));
        } else {
          in.skipField(RESOURCE_SPANS, tag, 1);
          if (tag == RESOURCE_TAG || tag == RESOURCE_SCHEMA_URL_TAG) {
            header.add(tag, body, at, in.position());
          }
        }
      }
      in.leave(limit);
      charge(2L * header.size());
      byte[] resource = header.toByteArray();
      for (PendingScope scope : scopes) {
        for (PendingSpan span : scope.spans()) {
          place(resource, scope.header(), span);
        }
      }
    }

    private PendingScope scopeSpans(WireReader in) throws IOException, SplitBudgetException {
      int limit = in.enter(1);
      Header header = new Header(SCOPE_TAG);
      List<PendingSpan> spans = new ArrayList<>();
      while (true) {
        int at = in.position();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == SPANS_TAG) {
          PendingSpan span = span(in);
          if (span != null) {
            charge(SPAN_BOOKKEEPING);
            spans.add(span);
          }
        } else {
          in.skipField(SCOPE_SPANS, tag, 2);
          if (tag == SCOPE_TAG || tag == SCOPE_SCHEMA_URL_TAG) {
            header.add(tag, body, at, in.position());
          }
        }
      }
      in.leave(limit);
      charge(2L * header.size());
      return new PendingScope(header.toByteArray(), spans);
    }

    /** Reads one span; counts it and returns null when its ids are invalid. */
    private PendingSpan span(WireReader in) throws IOException {
      int limit = in.enter(2);
      int start = in.position();
      ByteString traceId = ByteString.EMPTY;
      ByteString spanId = ByteString.EMPTY;
      ByteString parentSpanId = ByteString.EMPTY;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == TRACE_ID_TAG) { // the last one counts, as in parseFrom
          traceId = bytes(in);
        } else if (tag == SPAN_ID_TAG) {
          spanId = bytes(in);
        } else if (tag == PARENT_SPAN_ID_TAG) {
          parentSpanId = bytes(in);
        } else {
          in.skipField(SPAN, tag, 3);
        }
      }
      int length = in.position() - start;
      in.leave(limit);
      RejectReason reason = RejectReason.checkIds(traceId, spanId, parentSpanId);
      if (reason != null) {
        rejected.merge(reason, 1, Integer::sum);
        return null;
      }
      return new PendingSpan(traceId, start, length);
    }

    /** A bytes field's value, as a view of the body. */
    private ByteString bytes(WireReader in) throws IOException {
      int length = in.readLength();
      return UnsafeByteOperations.unsafeWrap(body, in.skipBytes(length), length);
    }

    private void place(byte[] resource, byte[] scope, PendingSpan span) throws SplitBudgetException {
      int spanBytes = fieldSize(span.length());
      if (spanBytes + FIELD_OVERHEAD + resource.length + FIELD_OVERHEAD + scope.length > maxRecordBytes) {
        rejected.merge(RejectReason.SPAN_TOO_LARGE, 1, Integer::sum);
        return;
      }
      TraceBuffer trace = traces.get(span.traceId());
      if (trace == null) {
        charge(TRACE_BOOKKEEPING);
        trace = new TraceBuffer(TraceIds.toHex(span.traceId()));
        traces.put(span.traceId(), trace);
        order.add(trace);
      }
      if (trace.growth(resource, scope, spanBytes) + trace.bytes > maxRecordBytes) {
        records.add(trace.flush(body)); // its bytes were charged span by span
      }
      int growth = trace.growth(resource, scope, spanBytes);
      charge(growth + (trace.spans == 0 ? RECORD_BOOKKEEPING : 0)); // before flush allocates them
      trace.add(resource, scope, span, growth);
      accepted++;
    }

    SplitResult result() {
      for (TraceBuffer trace : order) {
        records.add(trace.flush(body));
      }
      return new SplitResult(records, accepted, rejected);
    }
  }

  /** A valid span read from the body: where its encoded bytes are, and its trace. */
  private record PendingSpan(ByteString traceId, int start, int length) {}

  /** The spans of one ScopeSpans, held until the header of their ResourceSpans is known. */
  private record PendingScope(byte[] header, List<PendingSpan> spans) {}

  /**
   * The fields a record repeats for a ResourceSpans or ScopeSpans: the resource or scope and the
   * schema_url, as received, in their order.
   */
  private static final class Header {
    private final int messageTag;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    private boolean hasMessage;

    Header(int messageTag) {
      this.messageTag = messageTag;
    }

    int size() {
      return bytes.size() + 2;
    }

    void add(int tag, byte[] body, int from, int to) {
      hasMessage |= tag == messageTag;
      bytes.write(body, from, to - from);
    }

    byte[] toByteArray() {
      if (!hasMessage) {
        bytes.write(messageTag);
        bytes.write(0);
      }
      return bytes.toByteArray();
    }
  }

  /** One ResourceSpans of a record: its header and its ScopeSpans. */
  private static final class ResourceGroup {
    final byte[] header;
    final List<ScopeGroup> scopes = new ArrayList<>(2);

    ResourceGroup(byte[] header) {
      this.header = header;
    }

    int size() {
      int size = header.length;
      for (ScopeGroup scope : scopes) {
        size += fieldSize(scope.size);
      }
      return size;
    }
  }

  /** One ScopeSpans of a record: its header and its spans, as (start, length) pairs in the body. */
  private static final class ScopeGroup {
    final byte[] header;
    int[] spans = new int[16];
    int ints;
    int size;

    ScopeGroup(byte[] header) {
      this.header = header;
      this.size = header.length;
    }

    void add(int start, int length) {
      if (ints == spans.length) {
        spans = Arrays.copyOf(spans, 2 * ints);
      }
      spans[ints++] = start;
      spans[ints++] = length;
      size += fieldSize(length);
    }
  }

  /** The spans of one trace gathered so far, grouped under their resource and scope as received. */
  private static final class TraceBuffer {
    final String key;
    final List<ResourceGroup> resources = new ArrayList<>(2);
    byte[] currentResource;
    byte[] currentScope;
    int bytes;
    int spans;

    TraceBuffer(String key) {
      this.key = key;
    }

    /** Upper bound of the bytes that adding this span adds, including new resource or scope headers. */
    int growth(byte[] resource, byte[] scope, int spanBytes) {
      if (resource != currentResource) {
        return spanBytes + FIELD_OVERHEAD + resource.length + FIELD_OVERHEAD + scope.length;
      }
      return scope != currentScope ? spanBytes + FIELD_OVERHEAD + scope.length : spanBytes;
    }

    void add(byte[] resource, byte[] scope, PendingSpan span, int growth) {
      if (resource != currentResource) {
        resources.add(new ResourceGroup(resource));
        currentResource = resource;
        currentScope = null;
      }
      List<ScopeGroup> scopes = resources.get(resources.size() - 1).scopes;
      if (scope != currentScope) {
        scopes.add(new ScopeGroup(scope));
        currentScope = scope;
      }
      scopes.get(scopes.size() - 1).add(span.start(), span.length());
      bytes += growth;
      spans++;
    }

    TraceRecord flush(byte[] body) {
      int total = 0;
      for (ResourceGroup resource : resources) {
        total += fieldSize(resource.size());
      }
      byte[] value = new byte[total];
      CodedOutputStream out = CodedOutputStream.newInstance(value);
      try {
        for (ResourceGroup resource : resources) {
          out.writeTag(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
          out.writeUInt32NoTag(resource.size());
          out.writeRawBytes(resource.header);
          for (ScopeGroup scope : resource.scopes) {
            out.writeTag(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(scope.size);
            out.writeRawBytes(scope.header);
            for (int i = 0; i < scope.ints; i += 2) {
              out.writeTag(ScopeSpans.SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt32NoTag(scope.spans[i + 1]);
              out.writeRawBytes(body, scope.spans[i], scope.spans[i + 1]);
            }
          }
        }
        out.checkNoSpaceLeft();
      } catch (IOException e) {
        throw new IllegalStateException("record of trace " + key + " is not the size computed", e);
      }
      TraceRecord record = new TraceRecord(key, value, spans);
      resources.clear();
      currentResource = null;
      currentScope = null;
      bytes = 0;
      spans = 0;
      return record;
    }
  }
}

package io.tracestream.topology;

import static com.google.protobuf.WireFormat.WIRETYPE_FIXED64;
import static com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;
import static com.google.protobuf.WireFormat.WIRETYPE_VARINT;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.wire.WireReader;
import io.tracestream.span.wire.WireSchema;
import io.tracestream.topology.traces.AdjustedCount;
import io.tracestream.topology.traces.TraceSpan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the spans of an otlp_spans record (an OTLP {@code ExportTraceServiceRequest}) straight from
 * its protobuf wire format, taking only what the topology uses: the resource's {@code service.name};
 * per span the ids, name, kind, status code, start and end time, the attributes {@link TraceSpan}
 * keeps, the ids of its links, and what says it was sampled (the {@code ot=th:} threshold of its trace state,
 * Jaeger's {@code sampler.type} and {@code sampler.param} attributes: {@link AdjustedCount}). No message objects
 * are built and no other string is decoded.
 *
 * <p>The result is what {@code ExportTraceServiceRequest.parseFrom} followed by the span getters gives
 * (same span order, last occurrence wins for a repeated singular field, occurrences of a singular
 * message field merged, fields in any order, a field whose wire type does not match its declaration
 * treated as unknown), and the reader rejects, with an {@link InvalidProtocolBufferException}, every
 * record that {@code parseFrom} rejects: it walks every field of every message of the schema, not
 * only those it reads, and checks what the generated parser checks, as a {@link WireReader}, the reader
 * of the bridge's split too:
 * <ul>
 *   <li>truncation: a length, varint or fixed field running past its message or the record;
 *   <li>invalid tags (field number 0) and wire types (6, 7), unknown groups that do not end with
 *       their own end-group tag, an end-group tag outside a group;
 *   <li>invalid UTF-8 in any {@code string} field (proto3 strings), read or skipped;
 *   <li>more than 100 levels of nested messages and groups, the runtime's default recursion limit.
 * </ul>
 *
 * <p>Which message types and string fields exist comes from the generated code's descriptors
 * ({@link WireSchema}), so a new {@code opentelemetry-proto} version with new fields is walked as its
 * parser would walk it. The one difference left is which error is reported when a record has several
 * (the resource of a {@code ResourceSpans} is read before its spans, wherever it is): both reject the
 * record, the message may differ. {@code SpanDecoderEquivalenceTest} holds the reader to parseFrom on
 * realistic, random, reordered, corrupted and fuzz-corpus records.
 */
final class OtlpSpanReader extends WireReader {
  private static final WireSchema REQUEST = WireSchema.of(ExportTraceServiceRequest.getDescriptor());
  private static final WireSchema RESOURCE_SPANS = WireSchema.of(ResourceSpans.getDescriptor());
  private static final WireSchema RESOURCE = WireSchema.of(Resource.getDescriptor());
  private static final WireSchema SCOPE_SPANS = WireSchema.of(ScopeSpans.getDescriptor());
  private static final WireSchema SPAN = WireSchema.of(Span.getDescriptor());
  private static final WireSchema LINK = WireSchema.of(Span.Link.getDescriptor());
  private static final WireSchema STATUS = WireSchema.of(Status.getDescriptor());
  private static final WireSchema KEY_VALUE = WireSchema.of(KeyValue.getDescriptor());
  private static final WireSchema ANY_VALUE = WireSchema.of(AnyValue.getDescriptor());

  private static final int LEN = WIRETYPE_LENGTH_DELIMITED;
  private static final int REQUEST_RESOURCE_SPANS = ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER << 3 | LEN;
  private static final int RS_RESOURCE = ResourceSpans.RESOURCE_FIELD_NUMBER << 3 | LEN;
  private static final int RS_SCOPE_SPANS = ResourceSpans.SCOPE_SPANS_FIELD_NUMBER << 3 | LEN;
  private static final int RESOURCE_ATTRIBUTES = Resource.ATTRIBUTES_FIELD_NUMBER << 3 | LEN;
  private static final int SS_SPANS = ScopeSpans.SPANS_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_TRACE_ID = Span.TRACE_ID_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_SPAN_ID = Span.SPAN_ID_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_PARENT_SPAN_ID = Span.PARENT_SPAN_ID_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_NAME = Span.NAME_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_TRACE_STATE = Span.TRACE_STATE_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_KIND = Span.KIND_FIELD_NUMBER << 3 | WIRETYPE_VARINT;
  private static final int SPAN_START = Span.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | WIRETYPE_FIXED64;
  private static final int SPAN_END = Span.END_TIME_UNIX_NANO_FIELD_NUMBER << 3 | WIRETYPE_FIXED64;
  private static final int SPAN_ATTRIBUTES = Span.ATTRIBUTES_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_LINKS = Span.LINKS_FIELD_NUMBER << 3 | LEN;
  private static final int SPAN_STATUS = Span.STATUS_FIELD_NUMBER << 3 | LEN;
  private static final int LINK_TRACE_ID = Span.Link.TRACE_ID_FIELD_NUMBER << 3 | LEN;
  private static final int LINK_SPAN_ID = Span.Link.SPAN_ID_FIELD_NUMBER << 3 | LEN;
  private static final int STATUS_CODE = Status.CODE_FIELD_NUMBER << 3 | WIRETYPE_VARINT;
  private static final int KV_KEY = KeyValue.KEY_FIELD_NUMBER << 3 | LEN;
  private static final int KV_VALUE = KeyValue.VALUE_FIELD_NUMBER << 3 | LEN;
  private static final int ANY_STRING = AnyValue.STRING_VALUE_FIELD_NUMBER << 3 | LEN;
  private static final int ANY_BOOL = AnyValue.BOOL_VALUE_FIELD_NUMBER << 3 | WIRETYPE_VARINT;
  private static final int ANY_INT = AnyValue.INT_VALUE_FIELD_NUMBER << 3 | WIRETYPE_VARINT;
  private static final int ANY_DOUBLE = AnyValue.DOUBLE_VALUE_FIELD_NUMBER << 3 | WIRETYPE_FIXED64;
  private static final int ANY_ARRAY = AnyValue.ARRAY_VALUE_FIELD_NUMBER << 3 | LEN;
  private static final int ANY_KVLIST = AnyValue.KVLIST_VALUE_FIELD_NUMBER << 3 | LEN;
  private static final int ANY_BYTES = AnyValue.BYTES_VALUE_FIELD_NUMBER << 3 | LEN;

  private static final byte[] SERVICE_NAME = utf8("service.name");
  private static final byte[] HEX = utf8("0123456789abcdef");
  private static final byte[] SAMPLER_TYPE = utf8("sampler.type");
  private static final byte[] SAMPLER_PARAM = utf8("sampler.param");

  private final List<WireSpan> spans = new ArrayList<>();

  // The last KeyValue read: its key and, when its value is a string, where that string is.
  private int keyOffset;
  private int keyLength;
  private int valueCase;
  private int valueOffset;
  private int valueLength;
  /** The last scalar value that is not a string: a bool or int as read, a double's bits. */
  private long valueBits;

  private final KeptAttributes kept;
  /** The dimension attributes of the current resource, by key index in {@link #kept}; null if none. */
  private String[] resourceDimensions;

  // The last trace id turned into hex: the spans of a record mostly share one.
  private int lastTraceIdOffset = -1;
  private int lastTraceIdLength;
  private String lastTraceId;

  private final StringTable strings = StringTable.forThisThread();

  private OtlpSpanReader(byte[] record, KeptAttributes kept) {
    super(record);
    this.kept = kept;
  }

  /** The spans of the record in the order parseFrom lists them; throws where parseFrom throws. */
  static List<WireSpan> read(byte[] record) throws InvalidProtocolBufferException {
    return read(record, KeptAttributes.TRACE_ASSEMBLY);
  }

  /** As {@link #read(byte[])}, keeping the attributes of {@code kept}. */
  static List<WireSpan> read(byte[] record, KeptAttributes kept) throws InvalidProtocolBufferException {
    OtlpSpanReader reader = new OtlpSpanReader(record, kept);
    try {
      reader.readRequest();
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e); // not thrown when reading an array; declared by WireReader
    }
    return reader.spans;
  }

  private void readRequest() throws IOException {
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == REQUEST_RESOURCE_SPANS) {
        readResourceSpans(0);
      } else {
        skipField(REQUEST, tag, 0);
      }
    }
  }

  /** {@code depth}: the nesting depth of the message holding this field, as for every read below. */
  private void readResourceSpans(int depth) throws IOException {
    int limit = enter(depth);
    // The resource may come after the spans (or several times, merged): find the service first.
    mark();
    String service = null;
    resourceDimensions = null;
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == RS_RESOURCE) {
        service = readResource(depth + 1, service);
      } else {
        skipUnknown(tag, depth + 1); // only framing here; checked below
      }
    }
    reset();
    if (service == null) {
      service = SpanDecoder.UNKNOWN_SERVICE; // the OTel SDK default when service.name is unset
    }
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == RS_RESOURCE) {
        skipBytes(readLength()); // read above
      } else if (tag == RS_SCOPE_SPANS) {
        readScopeSpans(depth + 1, service);
      } else {
        skipField(RESOURCE_SPANS, tag, depth + 1);
      }
    }
    leave(limit);
  }

  /**
   * The first non-empty string {@code service.name}, cut; {@code service} when already found. Keeps the
   * first value of each dimension attribute in {@link #resourceDimensions}.
   */
  private String readResource(int depth, String service) throws IOException {
    int limit = enter(depth);
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == RESOURCE_ATTRIBUTES) {
        readKeyValue(depth + 1);
        if (service == null && valueCase == AnyValue.STRING_VALUE_FIELD_NUMBER && valueLength > 0
            && keyIs(SERVICE_NAME)) {
          service = cut(decode(valueOffset, valueLength), SpanDecoder.MAX_NAME_CHARS);
        }
        int key = kept.hasDimensions ? keptKey() : -1;
        if (key >= 0 && kept.dimension[key]) {
          String value = keptValue(key);
          if (value != null) {
            if (resourceDimensions == null) {
              resourceDimensions = new String[kept.keys.length];
            }
            if (resourceDimensions[key] == null) {
              resourceDimensions[key] = value;
            }
          }
        }
      } else {
        skipField(RESOURCE, tag, depth + 1);
      }
    }
    leave(limit);
    return service;
  }

  private void readScopeSpans(int depth, String service) throws IOException {
    int limit = enter(depth);
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == SS_SPANS) {
        readSpan(depth + 1, service);
      } else {
        skipField(SCOPE_SPANS, tag, depth + 1);
      }
    }
    leave(limit);
  }

  private void readSpan(int depth, String service) throws IOException {
    int limit = enter(depth);
    int traceIdOffset = 0, traceIdLength = 0, spanIdOffset = 0, spanIdLength = 0;
    int parentOffset = 0, parentLength = 0, nameOffset = 0, nameLength = 0;
    int kind = 0, status = 0;
    long start = 0, end = 0;
    Map<String, String> attributes = null;
    List<TraceSpan.LinkRef> links = null;
    int traceStateOffset = 0, traceStateLength = 0;
    String samplerType = null;
    double samplerParam = Double.NaN;
    for (int tag; (tag = readTag()) != 0; ) {
      switch (tag) {
        case SPAN_TRACE_ID -> {
          traceIdLength = readLength();
          traceIdOffset = skipBytes(traceIdLength);
        }
        case SPAN_SPAN_ID -> {
          spanIdLength = readLength();
          spanIdOffset = skipBytes(spanIdLength);
        }
        case SPAN_PARENT_SPAN_ID -> {
          parentLength = readLength();
          parentOffset = skipBytes(parentLength);
        }
        case SPAN_NAME -> {
          nameLength = readLength();
          nameOffset = skipString(nameLength, "span name");
        }
        case SPAN_TRACE_STATE -> {
          traceStateLength = readLength();
          traceStateOffset = skipString(traceStateLength, "trace state");
        }
        case SPAN_KIND -> kind = readVarint32();
        case SPAN_START -> start = readFixed64();
        case SPAN_END -> end = readFixed64();
        case SPAN_ATTRIBUTES -> {
          readKeyValue(depth + 1);
          int key = keptKey();
          String value = key < 0 ? null : keptValue(key);
          if (key < 0 && keyLength >= SAMPLER_TYPE.length && array()[keyOffset] == 's') {
            if (keyIs(SAMPLER_TYPE) && valueCase == AnyValue.STRING_VALUE_FIELD_NUMBER) {
              samplerType = decode(valueOffset, valueLength);
            } else if (keyIs(SAMPLER_PARAM)) {
              samplerParam = samplerParam();
            }
          } else if (value != null) {
            if (attributes == null) {
              attributes = new HashMap<>(4);
            }
            // as TraceSpan.from: the first occurrence of a key wins
            attributes.putIfAbsent(kept.keys[key], value);
          }
        }
        case SPAN_LINKS -> {
          if (links == null) {
            links = new ArrayList<>(2);
          }
          links.add(readLink(depth + 1));
        }
        case SPAN_STATUS -> status = readStatus(depth + 1, status);
        default -> skipField(SPAN, tag, depth + 1);
      }
    }
    leave(limit);
    if (resourceDimensions != null) {
      for (int i = 0; i < resourceDimensions.length; i++) {
        if (resourceDimensions[i] != null) {
          if (attributes == null) {
            attributes = new HashMap<>(4);
          }
          attributes.putIfAbsent(kept.keys[i], resourceDimensions[i]); // the span's own attribute wins
        }
      }
    }
    boolean validIds = isValidId(traceIdOffset, traceIdLength, 16) && isValidId(spanIdOffset, spanIdLength, 8)
        && (parentLength == 0 || isValidId(parentOffset, parentLength, 8));
    double traceStateCount = traceStateLength == 0 ? AdjustedCount.ABSENT
        : AdjustedCount.ofTraceState(decode(traceStateOffset, traceStateLength));
    spans.add(new WireSpan(service, decode(nameOffset, nameLength), kind, status, start, end,
        traceIdHex(traceIdOffset, traceIdLength), hex(spanIdOffset, spanIdLength), hex(parentOffset, parentLength),
        validIds, attributes == null ? Map.of() : attributes, links == null ? List.of() : links,
        traceStateCount, AdjustedCount.ofJaeger(samplerType, samplerParam)));
  }

  /** The last KeyValue's value as {@code sampler.param}: a double, an int or a numeric string; else NaN. */
  private double samplerParam() {
    return switch (valueCase) {
      case AnyValue.DOUBLE_VALUE_FIELD_NUMBER -> Double.longBitsToDouble(valueBits);
      case AnyValue.INT_VALUE_FIELD_NUMBER -> valueBits;
      case AnyValue.STRING_VALUE_FIELD_NUMBER -> AdjustedCount.parseParam(decode(valueOffset, valueLength));
      default -> Double.NaN;
    };
  }

  private TraceSpan.LinkRef readLink(int depth) throws IOException {
    int limit = enter(depth);
    int traceIdOffset = 0, traceIdLength = 0, spanIdOffset = 0, spanIdLength = 0;
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == LINK_TRACE_ID) {
        traceIdLength = readLength();
        traceIdOffset = skipBytes(traceIdLength);
      } else if (tag == LINK_SPAN_ID) {
        spanIdLength = readLength();
        spanIdOffset = skipBytes(spanIdLength);
      } else {
        skipField(LINK, tag, depth + 1);
      }
    }
    leave(limit);
    return new TraceSpan.LinkRef(hex(traceIdOffset, traceIdLength), hex(spanIdOffset, spanIdLength));
  }

  /** Status is a singular message: a second occurrence merges into the first, so {@code code} carries over. */
  private int readStatus(int depth, int code) throws IOException {
    int limit = enter(depth);
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == STATUS_CODE) {
        code = readVarint32();
      } else {
        skipField(STATUS, tag, depth + 1);
      }
    }
    leave(limit);
    return code;
  }

  /**
   * Reads a KeyValue into {@link #keyOffset} ... {@link #valueLength}. Its value is a singular message
   * (occurrences merge) holding a oneof (the last member read decides the case).
   */
  private void readKeyValue(int depth) throws IOException {
    int limit = enter(depth);
    keyOffset = 0;
    keyLength = 0;
    valueCase = 0;
    valueLength = 0;
    for (int tag; (tag = readTag()) != 0; ) {
      if (tag == KV_KEY) {
        keyLength = readLength();
        keyOffset = skipString(keyLength, "attribute key");
      } else if (tag == KV_VALUE) {
        readAnyValue(depth + 1);
      } else {
        skipField(KEY_VALUE, tag, depth + 1);
      }
    }
    leave(limit);
  }

  private void readAnyValue(int depth) throws IOException {
    int limit = enter(depth);
    for (int tag; (tag = readTag()) != 0; ) {
      switch (tag) {
        case ANY_STRING -> {
          valueLength = readLength();
          valueOffset = skipString(valueLength, "attribute value");
          valueCase = AnyValue.STRING_VALUE_FIELD_NUMBER;
        }
        case ANY_BOOL, ANY_INT -> {
          valueBits = readVarint64();
          valueCase = tag >>> 3;
        }
        case ANY_DOUBLE -> {
          valueBits = readFixed64();
          valueCase = tag >>> 3;
        }
        case ANY_BYTES, ANY_ARRAY, ANY_KVLIST -> {
          skipField(ANY_VALUE, tag, depth + 1);
          valueCase = tag >>> 3;
        }
        default -> skipField(ANY_VALUE, tag, depth + 1);
      }
    }
    leave(limit);
  }

  private String decode(int offset, int length) {
    return strings.get(array(), offset, length);
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private boolean keyIs(byte[] key) {
    return keyLength == key.length && Arrays.equals(array(), keyOffset, keyOffset + keyLength, key, 0, key.length);
  }

  /** The index in {@link #kept} of the key of the last KeyValue read, or -1 when it is not kept. */
  private int keptKey() {
    if (keyLength == 0 || !kept.mayStartWith(array()[keyOffset])) {
      return -1; // most keys are passed over at their first byte
    }
    for (int i = 0; i < kept.keys.length; i++) {
      if (keyIs(kept.keyBytes[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The value of the last KeyValue read, cut, as the key at {@code key} keeps it: a non-empty string; for a
   * dimension also a bool, int or double as the Collector's {@code AsString} writes it; else null.
   */
  private String keptValue(int key) {
    if (valueCase == AnyValue.STRING_VALUE_FIELD_NUMBER) {
      return valueLength > 0 ? cut(decode(valueOffset, valueLength), TraceSpan.MAX_VALUE_CHARS) : null;
    }
    if (!kept.dimension[key]) {
      return null;
    }
    return switch (valueCase) {
      case AnyValue.BOOL_VALUE_FIELD_NUMBER -> valueBits != 0 ? "true" : "false";
      case AnyValue.INT_VALUE_FIELD_NUMBER -> Long.toString(valueBits);
      case AnyValue.DOUBLE_VALUE_FIELD_NUMBER -> doubleString(Double.longBitsToDouble(valueBits));
      default -> null;
    };
  }

  /** As Go's {@code strconv.FormatFloat(v, 'f', -1, 64)}, which the Collector uses: no exponent. */
  private static String doubleString(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  private boolean isValidId(int offset, int length, int expected) {
    if (length != expected) {
      return false;
    }
    byte[] buf = array();
    for (int i = offset; i < offset + length; i++) {
      if (buf[i] != 0) {
        return true;
      }
    }
    return false; // all-zero ids are invalid per the OTel trace spec
  }

  private String traceIdHex(int offset, int length) {
    byte[] buf = array();
    if (lastTraceId == null || length != lastTraceIdLength
        || !Arrays.equals(buf, offset, offset + length, buf, lastTraceIdOffset, lastTraceIdOffset + length)) {
      lastTraceId = hex(offset, length);
      lastTraceIdOffset = offset;
      lastTraceIdLength = length;
    }
    return lastTraceId;
  }

  private String hex(int offset, int length) {
    if (length == 0) {
      return "";
    }
    byte[] buf = array();
    byte[] out = new byte[length * 2];
    for (int i = 0; i < length; i++) {
      int b = buf[offset + i] & 0xff;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The split of encoded requests against the split of decoded ones it replaced ({@link DecodedTraceSplitter}):
 * the same bodies refused, the same spans refused by reason, and records that parse to the same
 * per-trace requests. Records are compared one by one where no trace outgrows the record limit; with a
 * small limit, record boundaries may differ by a few bytes (sizes are now exact where the old split
 * estimated them), so the records of each trace are compared concatenated.
 */
class TraceSplitterCompatibilityTest {
  private static final int LARGE = 1 << 20;
  private static final int SMALL = 2048;
  private static final String[] WORDS = {"checkout", "GET /api/cart", "é", "日本語", "\uD83D\uDE80", "", "db.statement",
      "SELECT * FROM t WHERE id = ?", "x".repeat(40)};

  @Test
  void randomRequestsSplitAsBefore() throws Exception {
    for (long seed = 0; seed < 300; seed++) {
      byte[] body = encode(randomRequest(new Random(seed)), new Random(~seed));
      assertSameSplit(body, "seed " + seed);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fuzzCorpus")
  void fuzzCorpusSplitsAsBefore(Path input) throws Exception {
    assertSameSplit(Files.readAllBytes(input), input.getFileName().toString());
  }

  @Test
  void nestingIsRefusedAtProtobufsRecursionLimitExactly() throws Exception {
    for (int levels = 44; levels <= 52; levels++) { // two messages a level, under five: the limit is near 48
      AnyValue value = AnyValue.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < levels; i++) {
        value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
      }
      KeyValue deep = KeyValue.newBuilder().setKey("deep").setValue(value).build();
      Span span = span(new Random(levels), traceId(1)).toBuilder().clearAttributes().clearEvents().build();
      assertSameSplit(request(span.toBuilder().addAttributes(deep).build()).toByteArray(),
          levels + " nested arrays in a span attribute");
      assertSameSplit(request(span.toBuilder().addEvents(Span.Event.newBuilder().addAttributes(deep)).build()).toByteArray(),
          levels + " nested arrays in an event attribute, one level deeper");
    }
  }

  @Test
  void nestedUnknownGroupsAreRefusedAtProtobufsRecursionLimitExactly() throws Exception {
    for (int groups = 94; groups <= 100; groups++) { // in a span, under three messages
      ByteArrayOutputStream unknown = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(unknown);
      for (int i = 0; i < groups; i++) {
        out.writeTag(50, com.google.protobuf.WireFormat.WIRETYPE_START_GROUP);
      }
      for (int i = 0; i < groups; i++) {
        out.writeTag(50, com.google.protobuf.WireFormat.WIRETYPE_END_GROUP);
      }
      out.flush();
      byte[] span = concat(span(new Random(groups), traceId(1)).toByteArray(), unknown.toByteArray());
      assertSameSplit(request(span), groups + " nested groups");
    }
  }

  @Test
  void invalidUtf8AnywhereIsRefusedLikeADecode() throws Exception {
    byte[] valid = request(span(new Random(1), traceId(1)).toBuilder().setName("n\u00e9me").build()).toByteArray();
    int at = indexOf(valid, "n\u00e9me".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + 1;
    byte[] broken = valid.clone();
    broken[at] = (byte) 0xc3; // a lead byte followed by 'm': not UTF-8
    broken[at + 1] = 'x';

    assertSameSplit(broken, "invalid UTF-8 in the span name");
    assertThatThrownBy(() -> new TraceSplitter(LARGE).split(broken))
        .isInstanceOf(OtlpDecodeException.class).hasMessageStartingWith("invalid OTLP protobuf");
  }

  @Test
  void aTenByteVarintWithItsLastContinuationBitSetIsReadAsTheParserReadsIt() throws Exception {
    // readRawVarint64 (int64, bool, unknown fields) takes it; readRawVarint32 and skipField refuse it.
    byte[] varint = new byte[10];
    Arrays.fill(varint, (byte) 0xd9);
    byte[] span = span(new Random(5), traceId(1)).toByteArray();
    byte[] unknown = request(concat(span, new byte[] {(byte) 0xa0, 0x06}, varint)); // field 100
    byte[] int64 = request(concat(span, field(Span.ATTRIBUTES_FIELD_NUMBER, concat(
        field(KeyValue.KEY_FIELD_NUMBER, new byte[] {'k'}),
        field(KeyValue.VALUE_FIELD_NUMBER, concat(new byte[] {AnyValue.INT_VALUE_FIELD_NUMBER << 3}, varint))))));

    assertThat(ExportTraceServiceRequest.parseFrom(unknown).getResourceSpansCount()).isEqualTo(1);
    assertThat(ExportTraceServiceRequest.parseFrom(int64).getResourceSpansCount()).isEqualTo(1);
    assertSameSplit(unknown, "unknown varint field");
    assertSameSplit(int64, "int64 attribute value");
    assertSameSplit(request(concat(span, new byte[] {Span.KIND_FIELD_NUMBER << 3}, varint)), "enum");
    assertSameSplit(request(concat(span, new byte[] {Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER << 3}, varint)),
        "uint32");
  }

  @Test
  void theLastOfARepeatedIdFieldCounts() throws Exception {
    Span span = span(new Random(3), traceId(1));
    byte[] secondTraceId = field(Span.TRACE_ID_FIELD_NUMBER, traceId(2).toByteArray());

    assertSameSplit(request(concat(span.toByteArray(), secondTraceId)), "two trace ids");
  }

  @Test
  void fieldsInAnyOrderAndUnknownFieldsSplitAsBefore() throws Exception {
    ResourceSpans rs = randomResourceSpans(new Random(7)).toBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).addLengthDelimited(ByteString.copyFromUtf8("?")).build())
            .build())
        .build();
    byte[] reversed = field(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, reversedFields(rs.toByteArray()));

    assertSameSplit(reversed, "resource spans with their fields reversed");
  }

  private static void assertSameSplit(byte[] body, String what) throws Exception {
    ExportTraceServiceRequest decoded;
    try {
      decoded = ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException undecodable) {
      assertThatThrownBy(() -> new TraceSplitter(LARGE).split(body)).as(what)
          .isInstanceOf(OtlpDecodeException.class).hasMessageStartingWith("invalid OTLP protobuf");
      return;
    }
    SplitResult before = new DecodedTraceSplitter(LARGE).split(decoded);
    SplitResult after = new TraceSplitter(LARGE).split(body);
    assertThat(after.acceptedSpans()).as(what + ": accepted").isEqualTo(before.acceptedSpans());
    assertThat(after.rejected()).as(what + ": rejected").isEqualTo(before.rejected());
    assertThat(after.records()).as(what + ": records").hasSameSizeAs(before.records());
    for (int i = 0; i < before.records().size(); i++) {
      TraceRecord expected = before.records().get(i);
      TraceRecord actual = after.records().get(i);
      assertThat(actual.traceId()).as(what + ": key of record " + i).isEqualTo(expected.traceId());
      assertThat(actual.spanCount()).as(what + ": span count of record " + i).isEqualTo(expected.spanCount());
      assertThat(ExportTraceServiceRequest.parseFrom(actual.value())).as(what + ": record " + i)
          .isEqualTo(ExportTraceServiceRequest.parseFrom(expected.value()));
    }

    SplitResult smallBefore = new DecodedTraceSplitter(SMALL).split(decoded);
    SplitResult smallAfter = new TraceSplitter(SMALL).split(body);
    assertThat(smallAfter.rejected()).as(what + ": rejected with a small limit").isEqualTo(smallBefore.rejected());
    assertThat(spansByTrace(smallAfter)).as(what + ": spans by trace with a small limit")
        .isEqualTo(spansByTrace(smallBefore));
    assertThat(smallAfter.records()).as(what + ": record sizes")
        .allSatisfy(record -> assertThat(record.value().length).isLessThanOrEqualTo(SMALL));
  }

  /** Per trace key, its spans in record order, each with its resource and scope. */
  private static Map<String, List<ResourceSpans>> spansByTrace(SplitResult split) throws IOException {
    Map<String, List<ResourceSpans>> byTrace = new LinkedHashMap<>();
    for (TraceRecord record : split.records()) {
      for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(record.value()).getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            byTrace.computeIfAbsent(record.traceId(), k -> new ArrayList<>()).add(rs.toBuilder()
                .clearScopeSpans().addScopeSpans(ss.toBuilder().clearSpans().addSpans(span)).build());
          }
        }
      }
    }
    return byTrace;
  }

  static Stream<Path> fuzzCorpus() throws IOException, URISyntaxException {
    Path corpus = Path.of(Objects.requireNonNull(
        TraceSplitterCompatibilityTest.class.getResource("OtlpFuzzTestInputs")).toURI());
    try (Stream<Path> files = Files.walk(corpus)) {
      return files.filter(Files::isRegularFile).sorted().toList().stream();
    }
  }

  // --- random requests: every field of the trace schema, some absent, ids from a small pool (some invalid)

  private static ExportTraceServiceRequest randomRequest(Random r) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int i = r.nextInt(4); i > 0; i--) {
      request.addResourceSpans(randomResourceSpans(r));
    }
    return request.build();
  }

  private static ResourceSpans randomResourceSpans(Random r) {
    ResourceSpans.Builder rs = ResourceSpans.newBuilder();
    if (r.nextInt(5) > 0) {
      Resource.Builder resource = Resource.newBuilder().addAllAttributes(attributes(r, 4))
          .setDroppedAttributesCount(r.nextInt(2));
      if (r.nextInt(4) == 0) {
        resource.addEntityRefs(EntityRef.newBuilder().setType("service").setSchemaUrl(word(r))
            .addIdKeys("service.name").addDescriptionKeys(word(r)));
      }
      rs.setResource(resource);
    }
    if (r.nextBoolean()) {
      rs.setSchemaUrl("https://opentelemetry.io/schemas/1." + r.nextInt(30) + ".0");
    }
    for (int i = r.nextInt(4); i > 0; i--) {
      ScopeSpans.Builder ss = ScopeSpans.newBuilder();
      if (r.nextInt(5) > 0) {
        ss.setScope(InstrumentationScope.newBuilder().setName(word(r)).setVersion(r.nextBoolean() ? "1.2.0" : "")
            .addAllAttributes(attributes(r, 2)));
      }
      if (r.nextBoolean()) {
        ss.setSchemaUrl(word(r));
      }
      for (int j = r.nextInt(12); j > 0; j--) {
        ss.addSpans(span(r, traceId(r.nextInt(6))));
      }
      rs.addScopeSpans(ss);
    }
    return rs.build();
  }

  private static Span span(Random r, ByteString traceId) {
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(r.nextInt(30) == 0 ? ByteString.EMPTY : randomBytes(r, 8))
        .setName(word(r))
        .setKindValue(r.nextInt(7))
        .setStartTimeUnixNano(r.nextLong())
        .setEndTimeUnixNano(r.nextLong())
        .setFlags(r.nextInt(0x400))
        .setTraceState(r.nextInt(4) == 0 ? "vendor=" + word(r) : "")
        .addAllAttributes(attributes(r, 8))
        .setDroppedAttributesCount(r.nextInt(3))
        .setDroppedEventsCount(r.nextInt(2))
        .setDroppedLinksCount(r.nextInt(2));
    if (r.nextInt(3) > 0) {
      span.setParentSpanId(r.nextInt(30) == 0 ? randomBytes(r, 7) : randomBytes(r, 8));
    }
    for (int i = r.nextInt(3); i > 0; i--) {
      span.addEvents(Span.Event.newBuilder().setName(word(r)).setTimeUnixNano(r.nextLong())
          .addAllAttributes(attributes(r, 2)).setDroppedAttributesCount(r.nextInt(2)));
    }
    for (int i = r.nextInt(2); i > 0; i--) {
      span.addLinks(Span.Link.newBuilder().setTraceId(randomBytes(r, 16)).setSpanId(randomBytes(r, 8))
          .setTraceState(word(r)).addAllAttributes(attributes(r, 2)).setFlags(r.nextInt(0x300)));
    }
    if (r.nextBoolean()) {
      span.setStatus(Status.newBuilder().setCodeValue(r.nextInt(4)).setMessage(word(r)));
    }
    if (r.nextInt(25) == 0) { // too large for the small limit, never near it
      span.addAttributes(KeyValue.newBuilder().setKey("payload")
          .setValue(AnyValue.newBuilder().setStringValue("y".repeat(SMALL + 500))));
    }
    if (r.nextInt(10) == 0) {
      span.setUnknownFields(UnknownFieldSet.newBuilder()
          .addField(100, UnknownFieldSet.Field.newBuilder().addFixed32(r.nextInt()).build()).build());
    }
    return span.build();
  }

  private static List<KeyValue> attributes(Random r, int max) {
    List<KeyValue> attributes = new ArrayList<>();
    for (int i = r.nextInt(max + 1); i > 0; i--) {
      attributes.add(KeyValue.newBuilder().setKey(word(r)).setValue(value(r, 2)).build());
    }
    return attributes;
  }

  private static AnyValue value(Random r, int depth) {
    AnyValue.Builder value = AnyValue.newBuilder();
    switch (r.nextInt(depth > 0 ? 8 : 6)) {
      case 0 -> value.setStringValue(word(r));
      case 1 -> value.setBoolValue(r.nextBoolean());
      case 2 -> value.setIntValue(r.nextLong());
      case 3 -> value.setDoubleValue(r.nextDouble());
      case 4 -> value.setBytesValue(randomBytes(r, r.nextInt(10)));
      case 5 -> { } // no value set
      case 6 -> value.setArrayValue(ArrayValue.newBuilder().addValues(value(r, depth - 1)).addValues(value(r, depth - 1)));
      default -> value.setKvlistValue(KeyValueList.newBuilder()
          .addValues(KeyValue.newBuilder().setKey(word(r)).setValue(value(r, depth - 1))));
    }
    return value.build();
  }

  /** Trace ids 1-4 are valid; 0 is all zero, 5 is 15 bytes long. */
  private static ByteString traceId(int n) {
    byte[] id = new byte[n == 5 ? 15 : 16];
    if (n > 0) {
      id[0] = (byte) 0xab;
      id[id.length - 1] = (byte) n;
    }
    return ByteString.copyFrom(id);
  }

  private static ByteString randomBytes(Random r, int n) {
    byte[] bytes = new byte[n];
    r.nextBytes(bytes);
    return ByteString.copyFrom(bytes);
  }

  private static String word(Random r) {
    return WORDS[r.nextInt(WORDS.length)];
  }

  // --- encodings that protobuf-java would not write: fields in another order, repeated fields

  /** The request encoded with the fields of each ResourceSpans and ScopeSpans in a random order. */
  private static byte[] encode(ExportTraceServiceRequest request, Random r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      List<byte[]> fields = new ArrayList<>();
      if (rs.hasResource()) {
        fields.add(field(ResourceSpans.RESOURCE_FIELD_NUMBER, rs.getResource().toByteArray()));
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        List<byte[]> ssFields = new ArrayList<>();
        if (ss.hasScope()) {
          ssFields.add(field(ScopeSpans.SCOPE_FIELD_NUMBER, ss.getScope().toByteArray()));
        }
        ss.getSpansList().forEach(span -> ssFields.add(field(ScopeSpans.SPANS_FIELD_NUMBER, span.toByteArray())));
        if (!ss.getSchemaUrl().isEmpty()) {
          ssFields.add(field(ScopeSpans.SCHEMA_URL_FIELD_NUMBER, ss.getSchemaUrl().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        shuffleHeader(ssFields, r);
        fields.add(field(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, concat(ssFields.toArray(byte[][]::new))));
      }
      if (!rs.getSchemaUrl().isEmpty()) {
        fields.add(field(ResourceSpans.SCHEMA_URL_FIELD_NUMBER, rs.getSchemaUrl().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      shuffleHeader(fields, r);
      out.write(field(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, concat(fields.toArray(byte[][]::new))));
    }
    return out.toByteArray();
  }

  /** Moves the header fields away from the ends, where protobuf-java writes them; both splits read the same bytes. */
  private static void shuffleHeader(List<byte[]> fields, Random r) {
    if (fields.size() > 1 && r.nextBoolean()) {
      byte[] last = fields.remove(fields.size() - 1);
      fields.add(r.nextInt(fields.size() + 1), last);
    }
    if (fields.size() > 1 && r.nextBoolean()) {
      Collections.rotate(fields.subList(0, r.nextInt(fields.size()) + 1), -1);
    }
  }

  /** The fields of a message in reverse order (repeated fields too, which changes their order consistently). */
  private static byte[] reversedFields(byte[] message) throws IOException {
    UnknownFieldSet fields = UnknownFieldSet.parseFrom(message);
    List<byte[]> out = new ArrayList<>();
    for (Map.Entry<Integer, UnknownFieldSet.Field> field : fields.asMap().entrySet()) {
      for (ByteString value : field.getValue().getLengthDelimitedList()) {
        out.add(field(field.getKey(), value.toByteArray()));
      }
      for (Long varint : field.getValue().getVarintList()) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(bytes);
        coded.writeUInt64(field.getKey(), varint);
        coded.flush();
        out.add(bytes.toByteArray());
      }
    }
    Collections.reverse(out);
    return concat(out.toArray(byte[][]::new));
  }

  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeByteArray(number, value);
      out.flush();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static ExportTraceServiceRequest request(Span span) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  /** A request of one resource and one scope holding the span as given. */
  private static byte[] request(byte[] span) {
    return field(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER,
        field(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, field(ScopeSpans.SPANS_FIELD_NUMBER, span)));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }
}

package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TraceSplitterTest {
  private static final int LIMIT = 4096;
  private static final String RESOURCE_SCHEMA = "https://opentelemetry.io/schemas/1.21.0";

  private final TraceSplitter splitter = new TraceSplitter(LIMIT);

  // Three traces spread over two resources and three scopes, interleaved.
  private final ExportTraceServiceRequest mixed = request(
      resource("checkout",
          scope("http-server", span(1, 1), span(2, 2), span(1, 3)),
          scope("jdbc", span(1, 4), span(3, 5))),
      resource("payment",
          scope("grpc-server", span(2, 6), span(1, 7))));

  @Test
  void givesOneRecordPerTraceKeyedByLowercaseHexTraceId() {
    SplitResult result = splitter.split(mixed);

    assertThat(result.records()).extracting(TraceRecord::traceId).containsExactly(
        "ab000000000000000000000000000001",
        "ab000000000000000000000000000002",
        "ab000000000000000000000000000003");
  }

  @Test
  void countsEverySpanAsAcceptedWhenAllAreValid() {
    SplitResult result = splitter.split(mixed);

    assertThat(result.acceptedSpans()).isEqualTo(7);
    assertThat(result.rejected()).isEmpty();
    assertThat(result.records()).extracting(TraceRecord::spanCount).containsExactly(4, 2, 1);
  }

  @Test
  void eachRecordHoldsOnlyItsTracesSpansUnderTheirResourceAndScope() throws Exception {
    SplitResult result = splitter.split(mixed);

    for (int trace = 1; trace <= 3; trace++) {
      ByteString id = traceId(trace);
      assertThat(parse(result.records().get(trace - 1)))
          .as("record of trace %d", trace)
          .isEqualTo(filter(mixed, span -> span.getTraceId().equals(id)));
    }
  }

  @Test
  void recordKeepsResourceAndScopeAttributesAndSchemaUrls() throws Exception {
    ExportTraceServiceRequest record = parse(splitter.split(mixed).records().get(2)); // trace 3: checkout/jdbc

    ResourceSpans rs = record.getResourceSpans(0);
    ScopeSpans ss = rs.getScopeSpans(0);
    assertThat(rs.getResource().getAttributesList()).containsExactly(attribute("service.name", "checkout"));
    assertThat(rs.getSchemaUrl()).isEqualTo(RESOURCE_SCHEMA);
    assertThat(ss.getScope().getName()).isEqualTo("jdbc");
    assertThat(ss.getScope().getVersion()).isEqualTo("1.2.0");
    assertThat(ss.getScope().getAttributesList()).containsExactly(attribute("scope.attr", "jdbc-attr"));
    assertThat(ss.getSchemaUrl()).isEqualTo("https://opentelemetry.io/schemas/1.24.0/jdbc");
    assertThat(ss.getSpansList()).extracting(Span::getName).containsExactly("span-5");
  }

  @Test
  void keepsTheOrderOfSpansWithinATrace() throws Exception {
    ExportTraceServiceRequest record = parse(splitter.split(mixed).records().get(0));

    assertThat(spanNames(record)).containsExactly("span-1", "span-3", "span-4", "span-7");
  }

  @Test
  void emptyRequestGivesNoRecords() {
    SplitResult result = splitter.split(ExportTraceServiceRequest.getDefaultInstance());

    assertThat(result.records()).isEmpty();
    assertThat(result.acceptedSpans()).isZero();
    assertThat(result.rejected()).isEmpty();
    assertThat(result.rejectionMessage()).isEmpty();
  }

  @Test
  void rejectsSpansWithInvalidIdsCountedByReasonAndAcceptsTheRest() throws Exception {
    ExportTraceServiceRequest request = request(resource("checkout", scope("http-server",
        span(1, 1),
        span(1, 2).toBuilder().setTraceId(ByteString.copyFrom(new byte[15])).build(),
        span(1, 3).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build(),
        span(1, 4).toBuilder().setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7})).build(),
        span(1, 5).toBuilder().setSpanId(ByteString.copyFrom(new byte[8])).build(),
        span(1, 6).toBuilder().setParentSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9})).build(),
        span(1, 7).toBuilder().setParentSpanId(spanId(1)).build())));

    SplitResult result = splitter.split(request);

    assertThat(result.rejected()).containsOnly(
        entry(RejectReason.INVALID_TRACE_ID, 2),
        entry(RejectReason.INVALID_SPAN_ID, 2),
        entry(RejectReason.INVALID_PARENT_SPAN_ID, 1));
    assertThat(result.rejectedSpans()).isEqualTo(5);
    assertThat(result.acceptedSpans()).isEqualTo(2);
    assertThat(result.records()).singleElement().satisfies(
        record -> assertThat(spanNames(parse(record))).containsExactly("span-1", "span-7"));
  }

  @Test
  void rejectionMessageGivesTheTotalAndTheCountPerReason() {
    ExportTraceServiceRequest request = request(resource("checkout", scope("http-server",
        span(1, 1).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build(),
        span(1, 2).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build(),
        span(1, 3).toBuilder().setSpanId(ByteString.EMPTY).build(),
        span(1, 4))));

    String message = splitter.split(request).rejectionMessage();

    assertThat(message).startsWith("3 spans rejected")
        .contains("2 " + RejectReason.INVALID_TRACE_ID.description())
        .contains("1 " + RejectReason.INVALID_SPAN_ID.description());
  }

  @Test
  void traceLargerThanTheLimitBecomesSeveralRecordsWithTheSameKey() {
    SplitResult result = splitter.split(largeTrace());

    // 30 spans of ~530 bytes cannot fit in fewer than four 4 KiB records; trace 2 gets its own record.
    assertThat(result.records()).extracting(TraceRecord::traceId).containsOnly(
        TraceIds.toHex(traceId(1)), TraceIds.toHex(traceId(2)));
    assertThat(result.records()).filteredOn(r -> r.traceId().equals(TraceIds.toHex(traceId(1))))
        .hasSizeGreaterThanOrEqualTo(4);
    assertThat(result.records()).filteredOn(r -> r.traceId().equals(TraceIds.toHex(traceId(2))))
        .singleElement().extracting(TraceRecord::spanCount).isEqualTo(1);
  }

  @Test
  void everyPartOfALargeTraceFitsTheLimit() {
    SplitResult result = splitter.split(largeTrace());

    assertThat(result.records()).allSatisfy(record -> assertThat(record.value().length).isLessThanOrEqualTo(LIMIT));
  }

  @Test
  void partsOfATraceOfManySmallSpansFitTheLimit() {
    // With small spans the tag and length prefix of each span weigh most; an estimate that forgets them overflows.
    Span[] spans = IntStream.range(0, 1000).mapToObj(i -> span(1, i)).toArray(Span[]::new);

    SplitResult result = splitter.split(request(resource("checkout", scope("http-server", spans))));

    assertThat(result.records()).hasSizeGreaterThan(1)
        .allSatisfy(record -> assertThat(record.value().length).isLessThanOrEqualTo(LIMIT));
    assertThat(result.records().stream().mapToInt(TraceRecord::spanCount).sum()).isEqualTo(1000);
  }

  @Test
  void partsOfALargeTraceHoldEverySpanOnceInOrder() throws Exception {
    ExportTraceServiceRequest request = largeTrace();

    SplitResult result = splitter.split(request);

    List<String> names = result.records().stream().flatMap(r -> spanNames(parse(r)).stream()).toList();
    assertThat(names).isEqualTo(spanNames(request));
    assertThat(result.records().stream().mapToInt(TraceRecord::spanCount).sum()).isEqualTo(names.size());
    assertThat(result.acceptedSpans()).isEqualTo(names.size());
  }

  @Test
  void partsOfALargeTraceKeepEachSpansResourceAndScope() throws Exception {
    ExportTraceServiceRequest request = largeTrace();

    SplitResult result = splitter.split(request);

    for (TraceRecord record : result.records()) {
      for (ResourceSpans rs : parse(record).getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          String service = rs.getResource().getAttributes(0).getValue().getStringValue();
          assertThat(ss.getSpansList()).filteredOn(span -> span.getTraceId().equals(traceId(1)))
              .allSatisfy(span -> assertThat(span.getName())
                  .startsWith(service + "/" + ss.getScope().getName() + "/"));
        }
      }
    }
  }

  @Test
  void spanLargerThanTheLimitOnItsOwnIsRejectedAsTooLarge() throws Exception {
    ExportTraceServiceRequest request = request(resource("checkout", scope("http-server",
        span(1, 1),
        withPayload(span(1, 2), LIMIT),
        span(1, 3))));

    SplitResult result = splitter.split(request);

    assertThat(result.rejected()).containsOnly(entry(RejectReason.SPAN_TOO_LARGE, 1));
    assertThat(result.acceptedSpans()).isEqualTo(2);
    assertThat(result.records()).singleElement().satisfies(
        record -> assertThat(spanNames(parse(record))).containsExactly("span-1", "span-3"));
  }

  @Test
  void acceptedRequestHoldsExactlyTheAcceptedSpans() throws Exception {
    Span badTraceId = span(2, 2).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build();
    Span badParent = span(1, 4).toBuilder().setParentSpanId(ByteString.copyFrom(new byte[3])).build();
    Span tooLarge = withPayload(span(3, 6), LIMIT);
    ExportTraceServiceRequest request = request(
        resource("checkout",
            scope("http-server", span(1, 1), badTraceId, span(1, 3)),
            scope("jdbc", badParent)),
        resource("payment",
            scope("grpc-server", span(2, 5), tooLarge)));

    SplitResult result = splitter.split(request);
    ExportTraceServiceRequest accepted = ExportTraceServiceRequest.parseFrom(result.acceptedRequest());

    assertThat(spanNames(accepted)).containsExactlyInAnyOrder("span-1", "span-3", "span-5");
    assertThat(spanNames(accepted)).hasSize(result.acceptedSpans());
  }

  @Test
  void splitsTheEncodedRequestAsTheDecodedOne() throws Exception {
    SplitResult fromBytes = splitter.split(mixed.toByteArray());

    assertThat(fromBytes.records()).extracting(TraceRecord::traceId)
        .containsExactlyElementsOf(splitter.split(mixed).records().stream().map(TraceRecord::traceId).toList());
    assertThat(parse(fromBytes.records().get(0))).isEqualTo(filter(mixed, span -> span.getTraceId().equals(traceId(1))));
  }

  @Test
  void aBodyThatIsNotProtobufIsRefusedAsUndecodable() {
    byte[] truncated = java.util.Arrays.copyOf(mixed.toByteArray(), 40);

    assertThatThrownBy(() -> splitter.split(truncated))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageStartingWith("invalid OTLP protobuf");
  }

  @Test
  void invalidUtf8InAStringOfASpanRefusesTheWholeRequestAsADecodeWould() {
    Span span = span(1, 1).toBuilder().setStatus(Status.newBuilder().setMessage("ok")).build();
    byte[] body = request(resource("checkout", scope("http-server", span))).toByteArray();
    int at = indexOf(body, "ok".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    body[at] = (byte) 0xff;

    assertThatThrownBy(() -> splitter.split(body))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> OtlpCodec.decodeProtobuf(body)).isInstanceOf(OtlpDecodeException.class);
  }

  @Test
  void recordGetsAnEmptyResourceAndScopeWhenTheRequestHasNone() throws Exception {
    ExportTraceServiceRequest bare = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span(1, 1))))
        .build();

    ExportTraceServiceRequest record = parse(splitter.split(bare).records().get(0));

    assertThat(record.getResourceSpans(0).hasResource()).isTrue();
    assertThat(record.getResourceSpans(0).getScopeSpans(0).hasScope()).isTrue();
  }

  @Test
  void constructorRejectsALimitBelow1024Bytes() {
    assertThatThrownBy(() -> new TraceSplitter(1023))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRecordBytes")
        .hasMessageContaining("1023");
  }

  @Test
  void constructorAcceptsALimitOf1024Bytes() {
    assertThatCode(() -> new TraceSplitter(1024)).doesNotThrowAnyException();
  }

  /** One trace of 30 spans of about 500 bytes each, over two resources and three scopes, plus another trace. */
  private static ExportTraceServiceRequest largeTrace() {
    return request(
        resource("checkout",
            scope("http-server", bigSpans("checkout/http-server/", 0, 10)),
            scope("jdbc", bigSpans("checkout/jdbc/", 10, 10))),
        resource("payment",
            scope("grpc-server", bigSpans("payment/grpc-server/", 20, 10)),
            scope("other", span(2, 99))));
  }

  private static Span[] bigSpans(String prefix, int first, int count) {
    return IntStream.range(first, first + count)
        .mapToObj(i -> withPayload(span(1, i + 1).toBuilder().setName(prefix + i).build(), 500))
        .toArray(Span[]::new);
  }

  private static Span withPayload(Span span, int bytes) {
    return span.toBuilder().addAttributes(attribute("payload", "x".repeat(bytes))).build();
  }

  private static ExportTraceServiceRequest request(ResourceSpans... resources) {
    return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(List.of(resources)).build();
  }

  private static ResourceSpans resource(String service, ScopeSpans... scopes) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service)))
        .setSchemaUrl(RESOURCE_SCHEMA)
        .addAllScopeSpans(List.of(scopes))
        .build();
  }

  private static ScopeSpans scope(String name, Span... spans) {
    return ScopeSpans.newBuilder()
        .setScope(InstrumentationScope.newBuilder()
            .setName(name)
            .setVersion("1.2.0")
            .addAttributes(attribute("scope.attr", name + "-attr")))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0/" + name)
        .addAllSpans(List.of(spans))
        .build();
  }

  private static Span span(int trace, int span) {
    return Span.newBuilder()
        .setTraceId(traceId(trace))
        .setSpanId(spanId(span))
        .setName("span-" + span)
        .setStartTimeUnixNano(1_544_712_660_000_000_000L + span)
        .build();
  }

  /** High first byte so that the hex key shows whether it is lowercase. */
  private static ByteString traceId(int n) {
    byte[] id = new byte[TraceIds.TRACE_ID_BYTES];
    id[0] = (byte) 0xab;
    id[15] = (byte) n;
    return ByteString.copyFrom(id);
  }

  private static ByteString spanId(int n) {
    byte[] id = new byte[TraceIds.SPAN_ID_BYTES];
    id[0] = (byte) 0xcd;
    id[7] = (byte) n;
    return ByteString.copyFrom(id);
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** The request with only the spans matching {@code keep}; scopes and resources left empty are dropped. */
  private static ExportTraceServiceRequest filter(ExportTraceServiceRequest request, Predicate<Span> keep) {
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      ResourceSpans.Builder rsb = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder ssb = ss.toBuilder().clearSpans();
        ss.getSpansList().stream().filter(keep).forEach(ssb::addSpans);
        if (ssb.getSpansCount() > 0) {
          rsb.addScopeSpans(ssb);
        }
      }
      if (rsb.getScopeSpansCount() > 0) {
        out.addResourceSpans(rsb);
      }
    }
    return out.build();
  }

  private static List<String> spanNames(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream())
        .map(Span::getName)
        .toList();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  private static ExportTraceServiceRequest parse(TraceRecord record) {
    try {
      return ExportTraceServiceRequest.parseFrom(record.value());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("record value of " + record.traceId() + " is not an ExportTraceServiceRequest", e);
    }
  }
}

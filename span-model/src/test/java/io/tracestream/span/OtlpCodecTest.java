package io.tracestream.span;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OtlpCodecTest {
  /** examples/trace.json of open-telemetry/opentelemetry-proto (int64 times written as strings). */
  private static final String SPEC_EXAMPLE = """
      {
        "resourceSpans": [
          {
            "resource": {
              "attributes": [
                {
                  "key": "service.name",
                  "value": {
                    "stringValue": "my.service"
                  }
                }
              ]
            },
            "scopeSpans": [
              {
                "scope": {
                  "name": "my.library",
                  "version": "1.0.0",
                  "attributes": [
                    {
                      "key": "my.scope.attribute",
                      "value": {
                        "stringValue": "some scope attribute"
                      }
                    }
                  ]
                },
                "spans": [
                  {
                    "traceId": "5B8EFFF798038103D269B633813FC60C",
                    "spanId": "EEE19B7EC3C1B174",
                    "parentSpanId": "EEE19B7EC3C1B173",
                    "name": "I'm a server span",
                    "startTimeUnixNano": "1544712660000000000",
                    "endTimeUnixNano": "1544712661000000000",
                    "kind": 2,
                    "attributes": [
                      {
                        "key": "my.span.attr",
                        "value": {
                          "stringValue": "some value"
                        }
                      }
                    ]
                  }
                ]
              }
            ]
          }
        ]
      }
      """;

  private static final byte[] TRACE_ID = {0x5b, (byte) 0x8e, (byte) 0xff, (byte) 0xf7, (byte) 0x98, 0x03,
      (byte) 0x81, 0x03, (byte) 0xd2, 0x69, (byte) 0xb6, 0x33, (byte) 0x81, 0x3f, (byte) 0xc6, 0x0c};
  private static final byte[] SPAN_ID = {(byte) 0xee, (byte) 0xe1, (byte) 0x9b, 0x7e, (byte) 0xc3, (byte) 0xc1,
      (byte) 0xb1, 0x74};
  private static final byte[] PARENT_SPAN_ID = {(byte) 0xee, (byte) 0xe1, (byte) 0x9b, 0x7e, (byte) 0xc3,
      (byte) 0xc1, (byte) 0xb1, 0x73};

  @Test
  void specExampleDecodesResourceAndScope() throws Exception {
    ResourceSpans rs = decode(SPEC_EXAMPLE).getResourceSpans(0);
    ScopeSpans ss = rs.getScopeSpans(0);

    assertThat(rs.getResource().getAttributesList()).containsExactly(stringAttribute("service.name", "my.service"));
    assertThat(ss.getScope().getName()).isEqualTo("my.library");
    assertThat(ss.getScope().getVersion()).isEqualTo("1.0.0");
    assertThat(ss.getScope().getAttributesList())
        .containsExactly(stringAttribute("my.scope.attribute", "some scope attribute"));
  }

  @Test
  void specExampleDecodesHexIdsIntoTheirBytes() throws Exception {
    Span span = onlySpan(decode(SPEC_EXAMPLE));

    assertThat(span.getTraceId().toByteArray()).containsExactly(TRACE_ID);
    assertThat(span.getSpanId().toByteArray()).containsExactly(SPAN_ID);
    assertThat(span.getParentSpanId().toByteArray()).containsExactly(PARENT_SPAN_ID);
  }

  @Test
  void lowercaseHexIdsDecodeToTheSameBytes() throws Exception {
    Span span = onlySpan(decode(withLowercaseIds(SPEC_EXAMPLE)));

    assertThat(span.getTraceId().toByteArray()).containsExactly(TRACE_ID);
    assertThat(span.getSpanId().toByteArray()).containsExactly(SPAN_ID);
    assertThat(span.getParentSpanId().toByteArray()).containsExactly(PARENT_SPAN_ID);
  }

  @Test
  void specExampleDecodesNameKindTimesAndAttributes() throws Exception {
    Span span = onlySpan(decode(SPEC_EXAMPLE));

    assertThat(span.getName()).isEqualTo("I'm a server span");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1544712661000000000L);
    assertThat(span.getAttributesList()).containsExactly(stringAttribute("my.span.attr", "some value"));
  }

  @Test
  void kindWrittenAsEnumNameIsAccepted() throws Exception {
    Span span = onlySpan(decode(spanJson("\"kind\": \"SPAN_KIND_CLIENT\"")));

    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
  }

  @Test
  void fixed64TimesWrittenAsNumbersAreAccepted() throws Exception {
    Span span = onlySpan(decode(spanJson(
        "\"startTimeUnixNano\": 1544712660000000000, \"endTimeUnixNano\": 1544712661000000000")));

    assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1544712661000000000L);
  }

  @Test
  void fixed64TimesAboveLongMaxAreKeptUnsigned() throws Exception {
    // fixed64 is unsigned: 2^63 + 1 does not fit a signed long and must not be refused or clipped.
    Span span = onlySpan(decode(spanJson("\"startTimeUnixNano\": \"9223372036854775809\"")));

    assertThat(Long.toUnsignedString(span.getStartTimeUnixNano())).isEqualTo("9223372036854775809");
  }

  @Test
  void int64AttributeWrittenAsStringOrNumberIsAccepted() throws Exception {
    Span span = onlySpan(decode(spanJson("""
        "attributes": [
          {"key": "as.string", "value": {"intValue": "9007199254740993"}},
          {"key": "as.number", "value": {"intValue": 9007199254740993}}
        ]""")));

    assertThat(span.getAttributesList()).extracting(kv -> kv.getValue().getIntValue())
        .containsExactly(9007199254740993L, 9007199254740993L);
  }

  @Test
  void snakeCaseKeysAreAccepted() throws Exception {
    String json = """
        {"resource_spans": [{"scope_spans": [{"spans": [{
          "trace_id": "5b8efff798038103d269b633813fc60c",
          "span_id": "eee19b7ec3c1b174",
          "parent_span_id": "eee19b7ec3c1b173",
          "start_time_unix_nano": "1544712660000000000"
        }]}]}]}
        """;

    Span span = onlySpan(decode(json));

    assertThat(span.getTraceId().toByteArray()).containsExactly(TRACE_ID);
    assertThat(span.getSpanId().toByteArray()).containsExactly(SPAN_ID);
    assertThat(span.getParentSpanId().toByteArray()).containsExactly(PARENT_SPAN_ID);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    String json = """
        {"resourceSpans": [{"futureField": {"x": 1}, "scopeSpans": [{"spans": [{
          "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
          "name": "kept", "someNewSpanField": [1, 2, 3]
        }]}]}], "topLevelExtra": true}
        """;

    assertThat(onlySpan(decode(json)).getName()).isEqualTo("kept");
  }

  @Test
  void linkIdsAreHexDecoded() throws Exception {
    Span span = onlySpan(decode(spanJson("""
        "links": [{"traceId": "0102030405060708090A0B0C0D0E0F10", "spanId": "1112131415161718"}]""")));

    Span.Link link = span.getLinks(0);
    assertThat(TraceIds.toHex(link.getTraceId())).isEqualTo("0102030405060708090a0b0c0d0e0f10");
    assertThat(TraceIds.toHex(link.getSpanId())).isEqualTo("1112131415161718");
  }

  @Test
  void nonHexSpanIdIsRejectedNamingTheField() {
    String json = SPEC_EXAMPLE.replace("\"EEE19B7EC3C1B174\"", "\"7u4Zfj7DwbE=\"");

    assertThatThrownBy(() -> decode(json))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageContaining("spanId")
        .hasMessageContaining("7u4Zfj7DwbE=");
  }

  @Test
  void nonHexLinkTraceIdIsRejectedNamingTheField() {
    String json = spanJson("\"links\": [{\"traceId\": \"not-hex-not-hex-not-hex-not-hex-\", \"spanId\": \"1112131415161718\"}]");

    assertThatThrownBy(() -> decode(json))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageContaining("traceId");
  }

  @Test
  void malformedJsonIsRejected() {
    assertThatThrownBy(() -> decode("{\"resourceSpans\": [{\"scopeSpans\": ["))
        .isInstanceOf(OtlpDecodeException.class);
  }

  /** Two concatenated bodies must not decode as the first alone: the second's spans would vanish. */
  @Test
  void trailingContentAfterTheObjectIsRejected() {
    assertThatThrownBy(() -> decode(SPEC_EXAMPLE + SPEC_EXAMPLE))
        .isInstanceOf(OtlpDecodeException.class);
  }

  @Test
  void jsonArrayBodyIsRejected() {
    assertThatThrownBy(() -> decode("[" + SPEC_EXAMPLE + "]"))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageContaining("object");
  }

  @Test
  void valueOfTheWrongTypeIsRejected() {
    assertThatThrownBy(() -> decode(spanJson("\"startTimeUnixNano\": \"yesterday\"")))
        .isInstanceOf(OtlpDecodeException.class);
  }

  @Test
  void emptyObjectIsAnEmptyRequest() throws Exception {
    assertThat(decode("{}")).isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void protobufRoundTripGivesTheSameRequest() throws Exception {
    ExportTraceServiceRequest request = decode(SPEC_EXAMPLE);

    assertThat(OtlpCodec.decodeProtobuf(request.toByteArray())).isEqualTo(request);
  }

  @Test
  void truncatedProtobufIsRejected() throws Exception {
    byte[] full = decode(SPEC_EXAMPLE).toByteArray();
    byte[] truncated = Arrays.copyOf(full, full.length - 5);

    assertThatThrownBy(() -> OtlpCodec.decodeProtobuf(truncated))
        .isInstanceOf(OtlpDecodeException.class)
        .hasMessageContaining("protobuf");
  }

  @Test
  void encodeJsonOfPartialSuccessUsesLowerCamelCaseKeys() {
    ExportTraceServiceResponse response = ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(3)
            .setErrorMessage("3 spans rejected"))
        .build();

    String json = OtlpCodec.encodeJson(response);

    assertThat(json).isEqualTo(
        "{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":\"3 spans rejected\"}}");
  }

  private static String withLowercaseIds(String json) {
    return json
        .replace("5B8EFFF798038103D269B633813FC60C", "5b8efff798038103d269b633813fc60c")
        .replace("EEE19B7EC3C1B174", "eee19b7ec3c1b174")
        .replace("EEE19B7EC3C1B173", "eee19b7ec3c1b173");
  }

  /** A request with one span having valid ids plus {@code extraFields}. */
  private static String spanJson(String extraFields) {
    return """
        {"resourceSpans": [{"scopeSpans": [{"spans": [{
          "traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b174",
          %s
        }]}]}]}
        """.formatted(extraFields);
  }

  private static ExportTraceServiceRequest decode(String json) throws OtlpDecodeException {
    return OtlpCodec.decodeJson(json.getBytes(UTF_8));
  }

  private static Span onlySpan(ExportTraceServiceRequest request) {
    assertThat(request.getResourceSpansList()).hasSize(1);
    assertThat(request.getResourceSpans(0).getScopeSpansList()).hasSize(1);
    assertThat(request.getResourceSpans(0).getScopeSpans(0).getSpansList()).hasSize(1);
    return request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}

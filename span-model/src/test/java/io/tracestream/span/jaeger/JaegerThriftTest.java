package io.tracestream.span.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.SplitBudget;
import io.tracestream.span.SplitBudgetException;
import io.tracestream.span.TraceIds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JaegerThriftTest {
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  /** The format pin: libthrift with Jaeger's IDL still writes these bytes, version 1 of what the bridge reads. */
  @Test
  void libthriftWritesTheGoldenBytes() throws Exception {
    assertThat(HexFormat.of().formatHex(GoldenBatch.binary(GoldenBatch.batch())))
        .isEqualTo(HexFormat.of().formatHex(golden("batch-binary.v1.hex")));
    assertThat(HexFormat.of().formatHex(GoldenBatch.emitBatch(GoldenBatch.batch())))
        .isEqualTo(HexFormat.of().formatHex(golden("emitbatch-compact.v1.hex")));
  }

  @Test
  void aBinaryBatchIsReadWhole() throws Exception {
    assertGoldenSpans(JaegerThrift.readBatch(golden("batch-binary.v1.hex"), SplitBudget.UNLIMITED));
  }

  @Test
  void aCompactEmitBatchIsReadWhole() throws Exception {
    assertGoldenSpans(JaegerThrift.readEmitBatch(golden("emitbatch-compact.v1.hex"), SplitBudget.UNLIMITED));
  }

  @Test
  void theGoldenBatchTranslatesToOtlpAsJaegerJsonDoes() throws Exception {
    ExportTraceServiceRequest request =
        JaegerToOtlp.translate(JaegerThrift.readBatch(golden("batch-binary.v1.hex"), SplitBudget.UNLIMITED));

    assertThat(request.getResourceSpansCount()).isOne();
    ResourceSpans resource = request.getResourceSpans(0);
    assertThat(resource.getResource().getAttributesList()).extracting(KeyValue::getKey)
        .containsExactly("service.name", "hostname", "jaeger.version");
    List<Span> spans = resource.getScopeSpans(0).getSpansList();
    Span root = spans.get(0);
    assertThat(root.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(root.getStartTimeUnixNano()).isEqualTo(GoldenBatch.START * 1000);
    assertThat(root.getEndTimeUnixNano()).isEqualTo((GoldenBatch.START + 100_000) * 1000);
    assertThat(root.getParentSpanId()).isEmpty();
    assertThat(root.getAttributesList()).extracting(KeyValue::getKey)
        .containsExactly("http.status_code", "sampler.param", "ratio", "blob");
    assertThat(root.getEvents(0).getName()).isEqualTo("request.received");
    assertThat(root.getEvents(0).getTimeUnixNano()).isEqualTo((GoldenBatch.START + 10) * 1000);
    Span child = spans.get(1);
    assertThat(TraceIds.toHex(child.getParentSpanId())).isEqualTo("00f067aa0ba902b7");
    assertThat(child.getLinksList()).extracting(l -> TraceIds.toHex(l.getTraceId()), l -> TraceIds.toHex(l.getSpanId()))
        .containsExactly(tuple("00000000000000000000000000000007", "0000000000000009"));
    assertThat(child.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(child.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void whatTheSpansBecomeIsTakenFromTheBudgetBeforeItIsBuilt() throws Exception {
    AtomicLong taken = new AtomicLong();
    JaegerThrift.readBatch(golden("batch-binary.v1.hex"), bytes -> taken.addAndGet(bytes) >= 0);
    // 2 spans, 7 span tags, 2 process tags, 1 log with 2 fields, 2 references; strings at two bytes a char
    long strings = 2 * ("GET /checkout".length() + "charge".length() + "checkout".length()
        + "hostname host-1 jaeger.version Java-1.8.1".replace(" ", "").length()
        + "span.kind server http.status_code sampler.param ratio blob".replace(" ", "").length() + 3
        + "event request.received size".replace(" ", "").length()
        + "span.kind client error".replace(" ", "").length());
    assertThat(taken.get()).isEqualTo(2 * JaegerThrift.SPAN_COST + (7 + 2 + 1 + 2 + 2) * JaegerThrift.ELEMENT_COST
        + strings);

    assertThatThrownBy(() -> JaegerThrift.readBatch(golden("batch-binary.v1.hex"), bytes -> false))
        .isInstanceOf(SplitBudgetException.class);
  }

  @Test
  void aTruncatedBatchIsBadThriftNamingWhere() throws Exception {
    byte[] body = golden("batch-binary.v1.hex");
    byte[] cut = java.util.Arrays.copyOf(body, body.length - 5);

    assertThatThrownBy(() -> JaegerThrift.readBatch(cut, SplitBudget.UNLIMITED))
        .isInstanceOf(JaegerFormatException.class)
        .hasMessageStartingWith("bad Thrift (binary protocol) at byte ")
        .hasMessageContaining("truncated");
  }

  @Test
  void aHugeListLengthIsRefusedBeforeAnythingIsAllocated() {
    // Batch { 1: Process { 1: "s" }, 2: list<Span> of 2^31-1 elements } and nothing more
    byte[] body = HexFormat.of().parseHex("0c0001" + "0b000100000001" + "73" + "00" + "0f0002" + "0c" + "7fffffff");

    assertThatThrownBy(() -> JaegerThrift.readBatch(body, SplitBudget.UNLIMITED))
        .isInstanceOf(JaegerFormatException.class)
        .hasMessage("bad Thrift (binary protocol) at byte 15: a list of 2147483647 elements,"
            + " but only 0 bytes are left");
  }

  @Test
  void aHugeStringLengthIsRefusedBeforeAnythingIsAllocated() {
    byte[] body = HexFormat.of().parseHex("0c0001" + "0b0001" + "7ffffff0" + "00");

    assertThatThrownBy(() -> JaegerThrift.readBatch(body, SplitBudget.UNLIMITED))
        .isInstanceOf(JaegerFormatException.class)
        .hasMessage("bad Thrift (binary protocol) at byte 6: a string of 2147483632 bytes, but only 1 bytes are left");
  }

  @Test
  void deepNestingInAnUnknownFieldIsRefused() {
    // Batch { 9: struct { 9: struct { ... 20 deep } } }
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      hex.append("0c0009");
    }
    hex.append("00".repeat(21));

    assertThatThrownBy(() -> JaegerThrift.readBatch(HexFormat.of().parseHex(hex.toString()), SplitBudget.UNLIMITED))
        .isInstanceOf(JaegerFormatException.class)
        .hasMessage("bad Thrift (binary protocol) at byte 48: nested deeper than 16");
  }

  @Test
  void unknownFieldsAreSkipped() throws Exception {
    // Batch { 7: map<string,i32>{"a":1}, 1: Process { 1: "s", 3: list<double>[0.5] }, 2: list<Span>[] , 3: i64 }
    byte[] body = HexFormat.of().parseHex("0d0007" + "0b08" + "00000001" + "0000000161" + "00000001"
        + "0c0001" + "0b000100000001" + "73" + "0f0003" + "04" + "00000001" + "3fe0000000000000" + "00"
        + "0f0002" + "0c" + "00000000" + "0a0003" + "0000000000000005" + "00");

    assertThat(JaegerThrift.readBatch(body, SplitBudget.UNLIMITED)).isEmpty();
  }

  @Test
  void aBatchWithoutProcessOrSpansIsBadThrift() {
    assertThatThrownBy(() -> JaegerThrift.readBatch(HexFormat.of().parseHex("0f0002" + "0c" + "00000000" + "00"),
        SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (binary protocol) at byte 9: a Batch without its process (field 1)");
    assertThatThrownBy(() -> JaegerThrift.readBatch(HexFormat.of().parseHex("0c0001" + "00" + "00"),
        SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (binary protocol) at byte 5: a Batch without its spans (field 2)");
  }

  @Test
  void spansThatAreNotStructsAreBadThrift() {
    // Batch { 1: Process {}, 2: list<i64>[1] }
    byte[] body = HexFormat.of().parseHex("0c0001" + "00" + "0f0002" + "0a" + "00000001" + "0000000000000001" + "00");

    assertThatThrownBy(() -> JaegerThrift.readBatch(body, SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (binary protocol) at byte 12: a list of spans has elements of type 10,"
            + " expected 12 (struct)");
  }

  @Test
  void bytesAfterTheBatchAreBadThrift() throws Exception {
    byte[] body = golden("batch-binary.v1.hex");
    byte[] longer = java.util.Arrays.copyOf(body, body.length + 2);

    assertThatThrownBy(() -> JaegerThrift.readBatch(longer, SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (binary protocol) at byte " + body.length + ": 2 bytes after the end of the message");
  }

  @Test
  void aDatagramThatIsNotEmitBatchIsNamed() {
    assertThatThrownBy(() -> JaegerThrift.readEmitBatch("{\"json\":1}".getBytes(StandardCharsets.UTF_8),
        SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (compact protocol) at byte 0: protocol id 0x7b, expected 0x82:"
            + " not a compact-protocol message");
    // 0x82, version 1 oneway, seq 1, "emitZipkinBatch"
    byte[] zipkin = HexFormat.of().parseHex("828101" + "0f" + HexFormat.of().formatHex(
        "emitZipkinBatch".getBytes(StandardCharsets.US_ASCII)) + "00");
    assertThatThrownBy(() -> JaegerThrift.readEmitBatch(zipkin, SplitBudget.UNLIMITED))
        .hasMessage("bad Thrift (compact protocol) at byte 3: emitZipkinBatch (Zipkin spans) is not supported;"
            + " Jaeger clients send emitBatch");
  }

  @Test
  void everyTruncationOfTheGoldenDatagramIsBadThrift() throws Exception {
    byte[] datagram = golden("emitbatch-compact.v1.hex");
    for (int n = 0; n < datagram.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(datagram, n);
      assertThatThrownBy(() -> JaegerThrift.readEmitBatch(cut, SplitBudget.UNLIMITED)).as("first %d bytes", n)
          .isInstanceOf(JaegerFormatException.class)
          .hasMessageStartingWith("bad Thrift (compact protocol) at byte ");
    }
  }

  private static void assertGoldenSpans(List<JaegerSpan> spans) {
    assertThat(spans).hasSize(2);
    JaegerSpan root = spans.get(0);
    assertThat(TraceIds.toHex(root.traceId())).isEqualTo(TRACE);
    assertThat(TraceIds.toHex(root.spanId())).isEqualTo("00f067aa0ba902b7");
    assertThat(root.parentSpanId()).isEqualTo(ByteString.EMPTY);
    assertThat(root.operationName()).isEqualTo("GET /checkout");
    assertThat(root.startMicros()).isEqualTo(GoldenBatch.START);
    assertThat(root.durationMicros()).isEqualTo(100_000);
    assertThat(root.process().serviceName()).isEqualTo("checkout");
    assertThat(root.process().tags()).extracting(KeyValue::getKey).containsExactly("hostname", "jaeger.version");
    assertThat(root.tags()).extracting(KeyValue::getKey, KeyValue::getValue).containsExactly(
        tuple("span.kind", AnyValue.newBuilder().setStringValue("server").build()),
        tuple("http.status_code", AnyValue.newBuilder().setIntValue(200).build()),
        tuple("sampler.param", AnyValue.newBuilder().setBoolValue(true).build()),
        tuple("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()),
        tuple("blob", AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3})).build()));
    assertThat(root.logs()).singleElement().satisfies(log -> {
      assertThat(log.timestampMicros()).isEqualTo(GoldenBatch.START + 10);
      assertThat(log.fields()).extracting(KeyValue::getKey).containsExactly("event", "size");
    });
    JaegerSpan child = spans.get(1);
    assertThat(child.process()).isSameAs(root.process());
    assertThat(TraceIds.toHex(child.parentSpanId())).isEqualTo("00f067aa0ba902b7");
    assertThat(child.references()).extracting(JaegerSpan.Reference::childOf, r -> TraceIds.toHex(r.traceId()),
        r -> TraceIds.toHex(r.spanId())).containsExactly(
            tuple(true, TRACE, "00f067aa0ba902b7"),
            tuple(false, "00000000000000000000000000000007", "0000000000000009"));
    assertThat(child.tags()).extracting(KeyValue::getKey).containsExactly("span.kind", "error");
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = JaegerThriftTest.class.getResourceAsStream("/jaeger/" + name)) {
      if (in == null) {
        throw new IOException("no golden file /jaeger/" + name);
      }
      return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
    }
  }
}

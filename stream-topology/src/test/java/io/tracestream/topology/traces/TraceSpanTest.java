package io.tracestream.topology.traces;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.TraceIds;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSpanTest {
  static final String TRACE_ID = "5b8efff798038103d269b633813fc60c";
  static final String SPAN_ID = "eee19b7ec3c1b174";
  static final String PARENT_ID = "eee19b7ec3c1b173";

  static Span.Builder span() {
    return Span.newBuilder()
        .setTraceId(id(TRACE_ID))
        .setSpanId(id(SPAN_ID))
        .setParentSpanId(id(PARENT_ID))
        .setName("GET /orders")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_000)
        .setEndTimeUnixNano(3_500);
  }

  static ByteString id(String hex) {
    return ByteString.copyFrom(TraceIds.fromHex(hex));
  }

  static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  @Test void fromCopiesIdsAsHexKindTimesAndService() {
    TraceSpan span = TraceSpan.from(span().build(), "web");

    assertThat(span).isEqualTo(new TraceSpan(TRACE_ID, SPAN_ID, PARENT_ID, "web", "GET /orders",
        Span.SpanKind.SPAN_KIND_CLIENT_VALUE, false, 1_000, 3_500, Map.of(), java.util.List.of()));
  }

  @Test void fromGivesARootSpanAnEmptyParentId() {
    TraceSpan span = TraceSpan.from(span().clearParentSpanId().build(), "web");

    assertThat(span.parentSpanId()).isEmpty();
    assertThat(span.isRoot()).isTrue();
  }

  @Test void fromKeepsOnlyTheEdgeAttributesWithStringValues() {
    TraceSpan span = TraceSpan.from(span()
        .addAttributes(string("peer.service", "payments"))
        .addAttributes(string("db.system", "postgresql"))
        .addAttributes(string("db.namespace", "orders"))
        .addAttributes(string("db.name", "orders_legacy"))
        .addAttributes(string("server.address", "pg.internal"))
        .addAttributes(string("messaging.system", "kafka"))
        .addAttributes(string("messaging.destination.name", "trades"))
        .addAttributes(string("http.route", "/orders"))
        .addAttributes(string("db.statement", "SELECT 1"))
        .addAttributes(KeyValue.newBuilder().setKey("server.port").setValue(AnyValue.newBuilder().setIntValue(5432)))
        .addAttributes(KeyValue.newBuilder().setKey("server.address").setValue(AnyValue.newBuilder().setIntValue(1)))
        .build(), "web");

    assertThat(span.attributes()).containsOnly(
        Map.entry("peer.service", "payments"),
        Map.entry("db.system", "postgresql"),
        Map.entry("db.namespace", "orders"),
        Map.entry("db.name", "orders_legacy"),
        Map.entry("server.address", "pg.internal"),
        Map.entry("messaging.system", "kafka"),
        Map.entry("messaging.destination.name", "trades"));
  }

  @Test void fromSkipsEmptyAttributeValues() {
    TraceSpan span = TraceSpan.from(span().addAttributes(string("peer.service", "")).build(), "web");

    assertThat(span.attributes()).isEmpty();
  }

  @Test void fromCutsLongAttributeValues() {
    TraceSpan span = TraceSpan.from(span().addAttributes(string("server.address", "x".repeat(5000))).build(), "web");

    assertThat(span.attribute("server.address")).hasSize(TraceSpan.MAX_VALUE_CHARS);
  }

  @Test void fromMarksStatusErrorAsError() {
    Span error = span().setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build();
    Span ok = span().setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK)).build();

    assertThat(TraceSpan.from(error, "web").error()).isTrue();
    assertThat(TraceSpan.from(ok, "web").error()).isFalse();
  }

  @Test void fromCopiesSpanLinksAsHex() {
    TraceSpan span = TraceSpan.from(span()
        .addLinks(Span.Link.newBuilder().setTraceId(id("0af7651916cd43dd8448eb211c80319c")).setSpanId(id("b7ad6b7169203331")))
        .build(), "processor");

    assertThat(span.links()).containsExactly(
        new TraceSpan.LinkRef("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"));
  }

  @Test void durationOfASpanEndingBeforeItStartsIsZero() {
    TraceSpan span = Spans.client("a").time(5_000, 4_000).build();

    assertThat(span.durationNanos()).isZero();
  }
}

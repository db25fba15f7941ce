package io.tracestream.replay.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummaries;
import io.tracestream.topology.traces.TraceSummary;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JaegerJsonTest {
  private static final String FILE = Path.of("src/test/resources/jaeger/three-traces.json").toString();
  private static final String T1 = "0af7651916cd43dd8448eb211c80319c";
  private static final String T2 = "00000000000000004bf92f3577b34da6";
  private static final String T3 = "5b8efff798038103d269b633813fc60c";

  private static CollectingSink readFixture() {
    CollectingSink sink = new CollectingSink();
    new FileSource(List.of(FILE), null, InputStream.nullInputStream()).readAll(sink);
    return sink;
  }

  @Test
  void aJaegerDownloadIsDetectedAndReadAsOneRequestPerTrace() {
    CollectingSink sink = readFixture();

    assertThat(sink.bad).isEmpty();
    assertThat(sink.requests).hasSize(3);
    assertThat(sink.locations.get(0)).startsWith(FILE + ":3 (trace 1, traceID " + T1);
    assertThat(sink.spans()).hasSize(10);
  }

  @Test
  void theTracesGiveTheEdgesTheirSpansDescribe() {
    Map<String, List<TraceSpan>> traces = readFixture().traces();

    assertThat(DependencyLinker.link(traces.get(T1)).edges())
        .extracting(Edge::client, Edge::server, Edge::connectionType, Edge::failed)
        .containsExactlyInAnyOrder(
            tuple("user", "frontend", Edge.VIRTUAL_NODE, false),
            tuple("frontend", "checkout", Edge.UNSET, false),
            tuple("checkout", "payment", Edge.UNSET, true),
            tuple("checkout", "orders", Edge.DATABASE, false));
    assertThat(DependencyLinker.link(traces.get(T2)).edges())
        .extracting(Edge::client, Edge::server, Edge::connectionType, Edge::failed)
        .containsExactly(tuple("user", "frontend", Edge.VIRTUAL_NODE, true));
    assertThat(DependencyLinker.link(traces.get(T3)).edges())
        .extracting(Edge::client, Edge::server, Edge::connectionType)
        .containsExactlyInAnyOrder(
            tuple("user", "checkout", Edge.VIRTUAL_NODE),
            tuple("checkout", "shipping", Edge.MESSAGING_SYSTEM));
  }

  @Test
  void theTracesGiveTheSummariesTheirSpansDescribe() {
    Map<String, List<TraceSpan>> traces = readFixture().traces();

    TraceSummary checkout = TraceSummaries.of(traces.get(T1));
    assertThat(checkout).extracting(TraceSummary::rootService, TraceSummary::rootOperation, TraceSummary::spanCount,
        TraceSummary::error, TraceSummary::services)
        .containsExactly("frontend", "GET /checkout", 6, true, List.of("checkout", "frontend", "payment"));
    assertThat(checkout.startNanos()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(checkout.durationNanos()).isEqualTo(100_000_000L);

    TraceSummary home = TraceSummaries.of(traces.get(T2));
    assertThat(home).extracting(TraceSummary::traceId, TraceSummary::rootOperation, TraceSummary::spanCount,
        TraceSummary::error).containsExactly(T2, "GET /home", 1, true); // 503 on a server span

    TraceSummary orders = TraceSummaries.of(traces.get(T3));
    assertThat(orders).extracting(TraceSummary::rootService, TraceSummary::rootOperation, TraceSummary::services)
        .containsExactly("checkout", "POST /orders", List.of("checkout", "shipping"));
    assertThat(orders.durationNanos()).isEqualTo(90_000_000L);
  }

  @Test
  void tagsBecomeKindStatusScopeAndAttributesAndLogsBecomeEvents() {
    CollectingSink sink = readFixture();
    var resource = sink.requests.get(0).getResourceSpans(0);
    Span root = resource.getScopeSpans(0).getSpans(0);

    assertThat(resource.getResource().getAttributesList()).extracting(kv -> kv.getKey())
        .containsExactly("service.name", "host.name");
    assertThat(resource.getScopeSpans(0).getScope().getName()).isEqualTo("io.opentelemetry.servlet");
    assertThat(root.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(root.getAttributesList()).extracting(kv -> kv.getKey(), kv -> kv.getValue().getIntValue())
        .containsExactly(tuple("http.status_code", 200L));
    assertThat(root.getEndTimeUnixNano() - root.getStartTimeUnixNano()).isEqualTo(100_000_000L);
    assertThat(root.getEvents(0).getName()).isEqualTo("request.received");
    assertThat(root.getEvents(0).getTimeUnixNano()).isEqualTo(1_700_000_000_001_000_000L);
    assertThat(root.getEvents(0).getAttributes(0).getKey()).isEqualTo("size");

    Span payment = sink.requests.get(0).getResourceSpans(2).getScopeSpans(0).getSpans(0);
    assertThat(payment.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(payment.getStatus().getMessage()).isEqualTo("card declined");
    assertThat(payment.getAttributesList()).isEmpty(); // error and otel.status_description are not attributes

    Span consumer = sink.requests.get(2).getResourceSpans(1).getScopeSpans(0).getSpans(0);
    assertThat(consumer.getParentSpanId().isEmpty()).isTrue(); // FOLLOWS_FROM is a link, not a parent
    assertThat(consumer.getLinksCount()).isEqualTo(1);
  }

  @Test
  void aTraceWithABadIdIsReportedWithItsLineAndTheOthersAreKept() {
    String json = """
        {"data": [
          {"traceID": "zz", "spans": [{"traceID": "zz", "spanID": "01", "processID": "p1"}],
           "processes": {"p1": {"serviceName": "a"}}},
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "02", "processID": "p9",
             "startTime": 1, "duration": 1}], "processes": {"p1": {"serviceName": "a"}}},
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "02", "processID": "p1",
             "startTime": 1, "duration": 1}], "processes": {"p1": {"serviceName": "a"}}}
        ]}
        """;
    CollectingSink sink = new CollectingSink();

    new FileSource(List.of("-"), null, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))).readAll(sink);

    assertThat(sink.requests).hasSize(1);
    assertThat(sink.bad).hasSize(2);
    assertThat(sink.bad.keySet()).containsExactly("-:2 (trace 1, traceID zz)", "-:4 (trace 2, traceID 01)");
    assertThat(sink.bad.values()).satisfiesExactly(
        reason -> assertThat(reason).contains("traceID 'zz' is not hex"),
        reason -> assertThat(reason).contains("process 'p9'"));
  }

  @Test
  void invalidJsonEndsTheFileWithItsLine() {
    String json = "{\"data\": [\n{\"traceID\": \"01\", \"spans\": [], \"processes\": {}},\n{\"traceID\": \n";
    CollectingSink sink = new CollectingSink();

    new FileSource(List.of("-"), null, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))).readAll(sink);

    assertThat(sink.requests).hasSize(1);
    assertThat(sink.bad).hasSize(1);
    assertThat(sink.bad.values().iterator().next()).contains("invalid JSON after trace");
  }
}

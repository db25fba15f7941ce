package io.tracestream.bridge;

import static io.tracestream.bridge.BadBodies.attribute;
import static io.tracestream.bridge.BadBodies.nested;
import static io.tracestream.bridge.BadBodies.replace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TopicReader;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bad inputs of issue 11 that {@link OtlpProtocolIT} does not already cover, each against a bridge
 * with its default limits, each while a second client sends a valid request that must be served. The
 * answers are tabulated in docs/RELIABILITY.md.
 */
class BadInputIT {
  private static final String TOPIC = "bad-input-spans";
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  private static final AtomicLong TRACES = new AtomicLong(1);

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static Bridge bridge;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(4, TOPIC);
    bridge = TestBridges.start(KAFKA.bootstrapServers(), TOPIC);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", bridge.grpcPort()).usePlaintext()
        .maxInboundMessageSize(32 << 20).build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    bridge.close();
  }

  @Test
  void anyValueNestedDeeperThanProtobufsRecursionLimitGets400() throws Exception {
    ExportTraceServiceRequest request = request(span(nextTrace(), 1).addAttributes(attribute("deep", nested(200))));

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, request.toByteArray());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(com.google.rpc.Status.parseFrom(response.body()).getMessage())
        .startsWith("invalid OTLP protobuf").contains("recursion");
    assertThatThrownBy(() -> TraceServiceGrpc.newBlockingStub(channel).export(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void anyValueNestedDeeplyInJsonGets400() throws Exception {
    String value = "{\"arrayValue\":{\"values\":[".repeat(150) + "{\"stringValue\":\"x\"}" + "]}}".repeat(150);
    String body = json("\"attributes\":[{\"key\":\"deep\",\"value\":" + value + "}]");

    HttpResponse<byte[]> response = whileAnotherClientIsServed(JSON, body.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("\"code\":3", "invalid OTLP/JSON");
  }

  @Test
  void arraysAndKvlistsNestedWithinTheLimitAreStoredIntact() throws Exception {
    long trace = nextTrace();
    AnyValue kvlist = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(attribute("inner", nested(20)))).build();
    ExportTraceServiceRequest request = request(span(trace, 1).addAttributes(attribute("k", kvlist)));

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, request.toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(spansOf(trace, 1).get(0).getAttributes(0).getValue()).isEqualTo(kvlist);
  }

  @Test
  void aOneMegabyteAttributeValueRejectsThatSpanAsTooLargeAndKeepsTheOthers() throws Exception {
    long trace = nextTrace();
    ExportTraceServiceRequest request = request(
        span(trace, 1).addAttributes(attribute("big", AnyValue.newBuilder().setStringValue("x".repeat(1_000_000)).build())),
        span(trace, 2));

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, request.toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse body = ExportTraceServiceResponse.parseFrom(response.body());
    assertThat(body.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(body.getPartialSuccess().getErrorMessage()).contains("larger than the Kafka record limit");
    assertThat(spansOf(trace, 1)).extracting(s -> s.getSpanId().asReadOnlyByteBuffer().getLong()).containsExactly(2L);
  }

  @Test
  void invalidUtf8InAProtobufStringGets400() throws Exception {
    byte[] body = request(span(nextTrace(), 1).setName("@@@@")).toByteArray();
    replace(body, "@@@@".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe});

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(com.google.rpc.Status.parseFrom(response.body()).getMessage()).startsWith("invalid OTLP protobuf");
  }

  @Test
  void invalidUtf8InJsonGets400() throws Exception {
    byte[] body = json("\"name\":\"@@@@\"").getBytes(StandardCharsets.UTF_8);
    replace(body, "@@@@".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe});

    HttpResponse<byte[]> response = whileAnotherClientIsServed(JSON, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("\"code\":3", "invalid JSON");
  }

  @Test
  void oneHundredThousandSpansInOneRequestAreAllStored() throws Exception {
    long firstTrace = TRACES.getAndAdd(1_000);
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < 100_000; i++) {
      scope.addSpans(span(firstTrace + i % 1_000, i + 1));
    }
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build();

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, request.toByteArray());

    assertThat(request.getSerializedSize()).as("request bytes").isLessThan(16 << 20);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ExportTraceServiceResponse.parseFrom(response.body()).hasPartialSuccess()).isFalse();
    var records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC, Duration.ofSeconds(60),
        r -> countOfTraces(r, firstTrace, 1_000) >= 100_000);
    assertThat(countOfTraces(records, firstTrace, 1_000)).isEqualTo(100_000);
  }

  @Test
  void snakeCaseJsonKeysAreAccepted() throws Exception {
    long trace = nextTrace();
    String body = "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{\"trace_id\":\"" + hex(trace)
        + "\",\"span_id\":\"0000000000000001\",\"parent_span_id\":\"\",\"name\":\"snake\",\"start_time_unix_nano\":\"1\","
        + "\"end_time_unix_nano\":\"2\"}]}]}]}";

    HttpResponse<byte[]> response = whileAnotherClientIsServed(JSON, body.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    Span span = spansOf(trace, 1).get(0);
    assertThat(span.getName()).isEqualTo("snake");
    assertThat(span.getEndTimeUnixNano()).isEqualTo(2);
  }

  @Test
  void enumNamesAsStringsAreAccepted() throws Exception {
    long trace = nextTrace();
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + hex(trace)
        + "\",\"spanId\":\"0000000000000001\",\"name\":\"enums\",\"kind\":\"SPAN_KIND_CLIENT\","
        + "\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}]}]}]}";

    HttpResponse<byte[]> response = whileAnotherClientIsServed(JSON, body.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    Span span = spansOf(trace, 1).get(0);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void unknownProtobufFieldsAreIgnored() throws Exception {
    long trace = nextTrace();
    byte[] known = request(span(trace, 1)).toByteArray();
    // field 99, length-delimited, appended at the top level: a field from a future OTLP version
    byte[] future = {(byte) 0x9a, 0x06, 3, 'n', 'e', 'w'};
    byte[] body = java.util.Arrays.copyOf(known, known.length + future.length);
    System.arraycopy(future, 0, body, known.length, future.length);

    HttpResponse<byte[]> response = whileAnotherClientIsServed(PROTOBUF, body);

    assertThat(response.statusCode()).isEqualTo(200);
    spansOf(trace, 1);
  }

  /** Sends {@code body} and, while it is in flight, a valid request from another client, which must get 200. */
  private static HttpResponse<byte[]> whileAnotherClientIsServed(String contentType, byte[] body) throws Exception {
    CompletableFuture<HttpResponse<byte[]>> bad = CompletableFuture.supplyAsync(() -> {
      try {
        return TestBridges.post(bridge, contentType, body);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    long trace = nextTrace();
    HttpResponse<byte[]> good = TestBridges.post(bridge, PROTOBUF, request(span(trace, 1)).toByteArray());
    assertThat(good.statusCode()).as("the other client's answer").isEqualTo(200);
    return bad.get(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static long nextTrace() {
    return TRACES.getAndIncrement();
  }

  private static String hex(long trace) {
    return TraceIds.toHex(traceId(trace));
  }

  private static ByteString traceId(long trace) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0xBAD).putLong(trace).array());
  }

  private static Span.Builder span(long trace, long id) {
    return Span.newBuilder().setTraceId(traceId(trace))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName("op").setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(1).setEndTimeUnixNano(2);
  }

  private static ExportTraceServiceRequest request(Span.Builder... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span.Builder span : spans) {
      scope.addSpans(span);
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build();
  }

  private static String json(String spanFields) {
    return "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + hex(nextTrace())
        + "\",\"spanId\":\"0000000000000001\"," + spanFields + "}]}]}]}";
  }




  private static List<Span> spansOf(long trace, int expected) {
    String key = hex(trace);
    var records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC, Duration.ofSeconds(30),
        r -> TestBridges.spans(r).stream().filter(e -> e.getKey().equals(key)).count() >= expected);
    List<Span> spans = TestBridges.spans(records).stream().filter(e -> e.getKey().equals(key))
        .map(Map.Entry::getValue).toList();
    assertThat(spans).hasSize(expected);
    return spans;
  }

  private static long countOfTraces(List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> records,
      long first, int traces) {
    return TestBridges.spans(records).stream().filter(e -> {
      ByteBuffer id = e.getValue().getTraceId().asReadOnlyByteBuffer();
      long n = id.getLong(8);
      return id.getLong(0) == 0xBAD && n >= first && n < first + traces;
    }).count();
  }
}

package io.tracestream.bridge;

import static io.tracestream.bridge.BadBodies.gzip;
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
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OTLP/HTTP and OTLP/gRPC as the spec has them, bad input included, against a real broker. */
class OtlpProtocolIT {
  private static final String TOPIC = "protocol-spans";
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static Bridge bridge;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(4, TOPIC);
    bridge = TestBridges.start(KAFKA.bootstrapServers(), TOPIC, "bridge.max.request.bytes=1MiB");
    channel = NettyChannelBuilder.forAddress("127.0.0.1", bridge.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    bridge.close();
  }

  /** The trace example of the OTLP spec (opentelemetry-proto examples/trace.json), ids in upper case. */
  private static final String SPEC_EXAMPLE = """
      {
        "resourceSpans": [{
          "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
          "scopeSpans": [{
            "scope": {"name": "my.library", "version": "1.0.0",
                      "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]},
            "spans": [{
              "traceId": "5B8EFFF798038103D269B633813FC60C",
              "spanId": "EEE19B7EC3C1B174",
              "parentSpanId": "EEE19B7EC3C1B173",
              "name": "I'm a server span",
              "startTimeUnixNano": "1544712660000000000",
              "endTimeUnixNano": 1544712661000000000,
              "kind": 2,
              "status": {"code": 1},
              "someFutureField": {"ignored": true},
              "attributes": [
                {"key": "my.span.attr", "value": {"stringValue": "some value"}},
                {"key": "retries", "value": {"intValue": "3"}}
              ]
            }]
          }]
        }]
      }
      """;

  @Test
  void otlpJsonAsTheSpecWritesItIsAcceptedAndStoredAsProtobuf() throws Exception {
    HttpResponse<byte[]> response = TestBridges.post(bridge, JSON, SPEC_EXAMPLE.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
    List<Span> spans = spansOfTrace("5b8efff798038103d269b633813fc60c", 1);
    Span span = spans.get(0);
    assertThat(TraceIds.toHex(span.getSpanId())).isEqualTo("eee19b7ec3c1b174");
    assertThat(TraceIds.toHex(span.getParentSpanId())).isEqualTo("eee19b7ec3c1b173");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1544712661000000000L);
    assertThat(span.getAttributes(1).getValue().getIntValue()).isEqualTo(3);
  }

  @Test
  void invalidIdsAreRejectedThroughPartialSuccessWhileTheRestIsAccepted() throws Exception {
    ExportTraceServiceRequest good = new SpanGenerator(7).request(1, 3, 2);
    Span valid = good.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    ExportTraceServiceRequest request = good.toBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(valid.toBuilder().setTraceId(ByteString.copyFrom(new byte[16])))
            .addSpans(valid.toBuilder().setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3})))))
        .build();

    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, request.toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse body = ExportTraceServiceResponse.parseFrom(response.body());
    assertThat(body.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
    assertThat(body.getPartialSuccess().getErrorMessage()).contains("trace id", "span id");
    spansOfTrace(TraceIds.toHex(valid.getTraceId()), 3);

    ExportTraceServiceResponse grpc = TraceServiceGrpc.newBlockingStub(channel).export(request);
    assertThat(grpc.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
  }

  @Test
  void emptyRequestSucceeds() throws Exception {
    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, new byte[0]);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ExportTraceServiceResponse.parseFrom(response.body()).hasPartialSuccess()).isFalse();
  }

  @Test
  void gzipBodiesAreAccepted() throws Exception {
    ExportTraceServiceRequest request = new SpanGenerator(8).request(2, 4, 3);

    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, gzip(request.toByteArray()),
        "Content-Encoding", "gzip");

    assertThat(response.statusCode()).isEqualTo(200);
    String traceId = TraceIds.toHex(request.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId());
    spansOfTrace(traceId, 4);
  }

  @Test
  void gzipBombIsRefusedWith413WithoutInflatingIt() throws Exception {
    byte[] bomb = gzip(new byte[64 << 20]); // 64 MiB of zeros, about 64 KiB compressed: 1000:1

    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, bomb, "Content-Encoding", "gzip");

    assertThat(bomb.length).isLessThan(128 << 10);
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(com.google.rpc.Status.parseFrom(response.body()).getMessage())
        .contains("larger than 1048576 bytes after decompression");
  }

  @Test
  void bodyOverTheLimitGets413WhetherItsLengthIsDeclaredOrChunked() throws Exception {
    byte[] body = new byte[(1 << 20) + 4096];
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.httpPort() + "/v1/traces"))
        .header("Content-Type", PROTOBUF);

    HttpResponse<byte[]> declared = TestBridges.HTTP.send(request.copy()
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> chunked = TestBridges.HTTP.send(request.copy()
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
        HttpResponse.BodyHandlers.ofByteArray());

    for (HttpResponse<byte[]> response : List.of(declared, chunked)) {
      assertThat(response.statusCode()).isEqualTo(413);
      assertThat(com.google.rpc.Status.parseFrom(response.body()).getMessage())
          .isEqualTo("request body is larger than 1048576 bytes");
    }
    assertThat(TestBridges.post(bridge, PROTOBUF, new SpanGenerator(12).request(1, 1, 1).toByteArray()).statusCode())
        .as("a request after them").isEqualTo(200);
  }

  @Test
  void oversizedGrpcMessageGetsResourceExhaustedEvenWhenGzipped() {
    ExportTraceServiceRequest big = bigRequest(2 << 20);
    var stub = TraceServiceGrpc.newBlockingStub(channel).withCompression("gzip");

    assertThatThrownBy(() -> stub.export(big))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void unsupportedContentTypeGets415() throws Exception {
    HttpResponse<byte[]> response = TestBridges.post(bridge, "text/plain", "hello".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("unsupported Content-Type text/plain");
  }

  @Test
  void otherMethodsThanPostGet405() throws Exception {
    HttpResponse<String> response = TestBridges.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.httpPort() + "/v1/traces")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void undecodableProtobufGets400WithAStatusMessage() throws Exception {
    byte[] truncated = java.util.Arrays.copyOf(new SpanGenerator(9).request(1, 2, 2).toByteArray(), 40);

    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, truncated);

    assertThat(response.statusCode()).isEqualTo(400);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(response.body());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
    assertThat(status.getMessage()).startsWith("invalid OTLP protobuf");
  }

  @Test
  void undecodableJsonGets400WithAJsonStatus() throws Exception {
    HttpResponse<byte[]> response = TestBridges.post(bridge, JSON, "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("\"code\":3", "invalid JSON");
  }

  @Test
  void undecodableGrpcBytesGetInvalidArgument() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
            channel, OtlpGrpcBytes.EXPORT, io.grpc.CallOptions.DEFAULT, garbage))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("invalid OTLP protobuf");
        });
  }

  @Test
  void aTraceLargerThanOneRecordIsSplitUnderItsKeyAndNothingIsDropped() throws Exception {
    ExportTraceServiceRequest big = bigRequest(1000 << 10); // one trace of ~1000 KiB; the record limit is 900 KiB
    String traceId = TraceIds.toHex(big.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId());

    HttpResponse<byte[]> response = TestBridges.post(bridge, PROTOBUF, big.toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    int spans = big.getResourceSpans(0).getScopeSpans(0).getSpansCount();
    var records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC, Duration.ofSeconds(30),
        r -> r.stream().filter(x -> x.key().equals(traceId)).count() >= 2
            && TestBridges.spans(r).stream().filter(e -> e.getKey().equals(traceId)).count() >= spans);
    assertThat(records.stream().filter(r -> r.key().equals(traceId))).allSatisfy(
        r -> assertThat(r.value().length).isLessThanOrEqualTo(900 << 10));
    assertThat(TestBridges.spans(records).stream().filter(e -> e.getKey().equals(traceId))).hasSize(spans);
  }

  @Test
  void metricsCountRequestsByTransportAndOutcome() throws Exception {
    TestBridges.post(bridge, "text/plain", new byte[1]);
    TestBridges.post(bridge, PROTOBUF, new SpanGenerator(10).request(1, 1, 1).toByteArray());

    String metrics = TestBridges.get(bridge, "/metrics").body();

    assertThat(metrics).containsPattern(
        "tracestream_bridge_requests_total\\{outcome=\"unsupported_media_type\",transport=\"http\"} [1-9]");
    assertThat(metrics).containsPattern(
        "tracestream_bridge_requests_total\\{outcome=\"success\",transport=\"http\"} [1-9]");
    assertThat(metrics).containsPattern("tracestream_bridge_spans_accepted_total\\{transport=\"http\"} [1-9]");
    assertThat(metrics).contains("tracestream_bridge_kafka_send_seconds_bucket");
    assertThat(TestBridges.get(bridge, "/health/live").statusCode()).isEqualTo(200);
    assertThat(TestBridges.get(bridge, "/health/ready").statusCode()).isEqualTo(200);
  }

  /** One trace of spans with 4 KiB attributes, about {@code bytes} in all. */
  private static ExportTraceServiceRequest bigRequest(int bytes) {
    ExportTraceServiceRequest seed = new SpanGenerator(11).request(1, 1, 0);
    Span template = seed.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    String payload = "x".repeat(4096);
    for (int i = 0; i < bytes / 4200; i++) {
      byte[] id = ByteString.copyFromUtf8(String.format("%08d", i + 1)).toByteArray();
      scope.addSpans(template.toBuilder().setSpanId(ByteString.copyFrom(id))
          .addAttributes(KeyValue.newBuilder().setKey("payload").setValue(AnyValue.newBuilder().setStringValue(payload))));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(seed.getResourceSpans(0).toBuilder().clearScopeSpans().addScopeSpans(scope)).build();
  }

  private static List<Span> spansOfTrace(String traceId, int expected) {
    var records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC, Duration.ofSeconds(30),
        r -> TestBridges.spans(r).stream().filter(e -> e.getKey().equals(traceId)).count() >= expected);
    List<Span> spans = TestBridges.spans(records).stream().filter(e -> e.getKey().equals(traceId))
        .map(java.util.Map.Entry::getValue).toList();
    assertThat(spans).hasSize(expected);
    return spans;
  }

}

package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real OpenTelemetry Java SDK exports through the bridge; a consumer reads back exactly its spans. */
class OtelSdkExportIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static Bridge grpcBridge;
  static Bridge httpBridge;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(4, "sdk-grpc", "sdk-http");
    grpcBridge = TestBridges.start(KAFKA.bootstrapServers(), "sdk-grpc");
    httpBridge = TestBridges.start(KAFKA.bootstrapServers(), "sdk-http");
  }

  @AfterAll
  static void stop() {
    grpcBridge.close();
    httpBridge.close();
  }

  @Test
  void spansExportedOverGrpcReachKafkaKeyedByTheirTraceId() {
    SpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + grpcBridge.grpcPort()).build();
    Map<String, String> sent = exportTraces(exporter, 60);
    assertReadBackExactly("sdk-grpc", sent);
  }

  @Test
  void spansExportedOverHttpProtobufReachKafkaKeyedByTheirTraceId() {
    SpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + httpBridge.httpPort() + "/v1/traces").build();
    Map<String, String> sent = exportTraces(exporter, 60);
    assertReadBackExactly("sdk-http", sent);
  }

  /** Creates {@code traces} traces of 1..12 nested spans over three services; returns span id → trace id. */
  private static Map<String, String> exportTraces(SpanExporter exporter, int traces) {
    Map<String, String> ended = new ConcurrentHashMap<>();
    SpanProcessor recorder = new SpanProcessor() {
      @Override public void onStart(Context parent, ReadWriteSpan span) {}
      @Override public boolean isStartRequired() { return false; }
      @Override public void onEnd(ReadableSpan span) {
        ended.put(span.getSpanContext().getSpanId(), span.getSpanContext().getTraceId());
      }
      @Override public boolean isEndRequired() { return true; }
    };
    List<SdkTracerProvider> providers = new ArrayList<>();
    for (String service : List.of("checkout", "payments", "inventory")) {
      providers.add(SdkTracerProvider.builder()
          .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
          .addSpanProcessor(recorder)
          .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(128).build())
          .build());
    }
    for (int t = 0; t < traces; t++) {
      Tracer front = providers.get(0).get("test");
      Span root = front.spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER).startSpan();
      Context parent = Context.root().with(root);
      for (int i = 0; i < t % 12; i++) {
        Tracer tracer = providers.get(1 + i % 2).get("test");
        Span child = tracer.spanBuilder("call-" + i).setParent(parent).setSpanKind(SpanKind.CLIENT)
            .setAttribute(AttributeKey.longKey("attempt"), i).startSpan();
        child.end();
      }
      root.end();
    }
    for (SdkTracerProvider provider : providers) {
      CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
      assertThat(flushed.isSuccess()).as("the SDK's export succeeded").isTrue();
    }
    providers.forEach(SdkTracerProvider::close);
    return ended;
  }

  private static void assertReadBackExactly(String topic, Map<String, String> sent) {
    List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(KAFKA.bootstrapServers(), topic,
        Duration.ofSeconds(30), r -> TestBridges.spanIdsOf(r).size() >= sent.size());
    List<Map.Entry<String, io.opentelemetry.proto.trace.v1.Span>> read = TestBridges.spans(records);

    assertThat(read).allSatisfy(e ->
        assertThat(e.getKey()).as("record key").isEqualTo(TraceIds.toHex(e.getValue().getTraceId())));
    Map<String, String> readBack = read.stream().collect(Collectors.toMap(
        e -> TraceIds.toHex(e.getValue().getSpanId()), e -> e.getKey()));
    assertThat(read).as("no span read twice").hasSize(readBack.size());
    assertThat(readBack).isEqualTo(sent);
    Set<String> services = records.stream()
        .flatMap(r -> parse(r.value()).getResourceSpansList().stream())
        .flatMap(rs -> rs.getResource().getAttributesList().stream())
        .filter(kv -> kv.getKey().equals("service.name"))
        .map(kv -> kv.getValue().getStringValue())
        .collect(Collectors.toSet());
    assertThat(services).as("resources kept").containsExactlyInAnyOrder("checkout", "payments", "inventory");
  }

  private static io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest parse(byte[] value) {
    try {
      return io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(value);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}

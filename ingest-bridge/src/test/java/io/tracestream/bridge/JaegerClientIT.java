package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.CompositeReporter;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.jaegertracing.internal.reporters.RemoteReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.senders.HttpSender;
import io.jaegertracing.thrift.internal.senders.UdpSender;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentracing.References;
import io.opentracing.tag.Tags;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TopicReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real Jaeger Java client (jaeger-client 1.8.1) sends over UDP (the agent's emitBatch) and over HTTP (POST
 * /api/traces) to one bridge; exactly its spans arrive on the topic, keyed by trace id, as it made them.
 */
class JaegerClientIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final String TOPIC = "jaeger-spans";
  private static final int UDP_TRACES = 40;
  private static final int HTTP_TRACES = 30;

  static Bridge bridge;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(4, TOPIC);
    bridge = TestBridges.start(KAFKA.bootstrapServers(), TOPIC, "bridge.jaeger.http.port=0",
        "bridge.jaeger.udp.port=0");
  }

  @AfterAll
  static void stop() {
    bridge.close();
  }

  @Test
  void spansSentOverUdpAndHttpArriveExactlyOnceAsTheClientMadeThem() throws Exception {
    // Given a UDP client with 128-bit trace ids and an HTTP client with 64-bit ones, as the clients default
    List<JaegerSpan> udp = send("checkout", new UdpSender("127.0.0.1", bridge.jaegerUdpPort().getAsInt(), 0),
        true, UDP_TRACES);
    List<JaegerSpan> http = send("payments", new HttpSender.Builder(
        "http://127.0.0.1:" + bridge.jaegerHttpPort().getAsInt() + JaegerHttpReceiver.PATH).build(),
        false, HTTP_TRACES);
    int sent = udp.size() + http.size();

    // When the topic is read
    List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC,
        Duration.ofSeconds(30), r -> TestBridges.spanIdsOf(r).size() >= sent);

    // Then every span is there once, under its trace id, with its times, tags, process and references
    Map<String, Read> read = read(records);
    assertThat(TestBridges.spanIdsOf(records)).as("no span twice").hasSize(sent).doesNotHaveDuplicates();
    assertThat(read).hasSize(sent);
    udp.forEach(span -> assertSameSpan(span, read.get(spanId(span)), "checkout"));
    http.forEach(span -> assertSameSpan(span, read.get(spanId(span)), "payments"));
    String metrics = AdminPort.scrape(bridge.adminPort());
    assertThat(AdminPort.samples(metrics, "tracestream_bridge_spans_accepted_total"))
        .containsEntry("transport=\"jaeger_udp\"", (double) udp.size())
        .containsEntry("transport=\"jaeger_http\"", (double) http.size());
  }

  /** Traces of 1..5 spans: a server root, client children, one FOLLOWS_FROM reference per trace of 3 or more. */
  private static List<JaegerSpan> send(String service, Sender sender, boolean traceId128, int traces) {
    InMemoryReporter made = new InMemoryReporter();
    RemoteReporter remote = new RemoteReporter.Builder().withSender(sender).withFlushInterval(100)
        .withMaxQueueSize(10_000).build();
    JaegerTracer.Builder builder = new JaegerTracer.Builder(service)
        .withReporter(new CompositeReporter(remote, made))
        .withSampler(new ConstSampler(true))
        .withTag("deployment", "it");
    if (traceId128) {
      builder.withTraceId128Bit();
    }
    JaegerTracer tracer = builder.build();
    for (int t = 0; t < traces; t++) {
      io.opentracing.Span root = tracer.buildSpan("GET /" + service).withTag(Tags.SPAN_KIND, Tags.SPAN_KIND_SERVER)
          .withTag("http.status_code", 200).start();
      io.opentracing.Span previous = null;
      for (int i = 0; i < t % 5; i++) {
        io.opentracing.Tracer.SpanBuilder child = tracer.buildSpan("call-" + i).asChildOf(root)
            .withTag(Tags.SPAN_KIND, Tags.SPAN_KIND_CLIENT).withTag("attempt", i).withTag("ratio", 0.5);
        if (previous != null) {
          child.addReference(References.FOLLOWS_FROM, previous.context());
        }
        io.opentracing.Span span = child.start();
        span.log(Map.of("event", "sent", "bytes", 10 * i));
        span.finish();
        previous = span;
      }
      root.finish();
    }
    tracer.close(); // flushes the reporter and closes the sender
    return made.getSpans();
  }

  private record Read(String key, ResourceSpans resource, Span span) {}

  private static Map<String, Read> read(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, Read> read = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(record.value());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList()
          .forEach(span -> read.put(TraceIds.toHex(span.getSpanId()), new Read(record.key(), rs, span)))));
    }
    return read;
  }

  private static void assertSameSpan(JaegerSpan sent, Read read, String service) {
    String what = service + " span " + spanId(sent);
    assertThat(read).as(what).isNotNull();
    String traceId = String.format("%016x%016x", sent.context().getTraceIdHigh(), sent.context().getTraceIdLow());
    assertThat(read.key()).as(what + " key").isEqualTo(traceId);
    assertThat(TraceIds.toHex(read.span().getTraceId())).as(what).isEqualTo(traceId);
    long parent = sent.context().getParentId();
    assertThat(TraceIds.toHex(read.span().getParentSpanId())).as(what + " parent")
        .isEqualTo(parent == 0 ? "" : String.format("%016x", parent));
    assertThat(read.span().getName()).isEqualTo(sent.getOperationName());
    assertThat(read.span().getStartTimeUnixNano()).as(what).isEqualTo(sent.getStart() * 1000);
    assertThat(read.span().getEndTimeUnixNano()).as(what).isEqualTo((sent.getStart() + sent.getDuration()) * 1000);
    assertThat(read.span().getKind()).isEqualTo(parent == 0 ? Span.SpanKind.SPAN_KIND_SERVER
        : Span.SpanKind.SPAN_KIND_CLIENT);
    Map<String, String> attributes = read.span().getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> TestBridges.text(kv.getValue())));
    sent.getTags().forEach((key, value) -> {
      if (!key.equals(Tags.SPAN_KIND.getKey())) {
        assertThat(attributes).as(what + " tags").containsEntry(key, String.valueOf(value));
      }
    });
    assertThat(attributes).as(what + " no other tags").hasSize(sent.getTags().size() - 1);
    List<String> links = read.span().getLinksList().stream().map(l -> TraceIds.toHex(l.getSpanId())).toList();
    assertThat(links).as(what + " FOLLOWS_FROM as links").containsExactlyElementsOf(sent.getReferences().stream()
        .filter(r -> r.getType().equals(References.FOLLOWS_FROM))
        .map(r -> String.format("%016x", r.getSpanContext().getSpanId())).toList());
    assertThat(read.span().getEventsCount()).isEqualTo(sent.getLogs() == null ? 0 : sent.getLogs().size());
    Map<String, String> resource = read.resource().getResource().getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> TestBridges.text(kv.getValue())));
    assertThat(resource).as(what + " process").containsEntry("service.name", service)
        .containsEntry("deployment", "it").containsEntry("jaeger.version", "Java-1.8.1").containsKey("hostname");
  }

  private static String spanId(JaegerSpan span) {
    return String.format("%016x", span.context().getSpanId());
  }
}

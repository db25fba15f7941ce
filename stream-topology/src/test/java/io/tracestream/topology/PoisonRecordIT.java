package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.config.Settings;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TopicReader;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records on a real broker, read by the topology with exactly_once_v2: each goes to the DLQ
 * with its bytes and error headers, the spans around it are counted in the committed window results,
 * and the app keeps running. {@code StreamTopologyTest} covers the same with TopologyTestDriver, which
 * has no transactions, no producer and no stream-thread replacement.
 */
class PoisonRecordIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String SPANS = "poison_spans";
  private static final String DLQ = "poison_dlq";
  private static final String RESULTS = "poison_span_metrics";
  private static final String SERVICE = "cart";
  private static final String OPERATION = "GET /cart";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  private long nextId = 1;

  @Test
  void poisonRecordsGoToTheDlqWithTheirBytesAndHeadersAndTheSpansAroundThemAreCounted() throws Exception {
    // One partition, so "before" and "after" are an order the topology must follow.
    KAFKA.createTopics(1, SPANS);
    Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "topic.dlq", DLQ, "topic.span-metrics", RESULTS,
        "topology.application.id", "poison-it", "topology.window", "10s", "topology.grace", "1s",
        "topology.admin.port", "0", "topology.state.dir", stateDir.toString(), "kafka.commit.interval.ms", "200"));
    settings.putAll(Map.of("topic.traces", "poison_traces", "topic.trace-metrics", "poison_trace_metrics",
        "topic.edges", "poison_edges"));
    // Windows close on event time only (the flush span below), never on the wall clock, so a slow
    // machine cannot make the spans sent after the poison late.
    settings.put("topology.idle.close", "10m");

    long windowStart = (Instant.now().minusSeconds(120).toEpochMilli() / 10_000) * 10_000;
    byte[] valid = request(windowStart + 1_000, 1).toByteArray();
    byte[] random = new byte[512];
    new Random(11).nextBytes(random);
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);
    assertThatThrownBy(() -> ExportTraceServiceRequest.parseFrom(random)).as("random bytes are not OTLP")
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> ExportTraceServiceRequest.parseFrom(truncated)).as("half a request is not OTLP")
        .isInstanceOf(InvalidProtocolBufferException.class);

    try (TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(settings)));
        KafkaProducer<byte[], byte[]> producer = producer()) {
      // Given 20 valid records of 5 spans each (every fifth span an error), all in one 10 s window
      Map<SeriesKey, Long> expected = new HashMap<>();
      for (int i = 0; i < 20; i++) {
        send(producer, request(windowStart + 1_000 + i * 100L, 5), expected);
      }
      // When three poison records follow: random bytes, a truncated request and a tombstone
      List<Poison> poisons = new ArrayList<>();
      for (byte[] value : new byte[][] {random, truncated, null}) {
        byte[] key = ("poison-" + poisons.size()).getBytes(StandardCharsets.UTF_8);
        RecordMetadata at = producer.send(new ProducerRecord<>(SPANS, key, value)).get();
        poisons.add(new Poison(key, value, at.partition(), at.offset()));
      }
      // And 20 more valid records in the same window
      for (int i = 0; i < 20; i++) {
        send(producer, request(windowStart + 5_000 + i * 100L, 5), expected);
      }
      // And a span three windows later, whose event time closes the first window (end + grace)
      send(producer, request(windowStart + 35_000, 1), new HashMap<>());

      // Then each poison record is on the DLQ once, with its key, its bytes and headers naming the error
      // and the record it was
      List<ConsumerRecord<String, byte[]>> dead = TopicReader.readUntil(KAFKA.bootstrapServers(), DLQ,
          Duration.ofSeconds(30), r -> r.size() >= poisons.size());
      assertThat(dead).hasSize(poisons.size());
      for (int i = 0; i < poisons.size(); i++) {
        Poison poison = poisons.get(i);
        ConsumerRecord<String, byte[]> record = dead.get(i);
        assertThat(record.key()).isEqualTo(new String(poison.key(), StandardCharsets.UTF_8));
        assertThat(record.value()).as("bytes of %s", record.key()).isEqualTo(poison.value());
        assertThat(header(record, "tracestream.error")).as("error of %s", record.key()).isNotBlank();
        assertThat(InvalidProtocolBufferException.class)
            .isAssignableFrom(Class.forName(header(record, "tracestream.error.class")));
        assertThat(header(record, "tracestream.source.topic")).isEqualTo(SPANS);
        assertThat(header(record, "tracestream.source.partition")).isEqualTo(Integer.toString(poison.partition()));
        assertThat(header(record, "tracestream.source.offset")).isEqualTo(Long.toString(poison.offset()));
      }
      assertThat(header(dead.get(2), "tracestream.error")).contains("tombstone");

      // And the committed result of the window counts every valid span, before and after the poison,
      // once per series
      List<ConsumerRecord<String, byte[]>> results = TopicReader.readUntil(KAFKA.bootstrapServers(), RESULTS,
          Duration.ofSeconds(30), r -> windowResults(r, windowStart).size() >= expected.size());
      Map<SeriesKey, List<WindowResult>> window = windowResults(results, windowStart);
      assertThat(window.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      window.forEach((series, emitted) -> {
        assertThat(emitted).as("results of %s", series).hasSize(1);
        assertThat(emitted.get(0).count()).as("spans of %s", series).isEqualTo(expected.get(series));
      });
      assertThat(expected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(200);

      // And the app is still running, and counted each poison record once
      assertThat(topology.state()).isEqualTo(KafkaStreams.State.RUNNING);
      Await.until(Duration.ofSeconds(30), "/health/ready", () -> get(topology, "/health/ready").statusCode() == 200);
      assertThat(value(get(topology, "/metrics").body(), "tracestream_dlq_records_total")).isEqualTo(3.0);
    }
  }

  private record Poison(byte[] key, byte[] value, int partition, long offset) {}

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends {@code request}, keyed by its trace id, and adds its spans to {@code expected} by series. */
  private static void send(KafkaProducer<byte[], byte[]> producer, ExportTraceServiceRequest request,
      Map<SeriesKey, Long> expected) throws Exception {
    Span first = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    byte[] key = TraceIds.toHex(first.getTraceId()).getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(SPANS, key, request.toByteArray())).get();
    for (Span span : request.getResourceSpans(0).getScopeSpans(0).getSpansList()) {
      expected.merge(new SeriesKey(SERVICE, OPERATION, span.getKind().name(), span.getStatus().getCode().name()),
          1L, Long::sum);
    }
  }

  /** One trace of {@code spans} server spans of 10 ms, ending at {@code endMs} ms, every fifth an error. */
  private ExportTraceServiceRequest request(long endMs, int spans) {
    ByteString traceId = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x9015).putLong(nextId++).array());
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      long id = nextId++;
      long end = endMs * 1_000_000L;
      scope.addSpans(Span.newBuilder().setTraceId(traceId)
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
          .setName(OPERATION).setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(end - 10_000_000L).setEndTimeUnixNano(end)
          .setStatus(Status.newBuilder().setCode(id % 5 == 0
              ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET)));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue(SERVICE))))
        .addScopeSpans(scope)).build();
  }

  private static Map<SeriesKey, List<WindowResult>> windowResults(List<ConsumerRecord<String, byte[]>> records,
      long windowStart) {
    Map<SeriesKey, List<WindowResult>> window = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      WindowResult result = StreamTopology.WINDOW_RESULT.deserializer().deserialize(RESULTS, record.value());
      if (result.windowStart() == windowStart) {
        SeriesKey key = StreamTopology.SERIES_KEY.deserializer()
            .deserialize(RESULTS, record.key().getBytes(StandardCharsets.UTF_8));
        window.computeIfAbsent(key, k -> new ArrayList<>()).add(result);
      }
    }
    return window;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> get(TopologyApp app, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.adminPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + path, e);
    }
  }

  /** The value of an unlabelled sample; fails when there is none. */
  private static double value(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("%s on /metrics", name).isTrue();
    return Double.parseDouble(m.group(1));
  }
}

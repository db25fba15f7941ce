package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.testkit.RealisticSpans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * {@link SpanDecoder} (the wire-format {@link OtlpSpanReader}) against {@link ParseFromSpanDecoder}
 * (parseFrom + {@code TraceSpan.from}, the decoder it replaced) on the same records: the same records
 * forwarded in the same order (keys, samples, trace batches, timestamps), the same metrics, and a
 * poison record exactly when parseFrom rejects the input.
 */
class SpanDecoderEquivalenceTest {
  private static final long RECORD_TIME = 1_700_000_500_000L;
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_600_000L), ZoneOffset.UTC);
  private static final Path FUZZ_CORPUS = Path.of("..", "span-model", "src", "test", "resources", "io", "tracestream",
      "span", "OtlpFuzzTestInputs");

  @Test
  void realisticRequestsDecodeAsWithParseFrom() {
    for (ExportTraceServiceRequest request : RealisticSpans.generate(4, 512, 7)) {
      Outcome outcome = assertSameOutcome(null, request.toByteArray());
      assertThat(outcome.forwarded.get(0).get(1)).isInstanceOfSatisfying(SpanSamples.class,
          samples -> assertThat(samples.samples()).hasSize(512));
    }
  }

  @Test
  void randomRequestsDecodeAsWithParseFrom() {
    RandomOtlp random = new RandomOtlp(1);
    int spans = 0;
    for (int i = 0; i < 1000; i++) {
      ExportTraceServiceRequest request = random.request();
      spans += request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
          .mapToInt(ss -> ss.getSpansCount()).sum();
      assertSameOutcome(key(random, request), request.toByteArray());
    }
    assertThat(spans).isGreaterThan(3_000);
  }

  @Test
  void reorderedRepeatedAndUnknownFieldsDecodeAsWithParseFrom() {
    RandomOtlp random = new RandomOtlp(2);
    int poison = 0;
    for (int i = 0; i < 1000; i++) {
      ExportTraceServiceRequest request = random.request();
      byte[] variant = random.variant(request.toByteArray(), ExportTraceServiceRequest.getDescriptor(), 3);
      poison += assertSameOutcome(key(random, request), variant).poison ? 1 : 0;
    }
    assertThat(poison).as("variants with invalid UTF-8 or a bad group").isBetween(50, 950);
  }

  @Test
  void corruptedRecordsArePoisonExactlyWhenParseFromRejectsThem() {
    RandomOtlp random = new RandomOtlp(3);
    int poison = 0;
    int records = 0;
    for (int i = 0; i < 400; i++) {
      byte[] valid = random.request().toByteArray();
      for (int c = 0; c < 5; c++) {
        poison += assertSameOutcome(null, random.corrupt(valid)).poison ? 1 : 0;
        records++;
      }
    }
    assertThat(poison).isBetween(records / 4, records - 1);
  }

  @Test
  void fuzzCorpusDecodesAsWithParseFrom() throws IOException {
    assertThat(FUZZ_CORPUS).isDirectory();
    List<Path> inputs;
    try (Stream<Path> files = Files.walk(FUZZ_CORPUS)) {
      inputs = files.filter(Files::isRegularFile).toList();
    }
    assertThat(inputs).hasSizeGreaterThan(10);
    RandomOtlp random = new RandomOtlp(4);
    for (Path input : inputs) {
      byte[] bytes = Files.readAllBytes(input);
      assertSameOutcome(null, bytes);
      for (int i = 0; i < 100; i++) {
        assertSameOutcome(null, random.corrupt(bytes));
      }
    }
  }

  @Test
  void nestingAtAndPastTheRecursionLimitIsTreatedAsParseFromTreatsIt() {
    int poison = 0;
    for (int levels = 40; levels <= 55; levels++) { // past 47 arrays in an attribute of a span: over 100 levels
      AnyValue value = AnyValue.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < levels; i++) {
        value = AnyValue.newBuilder().setArrayValue(io.opentelemetry.proto.common.v1.ArrayValue.newBuilder().addValues(value)).build();
      }
      Span span = new RandomOtlp(levels).span().toBuilder()
          .addAttributes(KeyValue.newBuilder().setKey("peer.service").setValue(value)).build();
      poison += assertSameOutcome(null, request(span).toByteArray()).poison ? 1 : 0;
    }
    assertThat(poison).as("nestings past the limit").isEqualTo(8);
  }

  @Test
  void groupsNestedPastTheRecursionLimitAreTreatedAsParseFromTreatsThem() throws IOException {
    int poison = 0;
    for (int levels = 90; levels <= 100; levels++) { // unknown groups in a span, 3 levels down: over 100 from 98 on
      ByteArrayOutputStream group = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(group);
      for (int i = 0; i < levels; i++) {
        out.writeTag(99, WireFormat.WIRETYPE_START_GROUP);
      }
      out.writeUInt64(5, 42);
      for (int i = 0; i < levels; i++) {
        out.writeTag(99, WireFormat.WIRETYPE_END_GROUP);
      }
      out.flush();
      byte[] span = concat(new RandomOtlp(levels).span().toByteArray(), group.toByteArray());
      poison += assertSameOutcome(null, request(span)).poison ? 1 : 0;
    }
    assertThat(poison).as("nestings past the limit").isEqualTo(3);
  }

  @Test
  void invalidUtf8InAStringTheTopologyDoesNotReadIsPoisonWithAClearMessage() {
    byte[] span = new RandomOtlp(5).span().toBuilder().clearEvents()
        .addEvents(Span.Event.newBuilder().setName("EVENT")).build().toByteArray();
    int at = new String(span, StandardCharsets.ISO_8859_1).indexOf("EVENT");
    span[at + 2] = (byte) 0xff;

    Outcome outcome = assertSameOutcome(null, request(span));

    assertThat(outcome.poison).isTrue();
    assertThat(outcome.error).contains("invalid UTF-8").contains("Event");
  }

  @Test
  void aLengthWithMoreVarintBytesThanNeededIsTreatedAsParseFromTreatsIt() {
    byte[] name = "GET /x".getBytes(StandardCharsets.UTF_8);
    for (int extra = 0; extra <= 6; extra++) {
      ByteArrayOutputStream span = new ByteArrayOutputStream();
      span.writeBytes(new RandomOtlp(6).span().toByteArray());
      span.write(5 << 3 | 2); // name, with its length padded to 1 + extra varint bytes
      span.write(extra == 0 ? name.length : name.length | 0x80);
      for (int i = 1; i <= extra; i++) {
        span.write(i == extra ? 0 : 0x80);
      }
      span.writeBytes(name);
      assertSameOutcome(null, request(span.toByteArray()));
    }
  }

  @Test
  void aResourceWrittenAfterItsSpansStillNamesTheirService() {
    Span span = new RandomOtlp(8).span();
    byte[] resource = request(span).getResourceSpans(0).getResource().toByteArray();
    byte[] scopeSpans = field(2, field(2, span.toByteArray()));
    byte[] record = field(1, concat(scopeSpans, field(1, resource))); // resource_spans { scope_spans, resource }

    Outcome outcome = assertSameOutcome(null, record);

    assertThat(outcome.forwarded.get(0).get(1)).isInstanceOfSatisfying(SpanSamples.class,
        samples -> assertThat(samples.samples().get(0).service()).isEqualTo("checkout"));
  }

  @Test
  void aTruncatedRecordIsPoisonWithAClearMessage() {
    byte[] valid = request(new RandomOtlp(7).span()).toByteArray();

    Outcome outcome = assertSameOutcome(null, Arrays.copyOf(valid, valid.length - 3));

    assertThat(outcome.poison).isTrue();
    assertThat(outcome.error).contains("truncated");
  }

  /** What one decoder made of one record. */
  private record Outcome(List<List<Object>> forwarded, Map<String, Long> metrics, boolean poison, String error,
      String errorClass, List<String> headers) {}

  private final Side parseFrom = new Side(metrics -> new ParseFromSpanDecoder(SKEW, CLOCK, metrics));
  private final Side wire = new Side(metrics -> new SpanDecoder(SKEW, CLOCK, metrics));

  private Outcome assertSameOutcome(byte[] key, byte[] value) {
    Outcome expected = parseFrom.run(key, value);
    Outcome actual = wire.run(key, value);
    assertThat(actual.forwarded).as(() -> "forwarded records of " + HexFormat.of().formatHex(value))
        .isEqualTo(expected.forwarded);
    assertThat(actual.metrics).isEqualTo(expected.metrics);
    assertThat(actual.poison).isEqualTo(expected.poison);
    assertThat(actual.headers).isEqualTo(expected.headers);
    if (actual.poison) {
      // The class may be a subclass (InvalidWireTypeException) on either side: with two faults in
      // one record, the reader may come across the other one first.
      assertThat(actual.errorClass).startsWith(InvalidProtocolBufferException.class.getName());
      assertThat(actual.error).isNotBlank();
    }
    return actual;
  }

  /** One decoder with its context and metrics, reused across records (a MockProcessorContext is slow to make). */
  private static final class Side {
    final InMemoryTopologyMetrics metrics = new InMemoryTopologyMetrics();
    final MockProcessorContext<byte[], Decoded> context = new MockProcessorContext<>();
    final ContextualProcessor<byte[], byte[], byte[], Decoded> processor;

    Side(Function<TopologyMetrics, ContextualProcessor<byte[], byte[], byte[], Decoded>> decoder) {
      processor = decoder.apply(metrics);
      context.setRecordMetadata("otlp_spans", 3, 42);
      processor.init(context);
    }

    Outcome run(byte[] key, byte[] value) {
      context.resetForwards();
      metrics.counts.clear();
      processor.process(new Record<>(key, value, RECORD_TIME));
      List<List<Object>> forwarded = new ArrayList<>();
      boolean poison = false;
      String error = null;
      String errorClass = null;
      List<String> headers = new ArrayList<>();
      for (MockProcessorContext.CapturedForward<? extends byte[], ? extends Decoded> f : context.forwarded()) {
        Record<? extends byte[], ? extends Decoded> r = f.record();
        Object v = r.value();
        if (v instanceof Decoded.Poison p) {
          poison = true;
          v = "poison " + Arrays.toString(p.value());
          for (Header h : r.headers()) {
            String text = new String(h.value(), StandardCharsets.UTF_8);
            switch (h.key()) {
              case "tracestream.error" -> error = text;
              case "tracestream.error.class" -> errorClass = text;
              default -> headers.add(h.key() + "=" + text);
            }
          }
        }
        forwarded.add(List.of(r.key() == null ? "null" : Arrays.toString(r.key()), v, r.timestamp()));
      }
      return new Outcome(forwarded, Map.copyOf(metrics.counts), poison, error, errorClass, headers);
    }
  }

  /** The record key: null (a Collector's default), the trace id of the first span, or another one. */
  private static byte[] key(RandomOtlp random, ExportTraceServiceRequest request) {
    return switch (random.nextInt(3)) {
      case 0 -> null;
      case 1 -> request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
          .flatMap(ss -> ss.getSpansList().stream()).findFirst()
          .map(s -> HexFormat.of().formatHex(s.getTraceId().toByteArray()).getBytes(StandardCharsets.UTF_8)).orElse(null);
      default -> "0af7651916cd43dd8448eb211c80319c".getBytes(StandardCharsets.UTF_8);
    };
  }

  private static ExportTraceServiceRequest request(Span span) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("checkout"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  /** A request around one span's encoding: resource_spans { scope_spans { spans: span } }. */
  private static byte[] request(byte[] span) {
    return field(1, field(2, field(2, span)));
  }

  private static byte[] field(int number, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(number << 3 | 2);
    for (int n = payload.length; ; n >>>= 7) {
      if (n < 0x80) {
        out.write(n);
        break;
      }
      out.write(n & 0x7f | 0x80);
    }
    out.writeBytes(payload);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

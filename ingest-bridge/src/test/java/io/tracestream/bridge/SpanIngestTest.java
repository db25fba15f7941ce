package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.SpanGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class SpanIngestTest {
  private final MockProducer<String, byte[]> kafka =
      new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
  private final AtomicBoolean reachable = new AtomicBoolean(true);
  private final InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
  private final List<ExportTraceServiceRequest> forwarded = new ArrayList<>();
  private final SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
      reachable::get, 10_000, Duration.ofSeconds(30), forwarder(), metrics);

  private final ExportTraceServiceRequest request = new SpanGenerator(1).request(3, 4, 2);

  @Test
  void answersOnlyAfterKafkaAcknowledgedEveryRecord() {
    CompletableFuture<IngestResult> result = ingest(ingest, request, 500, Transport.GRPC);

    assertThat(kafka.history()).hasSize(3);
    kafka.completeNext();
    kafka.completeNext();
    assertThat(result).isNotDone();
    kafka.completeNext();
    assertThat(result.join()).isInstanceOfSatisfying(IngestResult.Accepted.class,
        a -> assertThat(a.outcome()).isEqualTo(Outcome.SUCCESS));
    assertThat(metrics.get("accepted")).isEqualTo(12);
    assertThat(forwarded).containsExactly(request);
  }

  @Test
  void aFailedRecordMakesTheRequestUnavailableAndNothingIsForwarded() {
    CompletableFuture<IngestResult> result = ingest(ingest, request, 500, Transport.HTTP);

    kafka.completeNext();
    kafka.errorNext(new NetworkException("broker gone"));

    assertThat(result.join()).isInstanceOfSatisfying(IngestResult.Unavailable.class,
        u -> assertThat(u.message()).contains("NetworkException", "retry later"));
    assertThat(metrics.get("refused")).isEqualTo(12);
    assertThat(forwarded).isEmpty();
  }

  @Test
  void refusesAtOnceWithoutProducingWhileKafkaIsUnreachable() {
    reachable.set(false);

    IngestResult result = ingest(ingest, request, 500, Transport.GRPC).join();

    assertThat(result).isInstanceOfSatisfying(IngestResult.Unavailable.class,
        u -> assertThat(u.message()).contains("Kafka is not reachable"));
    assertThat(kafka.history()).isEmpty();
  }

  @Test
  void refusesWhenTheBytesWaitingForKafkaWouldPassTheBoundAndAcceptsOnceTheyAreAcknowledged() {
    CompletableFuture<IngestResult> first = ingest(ingest, request, 6_000, Transport.GRPC);

    IngestResult second = ingest(ingest, request, 6_000, Transport.GRPC).join();
    assertThat(second).isInstanceOf(IngestResult.Unavailable.class);

    while (kafka.completeNext()) {
      // acknowledge the first request's records
    }
    assertThat(first.join()).isInstanceOf(IngestResult.Accepted.class);
    CompletableFuture<IngestResult> third = ingest(ingest, request, 6_000, Transport.GRPC);
    while (kafka.completeNext()) {
      // acknowledge the third request's records
    }
    assertThat(third.join()).isInstanceOf(IngestResult.Accepted.class);
  }

  @Test
  void aRequestLargerThanTheBoundIsStillTakenWhenNothingElseWaits() {
    CompletableFuture<IngestResult> result = ingest(ingest, request, 50_000, Transport.GRPC);
    while (kafka.completeNext()) {
      // acknowledge
    }
    assertThat(result.join()).isInstanceOf(IngestResult.Accepted.class);
  }

  @Test
  void rejectedSpansComeBackAsPartialSuccessAndAreNotForwarded() {
    var valid = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    ExportTraceServiceRequest withBad = request.toBuilder().setResourceSpans(0, request.getResourceSpans(0).toBuilder()
        .setScopeSpans(0, request.getResourceSpans(0).getScopeSpans(0).toBuilder()
            .addSpans(valid.toBuilder().setTraceId(ByteString.copyFrom(new byte[16])))))
        .build();

    CompletableFuture<IngestResult> result = ingest(ingest, withBad, 500, Transport.HTTP);
    while (kafka.completeNext()) {
      // acknowledge
    }

    assertThat(result.join()).isInstanceOfSatisfying(IngestResult.Accepted.class, a -> {
      assertThat(a.outcome()).isEqualTo(Outcome.PARTIAL);
      assertThat(a.response().getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    });
    assertThat(metrics.get("rejected.invalid_trace_id")).isEqualTo(1);
    assertThat(forwarded).singleElement().satisfies(
        sent -> assertThat(spans(sent)).containsExactlyInAnyOrderElementsOf(spans(request)));
  }

  @Test
  void kafkaThatNeverAnswersTimesOutAsUnavailable() {
    SpanIngest impatient = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
        reachable::get, 10_000, Duration.ofMillis(1), forwarder(), metrics);

    IngestResult result = ingest(impatient, request, 500, Transport.GRPC).join();

    assertThat(result).isInstanceOfSatisfying(IngestResult.Unavailable.class,
        u -> assertThat(u.message()).contains("did not acknowledge within 1 ms"));
  }

  @Test
  void anUndecodableBodyIsRefusedBeforeAnythingIsProduced() {
    byte[] truncated = Arrays.copyOf(request.toByteArray(), 30);

    assertThatThrownBy(() -> ingest.ingest(truncated, truncated.length, Transport.GRPC))
        .isInstanceOf(OtlpDecodeException.class);
    assertThat(kafka.history()).isEmpty();
    assertThat(forwarded).isEmpty();
  }

  private static CompletableFuture<IngestResult> ingest(SpanIngest ingest, ExportTraceServiceRequest request,
      int requestBytes, Transport transport) {
    try {
      return ingest.ingest(request.toByteArray(), requestBytes, transport);
    } catch (OtlpDecodeException e) {
      throw new AssertionError(e);
    }
  }

  private static List<Span> spans(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream()).toList();
  }

  private Forwarder forwarder() {
    return new Forwarder() {
      @Override
      public void offer(byte[] request, int spans) {
        try {
          forwarded.add(ExportTraceServiceRequest.parseFrom(request));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }

      @Override
      public void close() {}
    };
  }
}

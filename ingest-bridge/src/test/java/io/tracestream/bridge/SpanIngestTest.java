package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.OtlpDecodeException;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.SpanGenerator;
import java.nio.ByteBuffer;
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
  private final MemoryBudget budget = new MemoryBudget(1 << 20);
  private final SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
      reachable::get, budget, Duration.ofSeconds(30), forwarder(), metrics);

  private final ExportTraceServiceRequest request = new SpanGenerator(1).request(3, 4, 2);

  @Test
  void answersOnlyAfterKafkaAcknowledgedEveryRecord() {
    CompletableFuture<IngestResult> result = ingest(ingest, request, Transport.GRPC);

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
    CompletableFuture<IngestResult> result = ingest(ingest, request, Transport.HTTP);

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

    IngestResult result = ingest(ingest, request, Transport.GRPC).join();

    assertThat(result).isInstanceOfSatisfying(IngestResult.Unavailable.class,
        u -> assertThat(u.message()).contains("Kafka is not reachable"));
    assertThat(kafka.history()).isEmpty();
  }

  @Test
  void refusesAsFullWhileTheBudgetIsInUseAndAcceptsOnceItIsGivenBack() {
    List<MemoryBudget.Lease> others = fill(budget);

    IngestResult refused = ingest(ingest, request, Transport.GRPC).join();
    assertThat(refused).isInstanceOfSatisfying(IngestResult.OverBudget.class, o -> {
      assertThat(o.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
      assertThat(o.message()).contains("bridge.memory.budget", "retry later");
    });
    assertThat(kafka.history()).isEmpty();

    others.forEach(MemoryBudget.Lease::close);
    CompletableFuture<IngestResult> retried = ingest(ingest, request, Transport.GRPC);
    while (kafka.completeNext()) {
      // acknowledge
    }
    assertThat(retried.join()).isInstanceOf(IngestResult.Accepted.class);
  }

  /**
   * Issue 17: one ResourceSpans with a 64 KiB resource and 30,000 one-span traces (1.6 MB) took the bridge
   * out of memory while its 30,000 records, 2 GiB, were built. Here with 2,000 traces (128 MiB).
   */
  @Test
  void aRequestWhoseRecordsCanNeverFitIsRefusedBeforeTheyAreBuiltAndHoldsNothingAfter() {
    ExportTraceServiceRequest copies = bigResourceManyTraces(64 << 10, 2_000);

    IngestResult result = ingest(ingest, copies, Transport.HTTP).join();

    assertThat(result).isInstanceOfSatisfying(IngestResult.OverBudget.class,
        o -> assertThat(o.refusal()).isEqualTo(MemoryBudget.Refusal.NEVER_FITS));
    assertThat(kafka.history()).isEmpty();
    assertThat(budget.used()).isZero();
  }

  @Test
  void theRecordsAreHeldUntilKafkaAcknowledgesThemThenGivenBack() {
    CompletableFuture<IngestResult> result = ingest(ingest, request, Transport.GRPC);

    assertThat(budget.used()).isGreaterThanOrEqualTo(
        kafka.history().stream().mapToLong(r -> r.value().length).sum());
    while (kafka.completeNext()) {
      // acknowledge
    }
    result.join();
    assertThat(budget.used()).isZero();
  }

  @Test
  void rejectedSpansComeBackAsPartialSuccessAndAreNotForwarded() {
    var valid = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    ExportTraceServiceRequest withBad = request.toBuilder().setResourceSpans(0, request.getResourceSpans(0).toBuilder()
        .setScopeSpans(0, request.getResourceSpans(0).getScopeSpans(0).toBuilder()
            .addSpans(valid.toBuilder().setTraceId(ByteString.copyFrom(new byte[16])))))
        .build();

    CompletableFuture<IngestResult> result = ingest(ingest, withBad, Transport.HTTP);
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
        reachable::get, budget, Duration.ofMillis(1), forwarder(), metrics);

    IngestResult result = ingest(impatient, request, Transport.GRPC).join();

    assertThat(result).isInstanceOfSatisfying(IngestResult.Unavailable.class,
        u -> assertThat(u.message()).contains("did not acknowledge within 1 ms"));
  }

  @Test
  void anUndecodableBodyIsRefusedBeforeAnythingIsProduced() {
    byte[] truncated = Arrays.copyOf(request.toByteArray(), 30);

    assertThatThrownBy(() -> ingest.ingest(truncated, budget.lease(), Transport.GRPC))
        .isInstanceOf(OtlpDecodeException.class);
    assertThat(kafka.history()).isEmpty();
    assertThat(forwarded).isEmpty();
  }

  /** Ingests as a receiver does: the body held in a lease, given back when the answer is known. */
  private CompletableFuture<IngestResult> ingest(SpanIngest ingest, ExportTraceServiceRequest request,
      Transport transport) {
    byte[] body = request.toByteArray();
    MemoryBudget.Lease lease = budget.lease();
    lease.take(body.length); // refused only when a test filled the budget; the split is refused then too
    try {
      return ingest.ingest(body, lease, transport).whenComplete((r, e) -> lease.close());
    } catch (OtlpDecodeException e) {
      throw new AssertionError(e);
    }
  }

  private static ExportTraceServiceRequest bigResourceManyTraces(int resourceBytes, int traces) {
    Resource resource = Resource.newBuilder().addAttributes(BadBodies.attribute("big",
        AnyValue.newBuilder().setStringValue("r".repeat(resourceBytes)).build())).build();
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int t = 1; t <= traces; t++) {
      scope.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x17).putLong(t).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(t).array()))
          .setName("op").setStartTimeUnixNano(1).setEndTimeUnixNano(2));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope)).build();
  }

  /** Leases that hold the whole budget. */
  private static List<MemoryBudget.Lease> fill(MemoryBudget budget) {
    List<MemoryBudget.Lease> leases = new ArrayList<>();
    MemoryBudget.Lease large = budget.lease();
    large.take(budget.largest());
    leases.add(large);
    while (budget.used() < budget.limit()) {
      MemoryBudget.Lease small = budget.lease();
      assertThat(small.take(Math.min(budget.limit() / 32, budget.limit() - budget.used()))).isTrue();
      leases.add(small);
    }
    return leases;
  }

  private static List<Span> spans(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream()).toList();
  }

  private Forwarder forwarder() {
    return new Forwarder() {
      @Override
      public void offer(int bytes, java.util.function.Supplier<byte[]> request, int spans) {
        try {
          forwarded.add(ExportTraceServiceRequest.parseFrom(request.get()));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }

      @Override
      public void close() {}
    };
  }
}

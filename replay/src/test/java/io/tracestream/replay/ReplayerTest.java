package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.RealisticSpans;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReplayerTest {
  private final List<TraceRecord> sent = new ArrayList<>();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  private final ReplayStats stats = new ReplayStats();

  private Replayer replayer(boolean strict, boolean kafkaFails) {
    Replayer.RecordSender sender = new Replayer.RecordSender() {
      @Override
      public CompletableFuture<Void> send(List<TraceRecord> records) {
        if (kafkaFails) {
          return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("no broker"));
        }
        sent.addAll(records);
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void flush() {}
    };
    return new Replayer(new TraceSplitter(1 << 20), sender, Pacer.unlimited(), strict, stats, err);
  }

  private static ExportTraceServiceRequest withAnInvalidSpan() {
    Span bad = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))
        .setName("zero ids").build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(bad))).build();
  }

  @Test
  void requestsAreSplitByTraceAndCountedWhenAcknowledged() {
    List<ExportTraceServiceRequest> requests = RealisticSpans.generate(4, 25, 3, Instant.parse("2026-11-01T10:00:00Z"));
    Replayer replayer = replayer(false, false);

    requests.forEach(r -> replayer.accept(r, "f:1"));
    replayer.accept(withAnInvalidSpan(), "f:5");
    replayer.bad("f:6", "invalid JSON");
    replayer.finish();

    assertThat(stats.spansRead()).isEqualTo(101);
    assertThat(stats.spansSent()).isEqualTo(100);
    assertThat(sent).allSatisfy(r -> assertThat(r.traceId()).hasSize(32));
    assertThat(stats.rejected()).containsEntry("trace id is not 16 bytes or is all zero", 1L);
    assertThat(stats.badInputs()).isEqualTo(1);
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("replay: skipped f:6: invalid JSON");
    assertThat(stats.summary()).contains("101 spans read", "100 sent", "1 rejected", "bad input skipped: 1");
  }

  @Test
  void strictStopsAtTheFirstBadInputNamingIt() {
    Replayer replayer = replayer(true, false);

    assertThatThrownBy(() -> replayer.bad("traces.jsonl:7", "invalid JSON"))
        .isInstanceOf(ReplayStoppedException.class)
        .hasMessageContaining("traces.jsonl:7");
    assertThatThrownBy(() -> replayer.accept(withAnInvalidSpan(), "traces.jsonl:8"))
        .isInstanceOf(ReplayStoppedException.class)
        .hasMessageContaining("traces.jsonl:8");
  }

  @Test
  void spansKafkaDoesNotAcknowledgeAreCountedAsRejected() {
    Replayer replayer = replayer(false, true);

    RealisticSpans.generate(1, 10, 3, Instant.parse("2026-11-01T10:00:00Z")).forEach(r -> replayer.accept(r, "f:1"));
    replayer.finish();

    assertThat(stats.spansSent()).isZero();
    assertThat(stats.rejected()).containsEntry("not acknowledged by Kafka (TimeoutException)", 10L);
    assertThat(replayer.sendFailure()).isNotNull();
  }
}

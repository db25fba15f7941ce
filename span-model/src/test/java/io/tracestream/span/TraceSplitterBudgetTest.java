package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TraceSplitterBudgetTest {
  private static final int RECORD_LIMIT = 900 << 10;

  private final TraceSplitter splitter = new TraceSplitter(RECORD_LIMIT);

  /**
   * Issue 17: one ResourceSpans with a 64 KiB resource and 30,000 one-span traces (1.6 MB) became 30,000
   * records each carrying the resource, about 2 GiB, and the bridge ran out of memory building them. Here
   * 2,000 traces (128 MiB of records) against a 16 MiB budget.
   */
  @Test
  void aResourceCopiedIntoManyTracesIsStoppedAtTheBudgetBeforeItsRecordsAreBuilt() {
    byte[] body = bigResourceManyTraces(64 << 10, 2_000).toByteArray();
    Budget budget = new Budget(16 << 20);

    assertThatThrownBy(() -> splitter.split(body, budget)).isInstanceOf(SplitBudgetException.class);
    assertThat(budget.given.get()).isLessThanOrEqualTo(16 << 20);
    assertThat(budget.refused.get()).isEqualTo(1);
  }

  @Test
  void theBytesTakenCoverTheRecordsBuilt() throws Exception {
    byte[] body = bigResourceManyTraces(4 << 10, 300).toByteArray();
    Budget budget = new Budget(Long.MAX_VALUE);

    SplitResult result = splitter.split(body, budget);

    long recordBytes = result.records().stream().mapToLong(r -> r.value().length).sum();
    assertThat(result.records()).hasSize(300);
    assertThat(budget.given.get()).isGreaterThanOrEqualTo(recordBytes)
        .isLessThan(recordBytes + 300L * (TraceSplitter.TRACE_BOOKKEEPING + TraceSplitter.RECORD_BOOKKEEPING
            + TraceSplitter.SPAN_BOOKKEEPING + 12) + 2L * body.length + TraceSplitter.BUDGET_STEP);
  }

  @Test
  void aBudgetThatGivesEnoughSplitsAsWithoutOne() throws Exception {
    ExportTraceServiceRequest request = bigResourceManyTraces(1 << 10, 50);

    SplitResult limited = splitter.split(request.toByteArray(), new Budget(1 << 20));
    SplitResult unlimited = splitter.split(request.toByteArray());

    assertThat(limited.records()).hasSameSizeAs(unlimited.records());
    for (int i = 0; i < limited.records().size(); i++) {
      assertThat(limited.records().get(i).value()).isEqualTo(unlimited.records().get(i).value());
    }
  }

  @Test
  void theBudgetIsAskedInStepsNotPerSpan() throws Exception {
    Budget budget = new Budget(Long.MAX_VALUE);

    splitter.split(bigResourceManyTraces(16, 5_000).toByteArray(), budget);

    assertThat(budget.calls.get()).isLessThan(budget.given.get() / TraceSplitter.BUDGET_STEP + 2);
  }

  /** Gives bytes until its limit, then refuses. */
  private static final class Budget implements SplitBudget {
    final long limit;
    final AtomicLong given = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    Budget(long limit) {
      this.limit = limit;
    }

    @Override
    public boolean take(long bytes) {
      calls.incrementAndGet();
      if (given.get() + bytes > limit) {
        refused.incrementAndGet();
        return false;
      }
      given.addAndGet(bytes);
      return true;
    }
  }

  static ExportTraceServiceRequest bigResourceManyTraces(int resourceBytes, int traces) {
    Resource resource = Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("big")
        .setValue(AnyValue.newBuilder().setStringValue("r".repeat(resourceBytes)))).build();
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
}

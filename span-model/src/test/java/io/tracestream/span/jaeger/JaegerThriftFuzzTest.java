package io.tracestream.span.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tracestream.span.SplitBudgetException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzz targets for the Jaeger Thrift reader, run as {@code OtlpFuzzTest}'s are (saved inputs in
 * {@code JaegerThriftFuzzTestInputs/<method>/} under plain {@code mvn verify}; {@code JAZZER_FUZZ=1} fuzzes).
 * The invariants: reading and translating fail only with {@link JaegerFormatException}, and what reading
 * takes from its budget is at most {@link JaegerThrift#SPAN_COST} a byte of input: bounded by the input.
 */
class JaegerThriftFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void binaryBatchFailsOnlyWithFormatExceptionWithinItsBudget(byte[] body) throws SplitBudgetException {
    AtomicLong taken = new AtomicLong();
    try {
      List<JaegerSpan> spans = JaegerThrift.readBatch(body, bytes -> taken.addAndGet(bytes) >= 0);
      JaegerToOtlp.translate(spans);
    } catch (JaegerFormatException expected) {
      // the documented answer: 400
    }
    assertThat(taken.get()).isLessThanOrEqualTo((long) JaegerThrift.SPAN_COST * body.length);
  }

  @FuzzTest(maxDuration = "30s")
  void compactEmitBatchFailsOnlyWithFormatExceptionWithinItsBudget(byte[] datagram) throws SplitBudgetException {
    AtomicLong taken = new AtomicLong();
    try {
      List<JaegerSpan> spans = JaegerThrift.readEmitBatch(datagram, bytes -> taken.addAndGet(bytes) >= 0);
      JaegerToOtlp.translate(spans);
    } catch (JaegerFormatException expected) {
      // the documented answer: counted as bad_request
    }
    assertThat(taken.get()).isLessThanOrEqualTo((long) JaegerThrift.SPAN_COST * datagram.length);
  }
}

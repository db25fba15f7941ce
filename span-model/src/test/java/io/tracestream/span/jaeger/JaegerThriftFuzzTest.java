package io.tracestream.span.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tracestream.span.SplitBudget;
import io.tracestream.span.SplitBudgetException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzz targets for the Jaeger Thrift reader, run as {@code OtlpFuzzTest}'s are (saved inputs in
 * {@code JaegerThriftFuzzTestInputs/<method>/} under plain {@code mvn verify}; {@code JAZZER_FUZZ=1} fuzzes).
 * The invariants: reading and translating fail only with {@link JaegerFormatException} (the documented answer:
 * 400, or a datagram counted as bad_request), and what reading takes from its budget is at most
 * {@link JaegerThrift#SPAN_COST} a byte of input: bounded by the input.
 */
class JaegerThriftFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void binaryBatchFailsOnlyWithFormatExceptionWithinItsBudget(byte[] body) throws SplitBudgetException {
    readAndTranslate(body, JaegerThrift::readBatch);
  }

  @FuzzTest(maxDuration = "30s")
  void compactEmitBatchFailsOnlyWithFormatExceptionWithinItsBudget(byte[] datagram) throws SplitBudgetException {
    readAndTranslate(datagram, JaegerThrift::readEmitBatch);
  }

  private interface Reader {
    List<JaegerSpan> read(byte[] in, SplitBudget budget) throws JaegerFormatException, SplitBudgetException;
  }

  private static void readAndTranslate(byte[] in, Reader reader) throws SplitBudgetException {
    AtomicLong taken = new AtomicLong();
    try {
      JaegerToOtlp.translate(reader.read(in, bytes -> taken.addAndGet(bytes) >= 0));
    } catch (JaegerFormatException expected) {
      // the documented answer
    }
    assertThat(taken.get()).isLessThanOrEqualTo((long) JaegerThrift.SPAN_COST * in.length);
  }
}

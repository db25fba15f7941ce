package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpJsonCostTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /**
   * Issue 17: a 15 MiB body of 5 million empty objects took the bridge from 150 MB to 1.2 GB before its
   * 400; its cost is known before anything is built, reading it allocates next to nothing.
   */
  @Test
  void fiveMillionEmptyObjectsCostGigabytesAndCountingThemAllocatesAlmostNothing() throws Exception {
    byte[] body = emptyObjects(5_000_000);
    assertThat(body.length).isGreaterThan(14 << 20);

    long before = THREADS.getCurrentThreadAllocatedBytes();
    long cost = OtlpCodec.jsonDecodeCost(body);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

    assertThat(cost).isGreaterThan(1L << 30);
    assertThat(allocated).isLessThan(1 << 20);
  }

  @Test
  void theCostIsAtLeast200BytesATokenAndBelowAllThatDecodingAllocates() throws Exception {
    byte[] body = emptyObjects(100_000);

    long cost = OtlpCodec.jsonDecodeCost(body);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    OtlpCodec.decodeJson(body);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

    // what decoding allocates in all is more than it holds at once; the cost lies between the two
    assertThat(cost).isGreaterThan(200L * 100_000).isLessThan(allocated * 2);
  }

  @Test
  void aBodyThatIsNotJsonFailsAsDecodingWould() {
    byte[] body = "{\"resourceSpans\":[{]".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> OtlpCodec.jsonDecodeCost(body)).isInstanceOf(OtlpDecodeException.class)
        .hasMessageStartingWith("invalid JSON");
  }

  private static byte[] emptyObjects(int n) {
    StringBuilder json = new StringBuilder(3 * n + 20).append("{\"resourceSpans\":[");
    for (int i = 0; i < n; i++) {
      json.append(i == 0 ? "{}" : ",{}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}

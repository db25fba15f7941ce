package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.Await;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OtlpForwarderTest {
  private static final int KIB = 1 << 10;

  /**
   * Issue 17: the forward queue was bounded by a count of requests (1000), so a Jaeger that accepts
   * connections and never answers could hold 1000 requests of up to 16 MiB each.
   */
  @Test
  void aTargetThatNeverAnswersHoldsAtMostTheQueueBytesAndTheRestIsDroppedAndCounted() throws Exception {
    MemoryBudget budget = new MemoryBudget(4096 * KIB);
    InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
    try (ServerSocket blackHole = new ServerSocket(0)) { // connects (backlog), never answers
      OtlpForwarder forwarder = new OtlpForwarder(URI.create("http://127.0.0.1:" + blackHole.getLocalPort()),
          budget, 350 * KIB, Duration.ofSeconds(10), metrics);
      try {
        for (int i = 0; i < 10; i++) {
          forwarder.offer(100 * KIB, () -> new byte[100 * KIB], 5);
        }

        assertThat(forwarder.queuedBytes()).isEqualTo(300 * KIB);
        assertThat(budget.used()).isEqualTo(300 * KIB);
        assertThat(metrics.get("forward.dropped")).isEqualTo(7 * 5);
      } finally {
        forwarder.close();
      }
      Await.until(Duration.ofSeconds(30), "the failed calls to give their bytes back", () -> budget.used() == 0);
      assertThat(metrics.get("forward.failed")).isEqualTo(3 * 5);
    }
  }

  @Test
  void aRequestFindsNoRoomWhenTheBudgetIsTakenByRequests() {
    MemoryBudget budget = new MemoryBudget(1024 * KIB);
    budget.lease().take(budget.largest() - 50 * KIB);
    InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
    OtlpForwarder forwarder = new OtlpForwarder(URI.create("http://127.0.0.1:9"), budget, 512 * KIB,
        Duration.ofSeconds(1), metrics);
    try {
      forwarder.offer(100 * KIB, () -> {
        throw new AssertionError("built although dropped");
      }, 3);

      assertThat(metrics.get("forward.dropped")).isEqualTo(3);
      assertThat(forwarder.queuedBytes()).isZero();
    } finally {
      forwarder.close();
    }
  }
}

package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacerTest {
  /** A clock that only moves when the pacer sleeps, and the sleeps it was asked for. */
  private static final class FakeTime {
    long now = 1_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    void sleep(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }
  }

  @Test
  void rateSpacesRequestsByTheirSpansOverTheRate() throws InterruptedException {
    FakeTime time = new FakeTime();
    Pacer pacer = Pacer.rate(100, () -> time.now, time::sleep);

    pacer.await(50, 0); // first: at once
    pacer.await(50, 0); // 50 spans sent: due 0.5 s after the start
    pacer.await(10, 0); // 100 sent: due 1 s after

    assertThat(time.sleeps).containsExactly(500_000_000L, 500_000_000L);
  }

  @Test
  void speedKeepsTheOriginalGapsDividedByTheFactor() throws InterruptedException {
    FakeTime time = new FakeTime();
    Pacer pacer = Pacer.speed(10, () -> time.now, time::sleep);
    long t0 = 1_700_000_000_000_000_000L;

    pacer.await(5, t0);
    pacer.await(5, t0 + 10_000_000_000L); // 10 s later in the file: 1 s later at speed 10
    pacer.await(5, t0 + 5_000_000_000L);  // earlier than one already sent: at once
    pacer.await(5, t0 + 30_000_000_000L); // 3 s after the first

    assertThat(time.sleeps).containsExactly(1_000_000_000L, 2_000_000_000L);
  }

  @Test
  void unlimitedNeverWaits() throws InterruptedException {
    Pacer.unlimited().await(1_000_000, Long.MAX_VALUE);
  }
}

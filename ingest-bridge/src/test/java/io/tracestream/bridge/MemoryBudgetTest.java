package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.Await;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final int KIB = 1 << 10;

  private final MemoryBudget budget = new MemoryBudget(1024 * KIB); // a request: 768 KiB; small: 32 KiB

  @Test
  void leasesTakeUntilTheBudgetIsFullThenAreRefusedAsFull() {
    MemoryBudget.Lease large = budget.lease();
    assertThat(large.take(700 * KIB)).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(budget.lease().take(32 * KIB)).as("small lease %d", i).isTrue();
    }
    assertThat(budget.used()).isEqualTo(1020 * KIB);

    MemoryBudget.Lease late = budget.lease();
    assertThat(late.take(8 * KIB)).isFalse();
    assertThat(late.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
    assertThat(budget.used()).isEqualTo(1020 * KIB);
  }

  @Test
  void aLeaseWaitsForRoomAndGetsItWhenAnotherGivesItsBytesBack() {
    MemoryBudget.Lease other = budget.lease();
    assertThat(other.take(700 * KIB)).isTrue();
    MemoryBudget.Lease waiting = budget.lease();

    CompletableFuture<Boolean> taken = CompletableFuture.supplyAsync(() -> waiting.take(300 * KIB));
    Await.until(Duration.ofSeconds(10), "the lease to wait", () -> budget.waiting() == 1);
    assertThat(taken).isNotDone();
    other.close();

    assertThat(taken.join()).isTrue();
    assertThat(budget.used()).isEqualTo(300 * KIB);
  }

  @Test
  void aLeaseThatHoldsBytesDoesNotWait() {
    budget.lease().take(700 * KIB);
    MemoryBudget.Lease lease = budget.lease();
    assertThat(lease.take(10 * KIB)).isTrue();

    long start = System.nanoTime();
    assertThat(lease.take(300 * KIB)).isFalse();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MemoryBudget.WAIT);
  }

  @Test
  void takingNowNeverWaits() {
    budget.lease().take(700 * KIB);
    MemoryBudget.Lease lease = budget.lease();

    long start = System.nanoTime();
    assertThat(lease.takeNow(300 * KIB)).isFalse();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MemoryBudget.WAIT);
    assertThat(lease.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
  }

  @Test
  void aRequestNeedingMoreThanThreeQuartersOfTheBudgetNeverFitsEvenWhenItIsEmpty() {
    MemoryBudget.Lease lease = budget.lease();
    assertThat(lease.take(700 * KIB)).isTrue();

    assertThat(lease.take(69 * KIB)).isFalse();
    assertThat(lease.refusal()).isEqualTo(MemoryBudget.Refusal.NEVER_FITS);
    assertThat(lease.held()).isEqualTo(700 * KIB);
  }

  @Test
  void largeRequestsTogetherLeaveTheLastQuarterToSmallOnes() {
    MemoryBudget.Lease first = budget.lease();
    MemoryBudget.Lease second = budget.lease();
    assertThat(first.take(500 * KIB)).isTrue();

    assertThat(second.take(300 * KIB)).isFalse();
    assertThat(second.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
    assertThat(second.take(268 * KIB)).isTrue(); // 768 KiB in all

    assertThat(budget.lease().take(30 * KIB)).isTrue();
    assertThat(budget.lease().take(30 * KIB)).isTrue();
    assertThat(budget.lease().take(40 * KIB)).as("not small").isFalse();
  }

  @Test
  void closingGivesEverythingBackOnceEvenWhenCalledTwice() {
    MemoryBudget.Lease lease = budget.lease();
    lease.take(100 * KIB);
    lease.take(50 * KIB);
    lease.release(30 * KIB);
    assertThat(budget.used()).isEqualTo(120 * KIB);

    lease.close();
    lease.close();

    assertThat(budget.used()).isZero();
    assertThat(lease.held()).isZero();
  }

  @Test
  void readingAStreamHoldsItsBytesAndGivesBackTheChunks() throws Exception {
    byte[] body = new byte[200 * KIB + 5];
    body[body.length - 1] = 7;
    MemoryBudget.Lease lease = budget.lease();

    byte[] read = lease.readAll(new ByteArrayInputStream(body), 1 << 20);

    assertThat(read).isEqualTo(body);
    assertThat(lease.held()).isEqualTo(body.length);
    assertThat(budget.used()).isEqualTo(body.length);
  }

  @Test
  void aStreamThatDoesNotFitStopsBeingReadAtTheBudget() throws Exception {
    budget.lease().take(700 * KIB);
    MemoryBudget.Lease lease = budget.lease();
    ByteArrayInputStream in = new ByteArrayInputStream(new byte[512 * KIB]);

    assertThat(lease.readAll(in, 1 << 20)).isNull();

    assertThat(lease.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
    assertThat(in.available()).isGreaterThanOrEqualTo(512 * KIB - 2 * MemoryBudget.CHUNK);
  }

  @Test
  void aStreamOverTheSizeLimitIsNullWithoutARefusal() throws Exception {
    MemoryBudget.Lease lease = budget.lease();

    assertThat(lease.readAll(new ByteArrayInputStream(new byte[300 * KIB]), 200 * KIB)).isNull();

    assertThat(lease.refusal()).isNull();
  }

  @Test
  void otherHoldersTakeWithinTheirCapAndNeverTheSmallRequestsQuarter() {
    assertThat(budget.tryTake(100 * KIB, 150 * KIB)).isTrue();
    assertThat(budget.tryTake(100 * KIB, 150 * KIB)).isFalse();
    assertThat(budget.tryTake(668 * KIB, Long.MAX_VALUE)).isTrue();
    assertThat(budget.tryTake(1, Long.MAX_VALUE)).isFalse();

    budget.release(768 * KIB);
    assertThat(budget.used()).isZero();
  }
}

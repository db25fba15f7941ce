package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** bridge.memory.budget and bridge.forward.queue.bytes are checked at start, naming the key. */
class MemoryBudgetConfigTest {
  private static final long HEAP = 256L << 20;

  @Test
  void theDefaultIsAQuarterOfTheHeapAndTheForwardQueueAQuarterOfThat() {
    BridgeConfig config = config();

    assertThat(config.memoryBudget()).isEqualTo(64L << 20);
    assertThat(config.forwardQueueBytes()).isEqualTo(16L << 20);
  }

  @Test
  void theBudgetIsASizeOrAPercentageOfTheHeap() {
    assertThat(config("bridge.memory.budget", "96MiB").memoryBudget()).isEqualTo(96L << 20);
    assertThat(config("bridge.memory.budget", "50%").memoryBudget()).isEqualTo(128L << 20);
    assertThat(config("bridge.memory.budget", "64MiB", "bridge.forward.queue.bytes", "1MiB").forwardQueueBytes())
        .isEqualTo(1L << 20);
  }

  @Test
  void aBudgetOverTheHeapOrBelowTwoRecordsOrAnOddPercentageFailsNamingTheKey() {
    for (String bad : new String[] {"300MiB", "1MiB", "0%", "95%", "lots", "%"}) {
      assertThatThrownBy(() -> config("bridge.memory.budget", bad)).as(bad)
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.memory.budget"));
    }
  }

  @Test
  void aForwardQueueLargerThanTheBudgetFailsNamingItsKey() {
    assertThatThrownBy(() -> config("bridge.memory.budget", "32MiB", "bridge.forward.queue.bytes", "33MiB"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.forward.queue.bytes"));
  }

  @Test
  void theReplacedKeysFailNamingTheirReplacement() {
    assertThatThrownBy(() -> config("bridge.max.inflight.bytes", "128MiB"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.max.inflight.bytes"))
        .hasMessageContaining("bridge.memory.budget");
    assertThatThrownBy(() -> config("bridge.forward.queue", "1000"))
        .hasMessageContaining("bridge.forward.queue.bytes");
  }

  @Test
  void grpcConnectionWindowsAreReservedFromTheBudgetAtMostAQuarterOfIt() {
    GrpcLimits defaults = config().grpcLimits(); // 64 MiB budget: a quarter holds 256 windows of 64 KiB
    assertThat(defaults.maxConnections()).isEqualTo(256);
    assertThat(defaults.reservedBytes()).isEqualTo(16L << 20);
    GrpcLimits small = config("bridge.memory.budget", "8MiB").grpcLimits();
    assertThat(small.maxConnections()).isEqualTo(32);
    assertThat(config("bridge.grpc.max.connections", "100", "bridge.grpc.flow.control.window", "128KiB")
        .grpcLimits().reservedBytes()).isEqualTo(100L * (128 << 10));

    assertThatThrownBy(() -> config("bridge.memory.budget", "8MiB", "bridge.grpc.max.connections", "33"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.grpc.max.connections"));
    assertThatThrownBy(() -> config("bridge.grpc.flow.control.window", "16KiB"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.grpc.flow.control.window"));
  }

  @Test
  void theBridgeHoldsTheReservationFromStartAndRequestsShareTheRest() {
    MemoryBudget budget = new MemoryBudget(8 << 20, 2 << 20);

    assertThat(budget.limit()).isEqualTo(8 << 20);
    assertThat(budget.reserved()).isEqualTo(2 << 20);
    assertThat(budget.largest()).isEqualTo((6 << 20) - (6 << 20) / 4);
    List<MemoryBudget.Lease> leases = new ArrayList<>();
    MemoryBudget.Lease large = budget.lease();
    leases.add(large);
    assertThat(large.takeNow(budget.largest())).isTrue();
    // small requests (a thirty-second each: 192 KiB) take the rest, 1.5 MiB, and nothing of the reservation
    MemoryBudget.Lease small = budget.lease();
    while (small.takeNow((6 << 20) / 32)) {
      leases.add(small);
      small = budget.lease();
    }
    assertThat(small.refusal()).isEqualTo(MemoryBudget.Refusal.FULL);
    assertThat(leases).hasSize(1 + 8);
    assertThat(budget.used()).isEqualTo(6 << 20);
    leases.forEach(MemoryBudget.Lease::close);
    assertThat(budget.used()).isZero();
  }

  private static BridgeConfig config(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return BridgeConfig.from(Settings.of(values), HEAP);
  }
}

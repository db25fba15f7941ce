package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.util.HashMap;
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

  private static BridgeConfig config(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return BridgeConfig.from(Settings.of(values), HEAP);
  }
}

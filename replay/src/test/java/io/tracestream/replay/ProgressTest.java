package io.tracestream.replay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void aPlainLineHasSpansRatePercentAndEta() {
    String line = Progress.line(12_345, 12_000, 10_000_000_000L, 250, 1000);

    assertThat(line).isEqualTo("replay: 12,345 spans read, 12,000 sent, 1,235 spans/s, 25 %, ETA 30s");
  }

  @Test
  void withoutATotalThereIsNoPercentNorEta() {
    assertThat(Progress.line(10, 10, 1_000_000_000L, 500, -1)).isEqualTo("replay: 10 spans read, 10 sent, 10 spans/s");
  }

  @Test
  void durationsReadAsAPersonWritesThem() {
    assertThat(Progress.duration(59)).isEqualTo("59s");
    assertThat(Progress.duration(83)).isEqualTo("1m23s");
    assertThat(Progress.duration(7260)).isEqualTo("2h01m");
  }
}

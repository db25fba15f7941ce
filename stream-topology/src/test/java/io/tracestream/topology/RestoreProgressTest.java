package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {
  private static final TopicPartition TRACES = new TopicPartition("tracestream-trace-assembly-traces-changelog", 2);
  private static final TopicPartition WINDOWS = new TopicPartition("tracestream-span-metrics-windows-changelog", 0);

  @Test
  void describesTheStoresRestoringAndTheRecordsDoneUntilEachEndsOrMovesAway() {
    RestoreProgress progress = new RestoreProgress();
    assertThat(progress.active()).isFalse();
    assertThat(progress.describe()).isEmpty();

    progress.onRestoreStart(TRACES, "trace-assembly-traces", 1_000, 101_000);
    progress.onRestoreStart(WINDOWS, "span-metrics-windows", 0, 20_000);
    progress.onBatchRestored(TRACES, "trace-assembly-traces", 31_000, 30_000);
    progress.onBatchRestored(WINDOWS, "span-metrics-windows", 6_000, 6_000);

    assertThat(progress.active()).isTrue();
    assertThat(progress.describe()).hasValue("restoring 2 changelog partitions of [span-metrics-windows, "
        + "trace-assembly-traces]: 36000 of about 120000 records (30 %)");

    progress.onRestoreEnd(WINDOWS, "span-metrics-windows", 20_000);
    assertThat(progress.describe()).hasValue("restoring 1 changelog partition of [trace-assembly-traces]: "
        + "30000 of about 100000 records (30 %)");

    progress.onRestoreSuspended(TRACES, "trace-assembly-traces", 30_000);
    assertThat(progress.active()).isFalse();
    assertThat(progress.describe()).isEmpty();
  }
}

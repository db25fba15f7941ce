package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class UpstreamProgressTest {
  private final UpstreamProgress upstream = new UpstreamProgress();

  @Test
  void timeIsNoneUntilEveryInputTaskHasReported() {
    assertThat(upstream.report(new Progress(0, 3, 5_000))).isFalse();
    assertThat(upstream.report(new Progress(2, 3, 9_000))).isFalse();
    assertThat(upstream.time()).isEqualTo(Progress.NONE);

    assertThat(upstream.report(new Progress(1, 3, 7_000))).isTrue();

    assertThat(upstream.time()).isEqualTo(5_000);
  }

  @Test
  void theSlowestInputTaskHoldsTheTime() {
    upstream.report(new Progress(0, 2, 5_000));
    upstream.report(new Progress(1, 2, 60_000));

    assertThat(upstream.report(new Progress(1, 2, 120_000))).as("the fast task moving on moves nothing").isFalse();
    assertThat(upstream.time()).isEqualTo(5_000);
    assertThat(upstream.report(new Progress(0, 2, 90_000))).isTrue();
    assertThat(upstream.time()).isEqualTo(90_000);
  }

  @Test
  void anInputTaskIdleSinceItStartedHoldsNothingUntilItSeesSpans() {
    upstream.report(new Progress(0, 2, 5_000));
    upstream.report(new Progress(1, 2, Progress.IDLE));
    assertThat(upstream.time()).isEqualTo(5_000);

    upstream.report(new Progress(1, 2, 1_000));

    assertThat(upstream.time()).as("its first spans hold it again").isEqualTo(1_000);
  }

  @Test
  void whenEveryInputTaskIsIdleNothingHolds() {
    upstream.report(new Progress(0, 2, Progress.IDLE));
    upstream.report(new Progress(1, 2, Progress.IDLE));

    assertThat(upstream.time()).isEqualTo(Progress.IDLE);
  }

  @Test
  void aTaskReportingNoneAgainHoldsEverything() {
    upstream.report(new Progress(0, 1, 5_000));
    upstream.report(new Progress(0, 1, Progress.NONE));

    assertThat(upstream.time()).isEqualTo(Progress.NONE);
  }

  @Test
  void moreInputPartitionsMeanMoreTasksToWaitFor() {
    upstream.report(new Progress(0, 1, 5_000));
    assertThat(upstream.time()).isEqualTo(5_000);

    upstream.report(new Progress(0, 2, 6_000));

    assertThat(upstream.time()).as("partition 1 has not reported").isEqualTo(Progress.NONE);
  }

  @Test
  void onlyTheInputTasksKnownToWriteHereHoldItsTimeOfKnown() {
    assertThat(upstream.timeOfKnown()).as("nobody re-keys: nothing holds").isEqualTo(Progress.IDLE);

    assertThat(upstream.register(2, 4)).isTrue();
    assertThat(upstream.timeOfKnown()).as("its data came before its first report").isEqualTo(Progress.NONE);
    upstream.report(new Progress(2, 4, 7_000));
    upstream.report(new Progress(3, 4, 9_000));

    assertThat(upstream.register(2, 4)).isFalse();
    assertThat(upstream.timeOfKnown()).isEqualTo(7_000);
    assertThat(upstream.time()).as("partitions 0 and 1 never reported").isEqualTo(Progress.NONE);
  }

  @Test
  void aReportTravelsInAHeaderOfANullValueWithAVersion() {
    Progress progress = new Progress(3, 12, 1_793_527_200_000L);

    assertThat(Progress.of(null, progress.headers())).contains(progress);
    assertThat(Progress.of("data", progress.headers())).as("data is never a report").isEmpty();
    assertThat(Progress.of(null, new RecordHeaders())).isEmpty();
    assertThat(progress.headers().lastHeader(Progress.HEADER).value())
        .as("golden bytes: version 1, partition, partitions, time")
        .containsExactly(1, 0, 0, 0, 3, 0, 0, 0, 12, 0, 0, 1, -95, -106, -115, 57, 0);
    var v2 = new RecordHeaders().add(Progress.HEADER, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThatThrownBy(() -> Progress.of(null, v2)).hasMessageContaining("version 2");
  }
}

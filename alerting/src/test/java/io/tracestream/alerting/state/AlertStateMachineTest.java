package io.tracestream.alerting.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertStateMachineTest {
  private static final long MIN = 60_000;
  private static final double THRESHOLD = 500;

  /** Feeds windows of one minute, window i being [i, i+1) minutes; null is a window with no data. */
  private static final class Run {
    final AlertStateMachine machine;
    AlertState state = AlertState.initial();
    final List<Change> changes = new ArrayList<>();

    Run(Duration forDuration, Duration keepFiringFor) {
      machine = new AlertStateMachine(forDuration, keepFiringFor);
    }

    Run window(int i, double value) {
      AlertStateMachine.Result r = machine.observe(state, i * MIN, (i + 1) * MIN, value, value > THRESHOLD);
      state = r.state();
      changes.addAll(r.changes());
      return this;
    }

    Run windows(int from, double... values) {
      for (int k = 0; k < values.length; k++) {
        window(from + k, values[k]);
      }
      return this;
    }

    List<AlertStatus> statuses() {
      return changes.stream().map(Change::status).toList();
    }
  }

  @Test
  void aBreachFiresOnlyOnceTheConditionHeldForTheForDuration() {
    Run run = new Run(Duration.ofMinutes(3), Duration.ZERO);

    run.windows(0, 600, 700);
    assertThat(run.statuses()).containsExactly(AlertStatus.PENDING);
    assertThat(run.state.phase()).isEqualTo(Phase.PENDING);

    run.window(2, 800);
    assertThat(run.statuses()).containsExactly(AlertStatus.PENDING, AlertStatus.FIRING);
    Change fired = run.changes.get(1);
    assertThat(fired.windowEnd()).isEqualTo(3 * MIN);
    assertThat(fired.activeSince()).isZero();
    assertThat(fired.value()).isEqualTo(800);
  }

  @Test
  void forZeroFiresOnTheFirstBreachedWindowWithoutPending() {
    Run run = new Run(Duration.ZERO, Duration.ZERO).window(5, 900);

    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING);
    assertThat(run.changes.get(0).activeSince()).isEqualTo(5 * MIN);
  }

  @Test
  void aPendingAlertThatClearsBeforeForIsDroppedWithoutFiring() {
    Run run = new Run(Duration.ofMinutes(3), Duration.ZERO).windows(0, 600, 600, 100, 100);

    assertThat(run.statuses()).containsExactly(AlertStatus.PENDING, AlertStatus.INACTIVE);
    assertThat(run.state.phase()).isEqualTo(Phase.INACTIVE);
  }

  @Test
  void aFiringAlertResolvesOnTheFirstClearWindowWithoutKeepFiringFor() {
    Run run = new Run(Duration.ZERO, Duration.ZERO).windows(0, 900, 900, 100);

    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    Change resolved = run.changes.get(1);
    assertThat(resolved.windowEnd()).isEqualTo(3 * MIN);
    assertThat(resolved.activeSince()).isZero();
    assertThat(resolved.firedAt()).isEqualTo(MIN);
  }

  @Test
  void recoveryWaitsUntilTheConditionWasClearLongerThanKeepFiringFor() {
    Run run = new Run(Duration.ZERO, Duration.ofMinutes(2)).windows(0, 900, 100, 100);
    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING);
    assertThat(run.state.phase()).isEqualTo(Phase.FIRING);

    run.window(3, 100);
    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
  }

  @Test
  void flappingWithKeepFiringForStaysOneFiringAlert() {
    Run run = new Run(Duration.ZERO, Duration.ofMinutes(1)).windows(0, 900, 100, 900, 100, 900, 100, 100);

    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(run.changes).extracting(Change::activeSince).containsOnly(0L);
  }

  @Test
  void flappingShorterThanForNeverFires() {
    Run run = new Run(Duration.ofMinutes(2), Duration.ZERO).windows(0, 900, 100, 900, 100, 900, 100);

    assertThat(run.statuses()).doesNotContain(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(run.statuses()).containsExactly(AlertStatus.PENDING, AlertStatus.INACTIVE, AlertStatus.PENDING,
        AlertStatus.INACTIVE, AlertStatus.PENDING, AlertStatus.INACTIVE);
  }

  @Test
  void flappingWithoutKeepFiringForGivesEachEpisodeItsOwnStart() {
    Run run = new Run(Duration.ZERO, Duration.ZERO).windows(0, 900, 100, 900, 100);

    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.FIRING,
        AlertStatus.RESOLVED);
    assertThat(run.changes).extracting(Change::activeSince).containsExactly(0L, 0L, 2 * MIN, 2 * MIN);
  }

  @Test
  void aMissingWindowInterruptsPending() {
    Run run = new Run(Duration.ofMinutes(2), Duration.ZERO).window(0, 900).window(2, 900);

    // window 1 had no data: the breach did not hold for 2 minutes, a new episode starts at window 2
    assertThat(run.statuses()).containsExactly(AlertStatus.PENDING, AlertStatus.INACTIVE, AlertStatus.PENDING);
    assertThat(run.changes.get(1).windowStart()).isEqualTo(MIN);
    assertThat(run.changes.get(1).windowEnd()).isEqualTo(2 * MIN);
    assertThat(run.state.activeSince()).isEqualTo(2 * MIN);
  }

  @Test
  void missingWindowsResolveAFiringAlertLikeClearOnes() {
    Run run = new Run(Duration.ZERO, Duration.ofMinutes(1)).window(0, 900);

    AlertStateMachine.Result r = run.machine.noData(run.state, 2 * MIN, MIN);
    assertThat(r.changes()).isEmpty(); // clear for 1 minute: kept firing

    r = run.machine.noData(r.state(), 3 * MIN, MIN);
    assertThat(r.changes()).extracting(Change::status).containsExactly(AlertStatus.RESOLVED);
    assertThat(r.changes().get(0).value()).isNaN();
    assertThat(r.state().phase()).isEqualTo(Phase.INACTIVE);
  }

  @Test
  void aResolveByMissingWindowsIsDatedByTheWindowsNotByWhenTheGapWasNoticed() {
    Run late = new Run(Duration.ZERO, Duration.ofMinutes(1)).window(0, 900);
    Run stepwise = new Run(Duration.ZERO, Duration.ofMinutes(1)).window(0, 900);

    // the gap learnt at once, ten minutes on, or a minute at a time
    List<Change> atOnce = late.machine.noData(late.state, 10 * MIN, MIN).changes();
    List<Change> stepByStep = new ArrayList<>();
    for (int end = 2; end <= 10; end++) {
      AlertStateMachine.Result r = stepwise.machine.noData(stepwise.state, end * MIN, MIN);
      stepwise.state = r.state();
      stepByStep.addAll(r.changes());
    }

    // resolved by the first missing window that ends more than keep_firing_for after the last breach
    assertThat(atOnce).isEqualTo(stepByStep);
    assertThat(atOnce).extracting(Change::status, Change::windowStart, Change::windowEnd)
        .containsExactly(tuple(AlertStatus.RESOLVED, 2 * MIN, 3 * MIN));
  }

  @Test
  void aPendingAlertClearsAtTheEndOfTheFirstMissingWindow() {
    Run run = new Run(Duration.ofMinutes(5), Duration.ZERO).window(0, 900).window(7, 900);

    assertThat(run.changes).extracting(Change::status, Change::windowEnd).containsExactly(
        tuple(AlertStatus.PENDING, MIN),
        tuple(AlertStatus.INACTIVE, 2 * MIN),
        tuple(AlertStatus.PENDING, 8 * MIN));
  }

  @Test
  void aMissingWindowDuringFiringWithinKeepFiringForKeepsItFiring() {
    Run run = new Run(Duration.ZERO, Duration.ofMinutes(1)).window(0, 900).window(2, 900);

    assertThat(run.statuses()).containsExactly(AlertStatus.FIRING);
    assertThat(run.state.lastBreachEnd()).isEqualTo(3 * MIN);
  }

  @Test
  void aWindowAlreadyEvaluatedIsIgnoredAndEmitsNothing() {
    Run run = new Run(Duration.ZERO, Duration.ZERO).window(0, 900).window(1, 900);
    AlertState before = run.state;

    AlertStateMachine.Result again = run.machine.observe(before, 0, MIN, 900, true);

    assertThat(again.late()).isTrue();
    assertThat(again.changes()).isEmpty();
    assertThat(again.state()).isEqualTo(before);
  }

  @Test
  void aRestartFromTheStoredStateNeitherForgetsTheFiringAlertNorFiresAgain() throws Exception {
    Run first = new Run(Duration.ofMinutes(1), Duration.ZERO).windows(0, 900, 900);
    assertThat(first.statuses()).containsExactly(AlertStatus.FIRING);

    // the state goes through the store's JSON, as across a restart
    ObjectMapper json = new ObjectMapper();
    AlertState restored = json.readValue(json.writeValueAsBytes(first.state), AlertState.class);
    Run second = new Run(Duration.ofMinutes(1), Duration.ZERO);
    second.state = restored;
    second.windows(1, 900).windows(2, 900, 100);

    assertThat(second.statuses()).containsExactly(AlertStatus.RESOLVED);
    assertThat(second.changes.get(0).activeSince()).isZero();
    assertThat(second.changes.get(0).firedAt()).isEqualTo(MIN);
  }
}

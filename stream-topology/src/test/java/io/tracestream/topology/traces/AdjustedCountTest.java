package io.tracestream.topology.traces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class AdjustedCountTest {
  @Test
  void theThresholdIsPaddedToFourteenHexDigits() {
    assertThat(AdjustedCount.ofTraceState("ot=th:0")).isEqualTo(1);
    assertThat(AdjustedCount.ofTraceState("ot=th:8")).isEqualTo(2);
    assertThat(AdjustedCount.ofTraceState("ot=th:c")).isEqualTo(4);
    assertThat(AdjustedCount.ofTraceState("ot=th:e6666666666666")).isEqualTo(10);
    assertThat(AdjustedCount.ofTraceState("ot=th:e666")).isCloseTo(65_536.0 / 6_554, within(1e-12));
    assertThat(AdjustedCount.ofTraceState("ot=th:aa")).isCloseTo(256.0 / 86, within(1e-12));
    assertThat(AdjustedCount.ofTraceState("ot=th:fffffffffffff")).isEqualTo(0x1p52);
  }

  @Test
  void theThresholdIsFoundAmongOtherMembersAndKeys() {
    assertThat(AdjustedCount.ofTraceState("a=1,ot=rv:0011223344ffff;th:8")).isEqualTo(2);
    assertThat(AdjustedCount.ofTraceState("a=1 , ot=th:8;rv:0011223344ffff , b=2")).isEqualTo(2);
  }

  @Test
  void noThresholdIsAbsent() {
    assertThat(AdjustedCount.ofTraceState("")).isNaN();
    assertThat(AdjustedCount.ofTraceState("vendor=th:8")).isNaN();
    assertThat(AdjustedCount.ofTraceState("ot=rv:0011223344ffff")).isNaN();
    assertThat(AdjustedCount.ofTraceState("ot=xth:8")).isNaN();
  }

  @Test
  void aThresholdThatIsNotOneToFourteenLowercaseHexDigitsIsInvalid() {
    for (String bad : new String[] {"ot=th:", "ot=th:g", "ot=th:C", "ot=th:123456789abcdef", "ot=th:-1"}) {
      assertThat(AdjustedCount.ofTraceState(bad)).as(bad).isEqualTo(AdjustedCount.INVALID);
    }
  }

  @Test
  void jaegerProbabilisticIsTheReciprocalOfItsParam() {
    assertThat(AdjustedCount.ofJaeger("probabilistic", 0.1)).isEqualTo(10);
    assertThat(AdjustedCount.ofJaeger("probabilistic", 1)).isEqualTo(1);
    assertThat(AdjustedCount.ofJaeger("const", 1)).isNaN();
    assertThat(AdjustedCount.ofJaeger("ratelimiting", 2)).isNaN();
    assertThat(AdjustedCount.ofJaeger(null, 0.1)).isNaN();
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      assertThat(AdjustedCount.ofJaeger("probabilistic", bad)).isEqualTo(AdjustedCount.INVALID);
    }
  }

  @Test
  void anIntegerAdjustedCountIsItsWeight() {
    assertThat(AdjustedCount.weight(1, "t", "s")).isEqualTo(1);
    assertThat(AdjustedCount.weight(10, "t", "s")).isEqualTo(10);
    assertThat(AdjustedCount.weight(Double.NaN, "t", "s")).isEqualTo(1);
  }

  @Test
  void aFractionalAdjustedCountRoundsByTheIdsWithTheExactExpectation() {
    // 100,000 spans of adjusted count 2.977: the mean weight is within 5 standard errors (sd <= 0.5) of it
    double adjusted = 256.0 / 86;
    int n = 100_000;
    long sum = 0;
    for (int i = 0; i < n; i++) {
      String traceId = String.format(Locale.ROOT, "%032x", i / 4 + 1L);
      String spanId = String.format(Locale.ROOT, "%016x", i + 1L);
      long w = AdjustedCount.weight(adjusted, traceId, spanId);
      assertThat(w).isIn(2L, 3L);
      assertThat(AdjustedCount.weight(adjusted, traceId, spanId)).as("the same for a replay").isEqualTo(w);
      sum += w;
    }
    assertThat((double) sum / n).isCloseTo(adjusted, within(5 * 0.5 / Math.sqrt(n)));
  }

  @Test
  void theRoundingDoesNotFollowTheTraceIdsSamplingRandomness() {
    // consistent samplers keep traces whose low 56 bits are above the threshold: ids alike there still spread
    double adjusted = 1.5;
    int up = 0;
    for (int i = 0; i < 10_000; i++) {
      String traceId = String.format(Locale.ROOT, "%016xff00000000000000", (long) i);
      up += AdjustedCount.weight(adjusted, traceId, "00000000000000a1") == 2 ? 1 : 0;
    }
    assertThat(up).isBetween(5_000 - 250, 5_000 + 250); // 5 standard errors of 10,000 fair coins
  }
}

package io.tracestream.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdSamplerTest {
  private static final String PREFIX = "0123456789abcdef01";

  @Test
  void theThresholdIsTheSpecsRejectionThresholdWithTrailingZerosRemoved() {
    // (1 - p) * 2^56: 10 % is 0xe6666666666666.66..., rounded to the nearest integer
    assertThat(new ThresholdSampler(0.1).th()).isEqualTo("e6666666666666");
    assertThat(new ThresholdSampler(0.5).th()).isEqualTo("8");
    assertThat(new ThresholdSampler(0.25).th()).isEqualTo("c");
    assertThat(new ThresholdSampler(1).th()).isEqualTo("0");
  }

  @Test
  void aRootIsKeptWhenTheTraceIdsLast56BitsReachTheThresholdAndThenCarriesIt() {
    ThresholdSampler sampler = new ThresholdSampler(0.1);

    SamplingResult kept = root(sampler, PREFIX + "e6666666666666");
    SamplingResult dropped = root(sampler, PREFIX + "e6666666666665");

    assertThat(kept.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(kept.getUpdatedTraceState(TraceState.getDefault()).get("ot")).isEqualTo("th:e6666666666666");
    assertThat(dropped.getDecision()).isEqualTo(SamplingDecision.DROP);
  }

  @Test
  void aChildFollowsItsParentsDecisionAndKeepsItsTracestate() {
    ThresholdSampler sampler = new ThresholdSampler(0.1);
    TraceState state = TraceState.builder().put("ot", "th:e6666666666666").build();
    String traceId = PREFIX + "00000000000001"; // a root with it would be dropped

    SamplingResult underSampled = child(sampler, traceId, TraceFlags.getSampled(), state);
    SamplingResult underDropped = child(sampler, traceId, TraceFlags.getDefault(), TraceState.getDefault());

    assertThat(underSampled.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(underSampled.getUpdatedTraceState(state)).isEqualTo(state);
    assertThat(underDropped.getDecision()).isEqualTo(SamplingDecision.DROP);
  }

  @Test
  void aProbabilityOutsideTheSpecsRangeFailsAtConstruction() {
    assertThatThrownBy(() -> new ThresholdSampler(0)).hasMessageContaining("probability must be in [2^-56, 1]");
    assertThatThrownBy(() -> new ThresholdSampler(1.5)).hasMessageContaining("got 1.5");
  }

  private static SamplingResult root(ThresholdSampler sampler, String traceId) {
    return sampler.shouldSample(Context.root(), traceId, "GET /portfolio", SpanKind.SERVER, Attributes.empty(),
        List.of());
  }

  private static SamplingResult child(ThresholdSampler sampler, String traceId, TraceFlags flags, TraceState state) {
    SpanContext parent = SpanContext.create(traceId, "0123456789abcdef", flags, state);
    return sampler.shouldSample(Context.root().with(Span.wrap(parent)), traceId, "GET /positions",
        SpanKind.CLIENT, Attributes.empty(), List.of());
  }
}

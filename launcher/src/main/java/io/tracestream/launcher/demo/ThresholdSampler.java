package io.tracestream.launcher.demo;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Consistent probability sampling as the OTel spec "TraceState: Probability Sampling" defines it: a root
 * span is kept when the trace id's randomness (its last 56 bits) is at least the rejection threshold
 * {@code (1 - probability) * 2^56}, and then carries the threshold in {@code tracestate} as
 * {@code ot=th:<hex>}; a child follows its parent's decision and keeps its parent's tracestate, like the
 * SDK's {@code parentbased_traceidratio} with the threshold recorded. The threshold is written with all
 * 14 hex digits (trailing zeros removed): 10 % is {@code e6666666666666}, an adjusted count of exactly 10,
 * where SDKs at their default 4 digits write {@code e666} (9.9994).
 */
final class ThresholdSampler implements Sampler {
  private static final BigDecimal TWO_TO_56 = BigDecimal.valueOf(1L << 56);

  private final long threshold;
  private final String th;

  ThresholdSampler(double probability) {
    if (!(probability >= 0x1p-56 && probability <= 1)) {
      throw new IllegalArgumentException("probability must be in [2^-56, 1], got " + probability);
    }
    threshold = TWO_TO_56.multiply(BigDecimal.ONE.subtract(new BigDecimal(probability)))
        .setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    th = threshold == 0 ? "0" : String.format("%014x", threshold).replaceAll("0+$", "");
  }

  /** The {@code th} value, as in {@code tracestate: ot=th:<th>}. */
  String th() {
    return th;
  }

  @Override
  public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
      Attributes attributes, List<LinkData> parentLinks) {
    SpanContext parent = Span.fromContext(parentContext).getSpanContext();
    if (parent.isValid()) {
      return parent.isSampled() ? SamplingResult.recordAndSample() : SamplingResult.drop();
    }
    long randomness = Long.parseUnsignedLong(traceId.substring(traceId.length() - 14), 16);
    if (randomness < threshold) {
      return SamplingResult.drop();
    }
    return new SamplingResult() {
      @Override
      public SamplingDecision getDecision() {
        return SamplingDecision.RECORD_AND_SAMPLE;
      }

      @Override
      public Attributes getAttributes() {
        return Attributes.empty();
      }

      @Override
      public TraceState getUpdatedTraceState(TraceState parentTraceState) {
        return parentTraceState.toBuilder().put("ot", "th:" + th).build();
      }
    };
  }

  @Override
  public String getDescription() {
    return "ThresholdSampler{th=" + th + "}";
  }
}

package io.tracestream.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Pipeline-health counters of the topology, exported as {@code tracestream_*_total}. */
final class MicrometerTopologyMetrics implements TopologyMetrics {
  private final MeterRegistry registry;
  private final Counter poison;
  private final Counter clamped;
  private final Counter lateTraceSpans;
  private final Counter completed;

  MicrometerTopologyMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.poison = Counter.builder("tracestream.dlq.records")
        .description("input records that could not be decoded and went to the DLQ topic").register(registry);
    this.clamped = Counter.builder("tracestream.clamped.spans")
        .description("spans ending further in the future than topology.max.future.skew, taken as ending then")
        .register(registry);
    this.lateTraceSpans = Counter.builder("tracestream.late.trace.spans")
        .description("spans for a trace already completed: counted in span metrics, not added to the trace")
        .register(registry);
    this.completed = Counter.builder("tracestream.traces.completed")
        .description("traces assembled, completed and summarized").register(registry);
  }

  @Override
  public void poisonRecord() {
    poison.increment();
  }

  @Override
  public void lateSpans(String service, long count) {
    Counter.builder("tracestream.late.spans")
        .description("spans that arrived after their window closed (end + grace); not in any window result")
        .tag("service_name", service).register(registry).increment(count);
  }

  @Override
  public void overflowSpans(String service, long count) {
    Counter.builder("tracestream.overflow.spans")
        .description("spans of operations past topology.max.operations.per.service, counted in span_name=\"__overflow__\"")
        .tag("service_name", service).register(registry).increment(count);
  }

  @Override
  public void droppedSpans(String reason, long count) {
    Counter.builder("tracestream.dropped.spans")
        .description("spans left out of trace assembly, by reason (they still count in span metrics)")
        .tag("reason", reason).register(registry).increment(count);
  }

  @Override
  public void lateTraceSpans(long count) {
    lateTraceSpans.increment(count);
  }

  @Override
  public void tracesCompleted(long count) {
    completed.increment(count);
  }

  @Override
  public void clampedSpans(long count) {
    clamped.increment(count);
  }
}

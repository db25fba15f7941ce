package io.tracestream.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Pipeline-health counters of the topology, exported as {@code tracestream_*_total}. */
final class MicrometerTopologyMetrics implements TopologyMetrics {
  private final MeterRegistry registry;
  private final Counter poison;
  private final Counter clamped;
  private final Counter lateTraceSpans;
  private final Counter rejoinedTraceSpans;
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
    this.rejoinedTraceSpans = Counter.builder("tracestream.rejoined.trace.spans")
        .description("spans for a trace completed less than topology.trace.rejoin ago, joined to it: its summary"
            + " is sent again and the edges they add are counted")
        .register(registry);
    this.completed = Counter.builder("tracestream.traces.completed")
        .description("traces assembled, completed and summarized").register(registry);
  }

  @Override
  public void poisonRecord() {
    poison.increment();
  }

  @Override
  public void late(WindowedInput input, String service, long count) {
    tagged("tracestream.late." + input.plural(), input.serviceTag(), service,
        input.plural() + " that arrived after their window closed (end + grace); not in any window result").increment(count);
  }

  @Override
  public void overflow(WindowedInput input, String service, long count) {
    tagged("tracestream.overflow." + input.plural(), input.serviceTag(), service,
        input.plural() + " past topology.max.operations.per.service for their " + input.serviceTag() + ", counted under "
            + input.operationTag() + "=\"__overflow__\"").increment(count);
  }

  @Override
  public void droppedSpans(String reason, long count) {
    tagged("tracestream.dropped.spans", "reason", reason,
        "spans left out of trace assembly, by reason (they still count in span metrics)").increment(count);
  }

  @Override
  public void unpairedSpans(String reason, long count) {
    tagged("tracestream.edge.unpaired.spans", "reason", reason,
        "client, server, producer or consumer spans of completed traces that are in no dependency edge, by reason").increment(count);
  }

  @Override
  public void lateTraceSpans(long count) {
    lateTraceSpans.increment(count);
  }

  @Override
  public void rejoinedTraceSpans(long count) {
    rejoinedTraceSpans.increment(count);
  }

  @Override
  public void tracesCompleted(long count) {
    completed.increment(count);
  }

  @Override
  public void clampedSpans(long count) {
    clamped.increment(count);
  }

  private Counter tagged(String name, String tag, String value, String description) {
    return Counter.builder(name).description(description).tag(tag, value).register(registry);
  }
}

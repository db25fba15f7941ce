package io.tracestream.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Pipeline-health counters of the topology, exported as {@code tracestream_*_total}.
 *
 * <p>The counters tagged with a service ({@code late}, {@code overflow}) hold at most
 * {@code maxServices} service values each; further services count under {@code __overflow__}. A
 * service's counter not incremented for {@code expireAfter} (wall clock) is removed from the registry,
 * checked as counters are incremented and at each scrape ({@link #expire}).
 */
final class MicrometerTopologyMetrics implements TopologyMetrics {
  private final MeterRegistry registry;
  private final int maxServices;
  private final long expireAfterMs;
  private final Clock clock;
  private final Map<String, ServiceCounters> byService = new ConcurrentHashMap<>();
  private final Counter poison;
  private final Counter clamped;
  private final Counter lateTraceSpans;
  private final Counter rejoinedTraceSpans;
  private final Counter completed;

  MicrometerTopologyMetrics(MeterRegistry registry, int maxServices, Duration expireAfter, Clock clock) {
    this.registry = registry;
    this.maxServices = maxServices;
    this.expireAfterMs = expireAfter.toMillis();
    this.clock = clock;
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
    perService("tracestream.late." + input.plural(), input.serviceTag(),
        input.plural() + " that arrived after their window closed (end + grace); not in any window result")
        .increment(service, count);
  }

  @Override
  public void overflow(WindowedInput input, String service, long count) {
    perService("tracestream.overflow." + input.plural(), input.serviceTag(),
        input.plural() + " past topology.max.operations.per.service for their " + input.serviceTag()
            + ", counted under " + input.operationTag() + "=\"__overflow__\"; " + input.serviceTag()
            + "=\"__overflow__\": past"
            + " topology.max.services").increment(service, count);
  }

  /** Tagged by input and dimension, not service: the configured dimensions bound it. */
  @Override
  public void dimensionOverflow(WindowedInput input, String service, String dimension, long count) {
    Counter.builder("tracestream.dimension.overflow").tag("input", input.plural()).tag("dimension", dimension)
        .description("spans (traces) whose value of a dimension was past topology.dimensions.max.values for their"
            + " service (root service), counted under the value \"__overflow__\"").register(registry).increment(count);
  }

  @Override
  public void droppedSpans(String reason, long count) {
    tagged("tracestream.dropped.spans", "reason", reason,
        "spans left out of trace assembly, by reason (they still count in span metrics)").increment(count);
  }

  @Override
  public void unpairedSpans(String reason, long count) {
    tagged("tracestream.edge.unpaired.spans", "reason", reason,
        "client, server, producer or consumer spans of completed traces that are in no dependency edge, by reason")
        .increment(count);
  }

  @Override
  public void inferredEdges(String rule, long count) {
    tagged("tracestream.edge.inferred", "rule", rule, "dependency edges (calls) inferred from a parent and a child"
        + " span in two services whose span kinds do not pair, by rule").increment(count);
  }

  @Override
  public void invalidSampling(String source, long count) {
    tagged("tracestream.sampling.invalid", "source", source, "spans whose sampling information (an ot=th: threshold"
        + " in the trace state, Jaeger's sampler.type=probabilistic and sampler.param) was unusable; they count as"
        + " unsampled").increment(count);
  }

  @Override
  public void evictedTraces(String held, long count) {
    tagged("tracestream.traces.evicted", "held", held, "traces trace assembly let go of early because its traces"
        + " took topology.trace.max.held.bytes: open ones completed early, kept ones forgotten before"
        + " topology.trace.rejoin").increment(count);
  }

  @Override
  public void heldTraceBytes(LongSupplier bytes) {
    Gauge.builder("tracestream.trace.assembly.held", bytes, LongSupplier::getAsLong).baseUnit("bytes")
        .description("the traces held by trace assembly (open, or kept for rejoining): their stored spans + 512"
            + " bytes per trace; at most topology.trace.max.held.bytes").register(registry);
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

  /** Removes the per-service counters not incremented for expireAfter. */
  void expire() {
    long now = clock.millis();
    byService.values().forEach(counters -> counters.expire(now));
  }

  private ServiceCounters perService(String name, String tag, String description) {
    return byService.computeIfAbsent(name, n -> new ServiceCounters(name, tag, description));
  }

  /** One counter name's counters by service, at most maxServices of them plus the overflow one. */
  private final class ServiceCounters {
    private final String name;
    private final String tag;
    private final String description;
    private final Map<String, Touched> counters = new HashMap<>();
    private long expiredAt = clock.millis();

    ServiceCounters(String name, String tag, String description) {
      this.name = name;
      this.tag = tag;
      this.description = description;
    }

    synchronized void increment(String service, long count) {
      long now = clock.millis();
      if (now - expiredAt >= Math.min(expireAfterMs, 60_000)) {
        expire(now);
      }
      String value = counters.containsKey(service) || counters.size() < maxServices
          ? service : CardinalityGuard.OVERFLOW;
      Touched touched = counters.computeIfAbsent(value, v -> new Touched(tagged(name, tag, v, description)));
      touched.at = now;
      touched.counter.increment(count);
    }

    synchronized void expire(long now) {
      expiredAt = now;
      counters.values().removeIf(t -> {
        boolean old = now - t.at > expireAfterMs;
        if (old) {
          registry.remove(t.counter);
        }
        return old;
      });
    }
  }

  private static final class Touched {
    final Counter counter;
    long at;

    Touched(Counter counter) {
      this.counter = counter;
    }
  }
}

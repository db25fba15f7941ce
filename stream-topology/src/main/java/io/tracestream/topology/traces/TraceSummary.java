package io.tracestream.topology.traces;

import java.util.List;
import java.util.Objects;

/**
 * One completed trace as its SLA sees it, the value of {@code tracestream.traces} records.
 *
 * @param rootService service of the root span (or of the stand-in root, see {@code rootMissing})
 * @param rootOperation name of that span
 * @param rootMissing no span of the trace has an empty parent id (the root was lost, sampled away, or
 *     has not arrived); the earliest-starting span then stands in as root
 * @param startNanos earliest span start, epoch nanoseconds
 * @param durationNanos latest span end minus {@code startNanos}; never negative
 * @param error some span of the trace has status ERROR
 * @param services every service with a span in the trace, sorted, no duplicates
 */
public record TraceSummary(
    String traceId,
    String rootService,
    String rootOperation,
    boolean rootMissing,
    long startNanos,
    long durationNanos,
    int spanCount,
    boolean error,
    List<String> services) {

  public TraceSummary {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(rootService, "rootService");
    Objects.requireNonNull(rootOperation, "rootOperation");
    services = List.copyOf(services);
  }
}

package io.tracestream.topology.traces;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tracestream.topology.model.SeriesKey;
import java.util.Map;
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
 * @param attributes the trace's values of the attributes the decoder keeps for dimensions (those not in
 *     {@link TraceSpan#ATTRIBUTE_KEYS}): the root's (or stand-in root's), else the first in start order
 *     of a span that has it; sorted by name; left out of the JSON when empty
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
    List<String> services,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes) {

  public TraceSummary {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(rootService, "rootService");
    Objects.requireNonNull(rootOperation, "rootOperation");
    services = List.copyOf(services);
    attributes = SeriesKey.sorted(attributes);
  }

  /** A summary without dimension attributes. */
  public TraceSummary(String traceId, String rootService, String rootOperation, boolean rootMissing,
      long startNanos, long durationNanos, int spanCount, boolean error, List<String> services) {
    this(traceId, rootService, rootOperation, rootMissing, startNanos, durationNanos, spanCount, error, services,
        Map.of());
  }
}

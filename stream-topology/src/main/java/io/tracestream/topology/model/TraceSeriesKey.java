package io.tracestream.topology.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One whole-trace SLA series: the service and operation of the traces' root span, and the values of
 * {@code topology.trace.dimensions} (by attribute name, sorted; left out of the JSON when empty, as in
 * {@link SeriesKey}). The key of {@code tracestream.trace-metrics} records, as JSON.
 */
public record TraceSeriesKey(String rootService, String rootOperation,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> dimensions) {

  public TraceSeriesKey {
    dimensions = SeriesKey.sorted(dimensions);
  }

  public TraceSeriesKey(String rootService, String rootOperation) {
    this(rootService, rootOperation, Map.of());
  }
}

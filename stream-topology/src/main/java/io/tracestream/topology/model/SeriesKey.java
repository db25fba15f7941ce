package io.tracestream.topology.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One span-metrics series: the dimensions of the OTel spanmetrics connector. Kind and status are the
 * OTLP enum names ({@code SPAN_KIND_SERVER}, {@code STATUS_CODE_ERROR}), as the connector writes them.
 * The key of {@code tracestream.span-metrics} records, as JSON.
 *
 * @param dimensions the values of {@code topology.dimensions} by attribute name, sorted; left out of the
 *     JSON when empty, so a key without them is written as before, and a key written before them is read
 *     with none
 */
public record SeriesKey(String service, String operation, String kind, String status,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> dimensions) {
  /** The span name that stands for every operation past the per-service cardinality limit. */
  public static final String OVERFLOW_OPERATION = "__overflow__";

  public SeriesKey {
    dimensions = sorted(dimensions);
  }

  public SeriesKey(String service, String operation, String kind, String status) {
    this(service, operation, kind, status, Map.of());
  }

  public boolean isError() {
    return "STATUS_CODE_ERROR".equals(status);
  }

  /** A series' dimensions: sorted by name, unmodifiable, never null. */
  public static SortedMap<String, String> sorted(Map<String, String> dimensions) {
    return dimensions == null || dimensions.isEmpty() ? Collections.emptySortedMap()
        : Collections.unmodifiableSortedMap(new TreeMap<>(dimensions));
  }
}

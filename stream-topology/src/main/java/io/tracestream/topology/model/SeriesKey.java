package io.tracestream.topology.model;

/**
 * One span-metrics series: the dimensions of the OTel spanmetrics connector. Kind and status are the
 * OTLP enum names ({@code SPAN_KIND_SERVER}, {@code STATUS_CODE_ERROR}), as the connector writes them.
 * The key of {@code tracestream.span-metrics} records, as JSON.
 */
public record SeriesKey(String service, String operation, String kind, String status) {
  /** The span name that stands for every operation past the per-service cardinality limit. */
  public static final String OVERFLOW_OPERATION = "__overflow__";

  public boolean isError() {
    return "STATUS_CODE_ERROR".equals(status);
  }
}

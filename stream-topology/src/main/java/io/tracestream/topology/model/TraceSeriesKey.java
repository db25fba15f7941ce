package io.tracestream.topology.model;

/**
 * One whole-trace SLA series: the service and operation of the traces' root span. The key of
 * {@code tracestream.trace-metrics} records, as JSON.
 */
public record TraceSeriesKey(String rootService, String rootOperation) {}

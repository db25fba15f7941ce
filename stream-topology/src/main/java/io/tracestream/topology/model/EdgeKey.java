package io.tracestream.topology.model;

/**
 * One dependency edge series: the labels of the OTel Collector's servicegraph connector. The key of
 * {@code tracestream.edges} records, as JSON.
 *
 * @param client the calling service (a producer for messaging), or {@code user} for a root server span
 * @param server the called service (a consumer for messaging), or a peer named by attributes
 * @param connectionType {@code ""} (both sides instrumented), {@code messaging_system}, {@code database}
 *     or {@code virtual_node}
 */
public record EdgeKey(String client, String server, String connectionType) {}

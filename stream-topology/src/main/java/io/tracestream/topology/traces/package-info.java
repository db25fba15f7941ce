/**
 * What tracestream derives from one completed trace: its {@link io.tracestream.topology.traces.TraceSummary
 * summary} (whole-trace latency and error) and its service dependency
 * {@link io.tracestream.topology.traces.Edge edges}. Pure code: no Kafka, no Streams, no JSON.
 *
 * <p>Edges, as {@code traces_service_graph_request_total{client, server, connection_type}} shows them
 * (the OTel Collector servicegraph connector's labels; Zipkin's {@code DependencyLinker} for the tree
 * walk):
 *
 * <ul>
 *   <li><b>A calls B</b> ({@code connection_type=""}): a SERVER span in B whose nearest remote ancestor
 *       is a CLIENT span in A. INTERNAL spans in between do not matter (Zipkin walks through local
 *       spans; the connector only looks at the direct parent). A = B is still an edge: a call between
 *       processes of one service. Each server span is one call, so a client span answered by two
 *       server spans (a retry through a proxy) counts two calls.
 *   <li><b>A sends to B</b> ({@code messaging_system}): a CONSUMER span in B whose nearest remote
 *       ancestor is a PRODUCER span in A, or which has a span link to a PRODUCER span in A (context
 *       carried in Kafka headers, consumer starts a new span). A link pairs only when the producer
 *       span is in the same trace; a consumer that starts its own trace and links back to another
 *       trace is counted as {@code linked_producer_not_in_trace} and its producer as
 *       {@code producer_without_consumer}. A consumer linking to several producers (a batch) makes one
 *       edge per producer.
 *   <li><b>A uses database D</b> ({@code database}): a CLIENT span in A with no server span below it
 *       and with {@code db.system}, {@code db.name} or {@code db.namespace}. D is {@code peer.service}
 *       if set, else {@code db.name}, else {@code db.namespace} (as the connector names databases by
 *       name: {@code orders}, not {@code postgresql}), else {@code db.system}. The server latency of a
 *       database edge is the client's, as in the connector.
 *   <li><b>A calls uninstrumented X</b> ({@code virtual_node}): a CLIENT span in A with no server span
 *       below it, X being {@code peer.service}, else {@code server.address}. No server latency.
 *   <li><b>user calls A</b> ({@code virtual_node}): a root SERVER span (no parent id) in A: its caller
 *       is not instrumented (browser, curl, load balancer). No client latency.
 *   <li>An instrumented server always names the node: a CLIENT span answered by a SERVER span makes
 *       only the A calls B edge, whatever its {@code peer.service} says.
 *   <li><b>Failed</b>: either span of the pair has status ERROR (for one-sided edges, that one span).
 * </ul>
 *
 * <p>Not edges, counted by {@link io.tracestream.topology.traces.UnpairedReason}: a server or consumer
 * whose parent is not in the trace ({@code missing_parent}: lost span, or the trace was completed too
 * early), a server whose nearest remote ancestor is not a client ({@code server_without_client}; Zipkin
 * would guess an edge here, we do not invent a call no client span recorded), a client with no server
 * and no attribute naming its peer, a producer with no consumer in the trace, a root consumer with no
 * link (no "user" edge for messages: nobody called it), loops in parent ids, duplicate span ids.
 *
 * <p>Latencies are span durations in nanoseconds; {@link io.tracestream.topology.traces.Edge#MISSING_LATENCY}
 * (-1) marks a side no span measured, which must be left out of latency histograms, not counted as 0.
 */
package io.tracestream.topology.traces;

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
 *       and with {@code db.system}, {@code db.name} or {@code db.namespace}. D is named by its peer
 *       attributes, below. The server latency of a database edge is the client's, as in the connector.
 *   <li><b>A calls uninstrumented X</b> ({@code virtual_node}): a CLIENT span in A with no server span
 *       below it (and no inferred server side, below), X being named by its peer attributes. No server latency.
 *   <li><b>user calls A</b> ({@code virtual_node}): a root SERVER span (no parent id) in A: its caller
 *       is not instrumented (browser, curl, load balancer). No client latency.
 *   <li>An instrumented server always names the node: a CLIENT span answered by a SERVER span makes
 *       only the A calls B edge, whatever its {@code peer.service} says.
 *   <li><b>Failed</b>: either span of the pair has status ERROR (for one-sided edges, that one span).
 * </ul>
 *
 * <p><b>Peer attributes</b> ({@code topology.peer.attributes}, like the connector's
 * {@code virtual_node_peer_attributes}): the first of these a client span has names its peer. Default, logical
 * names before addresses (a name says what is called, an address only where) and each current name before its
 * older one: {@code peer.service}; {@code db.name}, {@code db.namespace} (a database by name: {@code orders}),
 * {@code db.system} ({@code redis} rather than the host of one of its nodes); {@code messaging.destination.name},
 * {@code messaging.destination} (before 1.20; a queue rather than its broker's host); {@code server.address},
 * {@code net.peer.name} (before 1.21), {@code peer.hostname} (OpenTracing); {@code url.full},
 * {@code http.url} (before 1.23), of which only the host counts (no user, no port: as {@code server.address}).
 * {@code net.peer.port} names nothing: a port alone is no peer. The list may reorder or leave out these names;
 * others fail at start, as the decoder keeps no other attribute. Whether the edge is {@code database} does not
 * depend on the name: it is whenever the span has a {@code db.*} attribute above.
 *
 * <p><b>Inferred edges</b>, as Jaeger's dependency view (any parent → child in two services) and Zipkin's
 * {@code DependencyLinker} link spans whose kinds do not pair, for services that start spans by hand (a consumer
 * continuing the context from Kafka headers as an INTERNAL span, a client library of INTERNAL
 * {@code api_request} spans). After the pairs above, each span C in service B that is not in one (not a paired
 * server or consumer, nor a local span between one and its caller) is linked to its direct parent P in service
 * A when A ≠ B; counted in {@code tracestream_edge_inferred_total{rule}}, by the rule that made the edge:
 *
 * <ul>
 *   <li>{@code producer_child} ({@code messaging_system}): P is a PRODUCER and C is not a CONSUMER (those pair
 *       above); latencies and failure as a producer/consumer pair.
 *   <li>{@code producer_link} ({@code messaging_system}): C is INTERNAL (or of unspecified kind) and has a span
 *       link to a PRODUCER span of the trace, one edge per producer, also when A = B (a link is put there by
 *       messaging instrumentation; a child is also what local work under a producer looks like, so a child in
 *       the producer's own service is no message). A parent producer and a link to it are one message.
 *   <li>{@code client_child}: P is a CLIENT that no server answered; C is its server side. Client latency is
 *       P's, server latency C's, failed if either failed; {@code messaging_system} when C is a CONSUMER or
 *       either has {@code messaging.system}, else {@code ""}. P is then paired: no virtual node, not counted
 *       as {@code client_without_server}. A client answered by a server, or already by an inferred child, makes
 *       no other edge: a CLIENT span is one call.
 *   <li>{@code cross_service_child}: any other P (SERVER, INTERNAL, CONSUMER, unspecified); also a SERVER or
 *       CONSUMER C whose pairing failed ({@code server_without_client} and the like, then not counted so).
 *       No span measured the caller's side: no client latency, failed only if C failed;
 *       {@code messaging_system} when C is a CONSUMER or either has {@code messaging.system}, else {@code ""}.
 * </ul>
 *
 * <p>No double counting: one caller span makes at most one edge per service it calls, explicit or inferred (of
 * several children of P in B, the first by start time, then span id, makes it; a producer consumed in two
 * services makes two); a span between a paired server and its client is in that call; a server or consumer below
 * an inferred child in its own service is in that child's call, not counted unpaired. Spans in one service
 * (nested {@code api_request} spans, a handler's steps) make no edge, nor does a span whose parent is not in the
 * trace (it is counted only if it is a server or consumer). A span in a loop of parent ids is not inferred.
 *
 * <p>Not edges, counted by {@link io.tracestream.topology.traces.UnpairedReason}: a server or consumer
 * whose parent is not in the trace ({@code missing_parent}: lost span, or the trace was completed too
 * early), a server whose nearest remote ancestor is not a client and whose parent is in its own service
 * ({@code server_without_client}), a client with no server, no inferred server side and no peer attribute, a
 * producer with no consumer in the trace, a root consumer with no link (no "user" edge for messages: nobody
 * called it), loops in parent ids, duplicate span ids.
 *
 * <p>Latencies are span durations in nanoseconds; {@link io.tracestream.topology.traces.Edge#MISSING_LATENCY}
 * (-1) marks a side no span measured, which must be left out of latency histograms, not counted as 0.
 */
package io.tracestream.topology.traces;

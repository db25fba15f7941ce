package io.tracestream.topology.model;

/**
 * The final result of one closed window of one dependency edge, the value of
 * {@code tracestream.edges} records, as JSON. An edge is counted in the window of its trace's end.
 *
 * @param windowStart window start, epoch milliseconds (inclusive)
 * @param windowEnd window end, epoch milliseconds (exclusive)
 * @param calls calls (or messages) over the edge
 * @param errors calls where the client side or the server side had status ERROR
 * @param client latency of the client (or producer) spans of those calls, with its own count (an edge
 *     from {@code user} has no client span); null when no call had one. Its {@code errors} are those
 *     of the edge.
 * @param server latency of the server (or consumer) spans; a database edge carries the client's
 *     duration, as the connector does; null when no call had one (a virtual node)
 */
public record EdgeWindowResult(
    long windowStart,
    long windowEnd,
    long calls,
    long errors,
    WindowResult client,
    WindowResult server) {}

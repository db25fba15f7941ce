package io.tracestream.topology.traces;

import java.util.Objects;

/**
 * One call seen in one trace: a request from {@code client} to {@code server}, or a message from a
 * producer ({@code client}) to a consumer ({@code server}). Labels follow the OTel Collector's
 * servicegraph connector ({@code traces_service_graph_request_total{client, server, connection_type}}).
 *
 * @param connectionType {@link #UNSET}, {@link #MESSAGING_SYSTEM}, {@link #DATABASE} or {@link #VIRTUAL_NODE}
 * @param failed the client side or the server side (either span of the pair) has status ERROR
 * @param clientLatencyNanos duration of the client (or producer) span; {@link #MISSING_LATENCY} when
 *     there is no client span (an edge from {@link #USER})
 * @param serverLatencyNanos duration of the server (or consumer) span; {@link #MISSING_LATENCY} when
 *     no span measured the server side (a virtual node); a database edge carries the client's duration
 *     here, as the connector does, because a database never has a span of its own
 * @param rule the linker's rule that made it: {@link EdgeRule#EXPLICIT}, or an inference from a parent and a
 *     child in two services (counted in {@code tracestream_edge_inferred_total})
 * @param calls how many calls of the real traffic it stands for, at least 1, more than 1 when its spans were
 *     sampled: the weight ({@link TraceSpan#weight}) of the span that made the call (the client, producer or
 *     parent span; the server span of a call from {@link #USER}), or of the span that answered when that
 *     was sampled more sparsely ({@link #weightedBy(TraceSpan, TraceSpan)})
 */
public record Edge(
    String client,
    String server,
    String connectionType,
    boolean failed,
    long clientLatencyNanos,
    long serverLatencyNanos,
    EdgeRule rule,
    long calls) {

  /** An instrumented client and an instrumented server. */
  public static final String UNSET = "";
  public static final String MESSAGING_SYSTEM = "messaging_system";
  public static final String DATABASE = "database";
  /** One side was not instrumented: an uninstrumented caller ({@link #USER}) or a peer named by attributes. */
  public static final String VIRTUAL_NODE = "virtual_node";
  /** The client name of a root server span's caller, as the servicegraph connector names it. */
  public static final String USER = "user";
  /** Latency of a side that no span measured; never a real duration (those are >= 0). */
  public static final long MISSING_LATENCY = -1;

  public Edge {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(connectionType, "connectionType");
    Objects.requireNonNull(rule, "rule");
    if (calls < 1) {
      throw new IllegalArgumentException("calls is " + calls + ", not at least 1");
    }
  }

  /** One call. */
  public Edge(String client, String server, String connectionType, boolean failed, long clientLatencyNanos,
      long serverLatencyNanos, EdgeRule rule) {
    this(client, server, connectionType, failed, clientLatencyNanos, serverLatencyNanos, rule, 1);
  }

  /** An edge whose span kinds pair ({@link EdgeRule#EXPLICIT}). */
  public Edge(String client, String server, String connectionType, boolean failed, long clientLatencyNanos,
      long serverLatencyNanos) {
    this(client, server, connectionType, failed, clientLatencyNanos, serverLatencyNanos, EdgeRule.EXPLICIT);
  }

  /** The same edge standing for the calls {@code caller} stands for ({@link TraceSpan#weight}). */
  public Edge weightedBy(TraceSpan caller) {
    return weighted(caller.weight());
  }

  /**
   * The same edge standing for the calls a pair of spans stands for: the larger adjusted count of the two,
   * rounded as the caller's ({@link AdjustedCount#weight}). A pair is seen only when both spans were kept;
   * under consistent probability sampling (one source of randomness per trace) that happens with the smaller
   * of their probabilities. When both sides sample alike (a parent-based sampler) it is the caller's count.
   */
  public Edge weightedBy(TraceSpan caller, TraceSpan callee) {
    double adjusted = Math.max(caller.adjustedCount(), callee.adjustedCount());
    return weighted(AdjustedCount.weight(adjusted, caller.traceId(), caller.spanId()));
  }

  private Edge weighted(long weight) {
    return weight == calls ? this : new Edge(client, server, connectionType, failed, clientLatencyNanos,
        serverLatencyNanos, rule, weight);
  }

  public boolean hasClientLatency() {
    return clientLatencyNanos != MISSING_LATENCY;
  }

  public boolean hasServerLatency() {
    return serverLatencyNanos != MISSING_LATENCY;
  }
}

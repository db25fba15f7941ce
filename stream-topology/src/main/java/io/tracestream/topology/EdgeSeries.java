package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import java.util.List;
import java.util.Map;

/**
 * Dependency edges: a series per (client, server, connection type), with calls, failed calls, and the
 * client-side and server-side latency of each ({@link EdgeWindow}). The inputs are partials summed in
 * the trace assembly tasks ({@link TracePreAggregator}), merged here. The cardinality guard limits the
 * distinct servers per client: a client span naming its peer by {@code server.address} could otherwise
 * make a series per IP address.
 */
final class EdgeSeries implements WindowSeries<EdgePartial, EdgeKey, EdgeWindowResult> {
  static final String WINDOWS_STORE = "edge-windows";
  static final String STATE_STORE = "edge-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(EdgePartial edges) { return edges.client(); }

  @Override public String operation(EdgePartial edges) { return edges.server(); }

  @Override public long count(EdgePartial edges) { return edges.window().calls(); }

  @Override
  public EdgeKey series(EdgePartial edges, String admittedClient, String admittedServer,
      Map<String, String> noDimensions) {
    return new EdgeKey(admittedClient, admittedServer, edges.connectionType());
  }

  @Override
  public byte[] add(byte[] window, EdgePartial edges) {
    if (window == null) {
      return edges.window().toBytes();
    }
    EdgeWindow sum = EdgeWindow.fromBytes(window);
    sum.merge(edges.window());
    return sum.toBytes();
  }

  @Override
  public EdgeWindowResult result(byte[] window, long windowStart, long windowEnd) {
    return EdgeWindow.fromBytes(window).result(windowStart, windowEnd);
  }

  @Override public WindowedInput input() { return WindowedInput.EDGES; }

  @Override
  public List<String> parts(EdgeKey key) {
    return List.of(key.client(), key.server(), key.connectionType());
  }

  @Override
  public EdgeKey fromParts(List<String> p) {
    return new EdgeKey(p.get(0), p.get(1), p.get(2));
  }
}

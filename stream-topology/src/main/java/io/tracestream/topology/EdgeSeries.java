package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.Edge;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Dependency edges: a series per (client, server, connection type), with calls, failed calls, and the
 * client-side and server-side latency of each in their own accumulator (an edge from {@code user} has
 * no client side, one to a virtual node no server side). The cardinality guard limits the distinct
 * servers per client: a client span naming its peer by {@code server.address} could otherwise make a
 * series per IP address.
 */
final class EdgeSeries implements WindowSeries<Edge, EdgeKey, EdgeWindowResult> {
  static final String WINDOWS_STORE = "edge-windows";
  static final String STATE_STORE = "edge-state";

  @Override public String windowsStore() { return WINDOWS_STORE; }

  @Override public String stateStore() { return STATE_STORE; }

  @Override public String service(Edge edge) { return edge.client(); }

  @Override public String operation(Edge edge) { return edge.server(); }

  @Override
  public EdgeKey series(Edge edge, String admittedClient, String admittedServer) {
    return new EdgeKey(admittedClient, admittedServer, edge.connectionType());
  }

  @Override
  public byte[] add(byte[] window, Edge edge) {
    Sides sides = window == null ? new Sides(0, 0, null, null) : Sides.read(window);
    WindowAccumulator client = sides.client;
    WindowAccumulator server = sides.server;
    if (edge.hasClientLatency()) {
      client = client == null ? WindowAccumulator.empty() : client;
      client.add(edge.clientLatencyNanos() / 1e6, edge.failed());
    }
    if (edge.hasServerLatency()) {
      server = server == null ? WindowAccumulator.empty() : server;
      server.add(edge.serverLatencyNanos() / 1e6, edge.failed());
    }
    return new Sides(sides.calls + 1, sides.errors + (edge.failed() ? 1 : 0), client, server).write();
  }

  @Override
  public EdgeWindowResult result(byte[] window, long windowStart, long windowEnd) {
    Sides sides = Sides.read(window);
    return new EdgeWindowResult(windowStart, windowEnd, sides.calls, sides.errors,
        result(sides.client, windowStart, windowEnd), result(sides.server, windowStart, windowEnd));
  }

  private static WindowResult result(WindowAccumulator side, long windowStart, long windowEnd) {
    return side == null ? null : side.result(windowStart, windowEnd);
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

  /** A window's state: calls, errors, then each side as a length (0: none) and its accumulator's bytes. */
  private record Sides(long calls, long errors, WindowAccumulator client, WindowAccumulator server) {
    byte[] write() {
      byte[] c = client == null ? new byte[0] : client.toBytes();
      byte[] s = server == null ? new byte[0] : server.toBytes();
      return ByteBuffer.allocate(24 + c.length + s.length)
          .putLong(calls).putLong(errors).putInt(c.length).put(c).putInt(s.length).put(s).array();
    }

    static Sides read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long calls = in.getLong();
      long errors = in.getLong();
      return new Sides(calls, errors, side(in), side(in));
    }

    private static WindowAccumulator side(ByteBuffer in) {
      byte[] b = new byte[in.getInt()];
      in.get(b);
      return b.length == 0 ? null : WindowAccumulator.fromBytes(b);
    }
  }
}

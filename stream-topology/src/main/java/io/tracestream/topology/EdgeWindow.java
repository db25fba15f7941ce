package io.tracestream.topology;

import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.Edge;
import java.nio.ByteBuffer;

/**
 * The calls of one edge series in one window, or in a partial of one: calls, failed calls, and the
 * client-side and server-side latency each in its own {@link WindowAccumulator} ({@code null} while no
 * call measured that side: an edge from {@code user} has no client side, one to a virtual node no server
 * side). Mutable, like the accumulator: a partial is summed on the heap, then merged into the window.
 *
 * <p>Bytes (the {@code edge-windows} store's values, unchanged since before pre-aggregation): calls and
 * errors (longs), then each side as an int length (0: none) and its accumulator's bytes, big-endian.
 */
final class EdgeWindow {
  private long calls;
  private long errors;
  private WindowAccumulator client;
  private WindowAccumulator server;

  private EdgeWindow(long calls, long errors, WindowAccumulator client, WindowAccumulator server) {
    this.calls = calls;
    this.errors = errors;
    this.client = client;
    this.server = server;
  }

  static EdgeWindow empty() {
    return new EdgeWindow(0, 0, null, null);
  }

  /** Adds the {@link Edge#calls} one edge of a trace stands for. */
  void add(Edge edge) {
    calls += edge.calls();
    if (edge.failed()) {
      errors += edge.calls();
    }
    if (edge.hasClientLatency()) {
      client = client == null ? WindowAccumulator.empty() : client;
      client.add(edge.clientLatencyNanos() / 1e6, edge.failed(), edge.calls());
    }
    if (edge.hasServerLatency()) {
      server = server == null ? WindowAccumulator.empty() : server;
      server.add(edge.serverLatencyNanos() / 1e6, edge.failed(), edge.calls());
    }
  }

  /** Adds every call {@code other} holds, as if they had been added here. */
  void merge(EdgeWindow other) {
    calls += other.calls;
    errors += other.errors;
    client = merge(client, other.client);
    server = merge(server, other.server);
  }

  private static WindowAccumulator merge(WindowAccumulator into, WindowAccumulator other) {
    if (other == null) {
      return into;
    }
    WindowAccumulator sum = into == null ? WindowAccumulator.empty() : into;
    sum.merge(other);
    return sum;
  }

  long calls() {
    return calls;
  }

  long errors() {
    return errors;
  }

  EdgeWindowResult result(long windowStart, long windowEnd) {
    return new EdgeWindowResult(windowStart, windowEnd, calls, errors,
        result(client, windowStart, windowEnd), result(server, windowStart, windowEnd));
  }

  private static WindowResult result(WindowAccumulator side, long windowStart, long windowEnd) {
    return side == null ? null : side.result(windowStart, windowEnd);
  }

  byte[] toBytes() {
    byte[] c = client == null ? new byte[0] : client.toBytes();
    byte[] s = server == null ? new byte[0] : server.toBytes();
    return ByteBuffer.allocate(24 + c.length + s.length)
        .putLong(calls).putLong(errors).putInt(c.length).put(c).putInt(s.length).put(s).array();
  }

  static EdgeWindow fromBytes(byte[] bytes) {
    return read(ByteBuffer.wrap(bytes));
  }

  /** Reads an edge window from {@code in}'s position to the end of its bytes. */
  static EdgeWindow read(ByteBuffer in) {
    long calls = in.getLong();
    long errors = in.getLong();
    return new EdgeWindow(calls, errors, side(in), side(in));
  }

  private static WindowAccumulator side(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b.length == 0 ? null : WindowAccumulator.fromBytes(b);
  }
}

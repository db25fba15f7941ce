package io.tracestream.topology;

import io.tracestream.topology.traces.Edge;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Calls of one edge series (client, server, connection type) in one window, summed in a trace assembly
 * task, on their way through the {@code edge-partials-by-client} repartition topic to the edge window
 * task, which merges them into the window. The record's key is the client and its timestamp the latest
 * end among the calls' traces, inside the window.
 */
record EdgePartial(String client, String server, String connectionType, EdgeWindow window) {
  static final byte VERSION = 1;
  static final Serde<EdgePartial> SERDE = Serdes.serdeFrom(
      (topic, partial) -> partial == null ? null : partial.toBytes(),
      (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

  /** A trace's edges into edge partials; a trace joined again brings only the edges its new spans add. */
  static final TracePreAggregator.Kind<EdgePartial> KIND = new TracePreAggregator.Kind<>() {
    @Override
    public String store() {
      return "edge-partials";
    }

    @Override
    public EdgePartial empty(List<String> series) {
      return new EdgePartial(series.get(0), series.get(1), series.get(2), EdgeWindow.empty());
    }

    @Override
    public void add(CompletedTrace trace, Function<List<String>, EdgePartial> open) {
      for (Edge edge : trace.edges()) {
        open.apply(List.of(edge.client(), edge.server(), edge.connectionType())).window().add(edge);
      }
    }

    @Override
    public byte[] write(EdgePartial partial) {
      return partial.toBytes();
    }

    @Override
    public EdgePartial read(byte[] bytes) {
      return fromBytes(bytes);
    }
  };

  /** Version byte (1); client, server, connection type: int length and UTF-8; then the {@link EdgeWindow}'s bytes. */
  byte[] toBytes() {
    byte[] c = PartialFormat.utf8(client);
    byte[] s = PartialFormat.utf8(server);
    byte[] t = PartialFormat.utf8(connectionType);
    byte[] w = window.toBytes();
    ByteBuffer out = ByteBuffer.allocate(1 + 12 + c.length + s.length + t.length + w.length).put(VERSION);
    PartialFormat.putString(out, c);
    PartialFormat.putString(out, s);
    PartialFormat.putString(out, t);
    return out.put(w).array();
  }

  static EdgePartial fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    PartialFormat.checkVersion(in, VERSION, "edge partial");
    String client = PartialFormat.getString(in);
    String server = PartialFormat.getString(in);
    String type = PartialFormat.getString(in);
    return new EdgePartial(client, server, type, EdgeWindow.read(in));
  }
}

package io.tracestream.topology;

import io.tracestream.topology.traces.TraceSummary;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Completed traces of one whole-trace series (root service, root operation) in one window, summed in a
 * trace assembly task, on their way through the {@code trace-partials-by-root-service} repartition topic
 * to the trace window task, which merges them into the window. The record's key is the root service and
 * its timestamp the latest trace end among them, inside the window.
 */
record TracePartial(String rootService, String rootOperation, WindowAccumulator window) {
  static final byte VERSION = 1;
  static final Serde<TracePartial> SERDE = Serdes.serdeFrom(
      (topic, partial) -> partial == null ? null : partial.toBytes(),
      (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

  /** Summaries into trace partials; a summary sent again for spans joined after completion adds nothing. */
  static final TracePreAggregator.Kind<TracePartial> KIND = new TracePreAggregator.Kind<>() {
    @Override
    public String store() {
      return "trace-partials";
    }

    @Override
    public TracePartial empty(List<String> series) {
      return new TracePartial(series.get(0), series.get(1), WindowAccumulator.empty());
    }

    @Override
    public void add(CompletedTrace trace, Function<List<String>, TracePartial> open) {
      if (trace.rejoined()) {
        return; // the whole-trace metrics keep the first summary
      }
      TraceSummary summary = trace.summary();
      TracePartial.add(open.apply(List.of(summary.rootService(), summary.rootOperation())).window(), summary,
          trace.weight());
    }

    @Override
    public byte[] write(TracePartial partial) {
      return partial.toBytes();
    }

    @Override
    public TracePartial read(byte[] bytes) {
      return fromBytes(bytes);
    }
  };

  /** Adds one trace's duration and error to a partial window, {@code weight} times (its root span's weight). */
  static void add(WindowAccumulator window, TraceSummary trace, long weight) {
    window.add(trace.durationNanos() / 1e6, trace.error(), weight);
  }

  /** Version byte (1); root service, root operation: int length and UTF-8; then the accumulator's bytes. */
  byte[] toBytes() {
    byte[] service = PartialFormat.utf8(rootService);
    byte[] operation = PartialFormat.utf8(rootOperation);
    byte[] w = window.toBytes();
    ByteBuffer out = ByteBuffer.allocate(1 + 4 + service.length + 4 + operation.length + w.length).put(VERSION);
    PartialFormat.putString(out, service);
    PartialFormat.putString(out, operation);
    return out.put(w).array();
  }

  static TracePartial fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    PartialFormat.checkVersion(in, VERSION, "trace partial");
    String service = PartialFormat.getString(in);
    String operation = PartialFormat.getString(in);
    byte[] w = new byte[in.remaining()];
    in.get(w);
    return new TracePartial(service, operation, WindowAccumulator.fromBytes(w));
  }
}

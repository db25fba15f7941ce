package io.tracestream.topology;

import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Completed traces of one whole-trace series (root service, root operation, trace dimensions) in one window,
 * summed in a trace assembly task, on their way through the {@code trace-partials-by-root-service} repartition
 * topic to the trace window task, which merges them into the window. The record's key is the root service and
 * its timestamp the latest trace end among them, inside the window.
 *
 * @param dimensions the values of {@code topology.trace.dimensions} by attribute name, sorted
 */
record TracePartial(String rootService, String rootOperation, WindowAccumulator window,
    Map<String, String> dimensions) {
  static final byte VERSION = 1;
  /** The format with dimensions, written only when the series has some. */
  static final byte VERSION_DIMENSIONS = 2;
  static final Serde<TracePartial> SERDE = Serdes.serdeFrom(
      (topic, partial) -> partial == null ? null : partial.toBytes(),
      (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

  /** Summaries into trace partials without trace dimensions. */
  static final TracePreAggregator.Kind<TracePartial> KIND = kind(Dimensions.NONE);

  TracePartial {
    dimensions = SeriesKey.sorted(dimensions);
  }

  /**
   * Summaries into trace partials of series split by {@code dimensions} (the values of a summary's
   * {@link TraceSummary#attributes}, else the defaults); a summary sent again for spans joined after completion
   * adds nothing. A series is its root service, root operation, then each dimension's name and value.
   */
  static TracePreAggregator.Kind<TracePartial> kind(Dimensions dimensions) {
    return new TracePreAggregator.Kind<>() {
      @Override
      public String store() {
        return "trace-partials";
      }

      @Override
      public TracePartial empty(List<String> series) {
        return new TracePartial(series.get(0), series.get(1), WindowAccumulator.empty(),
            SpanSeries.dimensions(series, 2));
      }

      @Override
      public void add(CompletedTrace trace, Function<List<String>, TracePartial> open) {
        if (trace.rejoined()) {
          return; // the whole-trace metrics keep the first summary
        }
        TraceSummary summary = trace.summary();
        List<String> series = SpanSeries.withDimensions(List.of(summary.rootService(), summary.rootOperation()),
            dimensions.values(summary.attributes()::get));
        TracePartial.add(open.apply(series).window(), summary, trace.weight());
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
  }

  /**
   * Adds one trace's duration and error to a partial window, {@code weight} times (its root span's weight), and
   * offers it as an exemplar: the trace id itself.
   */
  static void add(WindowAccumulator window, TraceSummary trace, long weight) {
    window.add(trace.durationNanos(), trace.error(), weight, trace.traceId(),
        (trace.startNanos() + trace.durationNanos()) / 1_000_000);
  }

  /**
   * Version byte (1); root service, root operation: int length and UTF-8; then the accumulator's bytes.
   * Version 2, written when the series has dimensions (so without {@code topology.trace.dimensions} the bytes
   * are version 1's, which instances not yet upgraded read): after the operation, an int count of dimensions
   * and each one's name and value as the strings above.
   */
  byte[] toBytes() {
    List<byte[]> strings = new ArrayList<>();
    strings.add(PartialFormat.utf8(rootService));
    strings.add(PartialFormat.utf8(rootOperation));
    dimensions.forEach((name, value) -> {
      strings.add(PartialFormat.utf8(name));
      strings.add(PartialFormat.utf8(value));
    });
    byte[] w = window.toBytes();
    int length = 1 + (dimensions.isEmpty() ? 0 : 4) + w.length;
    for (byte[] b : strings) {
      length += 4 + b.length;
    }
    ByteBuffer out = ByteBuffer.allocate(length).put(dimensions.isEmpty() ? VERSION : VERSION_DIMENSIONS);
    PartialFormat.putString(out, strings.get(0));
    PartialFormat.putString(out, strings.get(1));
    if (!dimensions.isEmpty()) {
      out.putInt(dimensions.size());
      strings.subList(2, strings.size()).forEach(b -> PartialFormat.putString(out, b));
    }
    return out.put(w).array();
  }

  static TracePartial fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    byte version = in.get();
    if (version != VERSION && version != VERSION_DIMENSIONS) {
      throw new IllegalStateException("trace partial of format version " + version + ", this version reads "
          + VERSION + " and " + VERSION_DIMENSIONS + " (see stream-topology/README.md, upgrades)");
    }
    boolean withDimensions = version == VERSION_DIMENSIONS;
    String service = PartialFormat.getString(in);
    String operation = PartialFormat.getString(in);
    Map<String, String> dimensions = new TreeMap<>();
    for (int n = withDimensions ? in.getInt() : 0; n > 0; n--) {
      dimensions.put(PartialFormat.getString(in), PartialFormat.getString(in));
    }
    byte[] w = new byte[in.remaining()];
    in.get(w);
    return new TracePartial(service, operation, WindowAccumulator.fromBytes(w), dimensions);
  }
}

package io.tracestream.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sums the span samples of an input task per series and window before they go to the by-service
 * repartition topic, so that topic carries one {@link SpanPartial} per series, window and
 * {@code interval} instead of one record per span: the per-span work is an add on the heap. Every
 * {@code interval} of wall-clock time (and whenever {@code maxOpen} partials are open) the partials are
 * forwarded, oldest window first, each stamped with its latest span end, and forgotten.
 *
 * <p>The open partials are in a {@link HeapStore}, written to its changelog before each commit: a
 * crash after a commit finds them restored and forwards them then, so each span is in exactly one
 * forwarded partial under exactly-once. With an interval of zero, each span is forwarded at once as a
 * partial of its own.
 *
 * <p>Lateness and the per-service operation limit are the window task's business ({@link WindowProcessor}),
 * which sees every partial of a service; this adds at most {@code interval} to a result's delay.
 */
final class SpanPreAggregator extends ContextualProcessor<byte[], SpanSample, byte[], SpanPartial> {
  static final String STORE = "span-partials";
  /** Flush early past this many open partials, so a burst of distinct series cannot grow the heap. */
  static final int MAX_OPEN = 10_000;

  private final long windowMs;
  private final Duration interval;
  private HeapStore<Series, Open> open;

  SpanPreAggregator(Duration window, Duration interval) {
    this.windowMs = window.toMillis();
    this.interval = interval;
  }

  static org.apache.kafka.streams.state.StoreBuilder<HeapStore<Series, Open>> storeBuilder() {
    return HeapStore.builder(STORE, new SeriesCodec(), new OpenCodec());
  }

  @Override
  public void init(ProcessorContext<byte[], SpanPartial> context) {
    super.init(context);
    if (interval.isZero()) {
      return;
    }
    open = context.getStateStore(STORE);
    open.reload();
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, wallMs -> flush());
  }

  @Override
  public void process(Record<byte[], SpanSample> record) {
    SpanSample span = record.value();
    if (open == null) {
      context().forward(record.withValue(SpanPartial.of(span)));
      return;
    }
    long timestamp = record.timestamp();
    Series series = new Series(timestamp - Math.floorMod(timestamp, windowMs), span.service(), span.operation(),
        span.kind(), span.status());
    Open partial = open.get(series);
    if (partial == null) {
      partial = new Open(WindowAccumulator.empty(), timestamp);
    }
    SpanPartial.add(partial.window, span);
    partial.latestMs = Math.max(partial.latestMs, timestamp);
    open.put(series, partial);
    if (open.size() >= MAX_OPEN) {
      flush();
    }
  }

  /** Forwards every open partial, oldest window first, so the window task's event time moves as it would per span. */
  private void flush() {
    List<Map.Entry<Series, Open>> partials = open.entries();
    partials.sort(Comparator.comparingLong((Map.Entry<Series, Open> e) -> e.getKey().windowStart())
        .thenComparingLong(e -> e.getValue().latestMs));
    for (Map.Entry<Series, Open> e : partials) {
      Series s = e.getKey();
      SpanPartial partial = new SpanPartial(s.service(), s.operation(), s.kind(), s.status(), e.getValue().window);
      context().forward(new Record<>(s.service().getBytes(StandardCharsets.UTF_8), partial, e.getValue().latestMs));
      open.delete(s);
    }
  }

  /** A series in a window. */
  record Series(long windowStart, String service, String operation, int kind, int status) {}

  /** An open partial: what its spans add up to, and the latest end among them. */
  static final class Open {
    final WindowAccumulator window;
    long latestMs;

    Open(WindowAccumulator window, long latestMs) {
      this.window = window;
      this.latestMs = latestMs;
    }
  }

  private static final class SeriesCodec implements HeapStore.Codec<Series> {
    @Override
    public byte[] write(Series s) {
      byte[] service = s.service().getBytes(StandardCharsets.UTF_8);
      byte[] operation = s.operation().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(8 + 2 + 4 + service.length + 4 + operation.length)
          .putLong(s.windowStart()).put((byte) s.kind()).put((byte) s.status())
          .putInt(service.length).put(service).putInt(operation.length).put(operation).array();
    }

    @Override
    public Series read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long start = in.getLong();
      int kind = in.get();
      int status = in.get();
      byte[] service = new byte[in.getInt()];
      in.get(service);
      byte[] operation = new byte[in.getInt()];
      in.get(operation);
      return new Series(start, new String(service, StandardCharsets.UTF_8), new String(operation, StandardCharsets.UTF_8),
          kind, status);
    }
  }

  private static final class OpenCodec implements HeapStore.Codec<Open> {
    @Override
    public byte[] write(Open o) {
      byte[] window = o.window.toBytes();
      return ByteBuffer.allocate(8 + window.length).putLong(o.latestMs).put(window).array();
    }

    @Override
    public Open read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long latest = in.getLong();
      byte[] window = new byte[in.remaining()];
      in.get(window);
      return new Open(WindowAccumulator.fromBytes(window), latest);
    }
  }
}

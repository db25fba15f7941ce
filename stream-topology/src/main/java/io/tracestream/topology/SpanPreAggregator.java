package io.tracestream.topology;

import io.tracestream.topology.model.SeriesKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Sums the span samples of an input task per series and window before they go to the by-service
 * repartition topic, so that topic carries one {@link SpanPartial} per series, window and
 * {@code interval} instead of one record per span: the per-span work is an add on the heap. Every
 * {@code interval} of wall-clock time, whenever {@code maxOpen} partials are open, and when event time
 * passes a window's end + grace, the partials are forwarded, oldest window first, each stamped with its
 * latest span end, and forgotten.
 *
 * <p>After the partials, the task's {@link Progress} follows them to every partition of the topic: its
 * event time (the latest span end it has seen, advancing with the wall clock once it has been idle for
 * {@code idleClose}). A window task closes a window only when every input task has passed its end +
 * grace, so this task decides which of its spans are late: a span whose window ended {@code grace} or
 * more before this task's event time is counted late here and not sent. Lateness therefore depends
 * only on the order of spans within one input partition, never on how fast other partitions go.
 *
 * <p>The open partials are in a {@link HeapStore}, written to its changelog before each commit: a
 * crash after a commit finds them restored and forwards them then, so each span is in exactly one
 * forwarded partial under exactly-once. With an interval of zero, each span is forwarded at once as a
 * partial of its own, and the progress after each span that moved it.
 *
 * <p>The per-service operation limit is the window task's business ({@link WindowProcessor}), which
 * sees every partial of a service; this adds at most {@code interval} to a result's delay.
 */
final class SpanPreAggregator extends ContextualProcessor<byte[], SpanSamples, byte[], SpanPartial> {
  static final String STORE = "span-partials";
  static final String PROGRESS_STORE = "span-partials-progress";
  /** Flush early past this many open partials, so a burst of distinct series cannot grow the heap. */
  static final int MAX_OPEN = 10_000;
  private static final String EVENT_TIME = "event-time";
  /** The task's progress as last reported, for {@link RekeyedSpansProgress}. */
  static final String PROGRESS = "progress";
  private static final byte[] NO_KEY = new byte[0];

  private final long windowMs;
  private final long graceMs;
  private final Duration interval;
  private final long idleCloseMs;
  private final TopologyMetrics metrics;
  private final Progress.Sender<byte[], SpanPartial> progress;
  private HeapStore<Series, Open> open;
  private KeyValueStore<String, Long> saved;
  private EventClock clock;

  SpanPreAggregator(Duration window, Duration grace, Duration interval, Duration idleClose, int inputPartitions,
      TopologyMetrics metrics) {
    this.windowMs = window.toMillis();
    this.graceMs = grace.toMillis();
    this.interval = interval;
    this.idleCloseMs = idleClose.toMillis();
    this.metrics = metrics;
    this.progress = new Progress.Sender<>(NO_KEY, inputPartitions);
  }

  static org.apache.kafka.streams.state.StoreBuilder<HeapStore<Series, Open>> storeBuilder() {
    return HeapStore.builder(STORE, new SeriesCodec(), new OpenCodec());
  }

  @Override
  public void init(ProcessorContext<byte[], SpanPartial> context) {
    super.init(context);
    saved = context.getStateStore(PROGRESS_STORE);
    Long time = saved.get(EVENT_TIME);
    // saved at each punctuation, not per span: after a crash it may be up to one interval behind
    clock = new EventClock(time == null ? EventClock.NONE : time, t -> { }, idleCloseMs);
    if (interval.isZero()) {
      context.schedule(EventClock.punctuationInterval(idleCloseMs), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
      return;
    }
    open = context.getStateStore(STORE);
    open.reload();
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      flush();
      punctuate(wallMs);
    });
  }

  @Override
  public void process(Record<byte[], SpanSamples> record) {
    for (SpanSample span : record.value().samples()) {
      add(span);
    }
  }

  private void add(SpanSample span) {
    long timestamp = span.endMs();
    long windowStart = timestamp - Math.floorMod(timestamp, windowMs);
    long now = clock.time();
    if (now != EventClock.NONE && windowStart + windowMs + graceMs <= now) {
      metrics.late(WindowedInput.SPANS, span.service(), 1);
      return;
    }
    boolean moved = clock.observe(timestamp);
    if (open == null) {
      context().forward(new Record<>(span.service().getBytes(StandardCharsets.UTF_8), SpanPartial.of(span), timestamp));
      if (moved) {
        progress.send(context(), clock.progress());
      }
      return;
    }
    Series series = new Series(windowStart, span.service(), span.operation(), span.kind(), span.status(),
        span.dimensions());
    Open partial = open.change(series);
    if (partial == null) {
      partial = new Open(WindowAccumulator.empty(), timestamp);
      open.put(series, partial);
    }
    SpanPartial.add(partial.window, span);
    partial.latestMs = Math.max(partial.latestMs, timestamp);
    if (open.size() >= MAX_OPEN) {
      flush();
    } else if (moved && closesAWindow(now, clock.time())) {
      // event time has just passed a window's end + grace: report now rather than at the next
      // interval, so the window closes as soon as the last input task gets there
      flush();
      progress.send(context(), clock.progress());
    }
  }

  /** Whether moving event time from {@code before} to {@code after} passes some window's end + grace. */
  private boolean closesAWindow(long before, long after) {
    if (before == EventClock.NONE) {
      return false;
    }
    return Math.floorDiv(after - graceMs, windowMs) > Math.floorDiv(before - graceMs, windowMs);
  }

  /** Moves event time on if the task is idle, saves it, and reports it after everything sent so far. */
  private void punctuate(long wallMs) {
    clock.punctuate(wallMs);
    if (clock.time() != EventClock.NONE) {
      saved.put(EVENT_TIME, clock.time());
    }
    saved.put(PROGRESS, clock.progress());
    progress.send(context(), clock.progress());
  }

  /** Forwards every open partial, oldest window first. */
  private void flush() {
    List<Map.Entry<Series, Open>> partials = open.entries();
    partials.sort(Comparator.comparingLong((Map.Entry<Series, Open> e) -> e.getKey().windowStart())
        .thenComparingLong(e -> e.getValue().latestMs));
    for (Map.Entry<Series, Open> e : partials) {
      Series s = e.getKey();
      SpanPartial partial = new SpanPartial(s.service(), s.operation(), s.kind(), s.status(), e.getValue().window,
          s.dimensions());
      context().forward(new Record<>(s.service().getBytes(StandardCharsets.UTF_8), partial, e.getValue().latestMs));
      open.delete(s);
    }
  }

  /** A series in a window; {@code dimensions} sorted by name. */
  record Series(long windowStart, String service, String operation, int kind, int status,
      Map<String, String> dimensions) {}

  /** An open partial: what its spans add up to, and the latest end among them. */
  static final class Open {
    final WindowAccumulator window;
    long latestMs;

    Open(WindowAccumulator window, long latestMs) {
      this.window = window;
      this.latestMs = latestMs;
    }
  }

  /**
   * Window start, kind, status, service and operation (4-byte length, UTF-8); then, when the series has
   * dimensions, their count and each name and value the same way. A key written before dimensions ends
   * after the operation, and is read as a series without them.
   */
  private static final class SeriesCodec implements HeapStore.Codec<Series> {
    @Override
    public byte[] write(Series s) {
      byte[] service = s.service().getBytes(StandardCharsets.UTF_8);
      byte[] operation = s.operation().getBytes(StandardCharsets.UTF_8);
      List<byte[]> dimensions = new ArrayList<>(s.dimensions().size() * 2);
      int length = 8 + 2 + 4 + service.length + 4 + operation.length + (s.dimensions().isEmpty() ? 0 : 4);
      for (Map.Entry<String, String> d : s.dimensions().entrySet()) {
        dimensions.add(d.getKey().getBytes(StandardCharsets.UTF_8));
        dimensions.add(d.getValue().getBytes(StandardCharsets.UTF_8));
      }
      for (byte[] b : dimensions) {
        length += 4 + b.length;
      }
      ByteBuffer out = ByteBuffer.allocate(length)
          .putLong(s.windowStart()).put((byte) s.kind()).put((byte) s.status())
          .putInt(service.length).put(service).putInt(operation.length).put(operation);
      if (!dimensions.isEmpty()) {
        out.putInt(dimensions.size() / 2);
        dimensions.forEach(b -> out.putInt(b.length).put(b));
      }
      return out.array();
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
      Map<String, String> dimensions = new TreeMap<>();
      for (int n = in.hasRemaining() ? in.getInt() : 0; n > 0; n--) {
        dimensions.put(string(in), string(in));
      }
      return new Series(start, new String(service, StandardCharsets.UTF_8),
          new String(operation, StandardCharsets.UTF_8), kind, status, SeriesKey.sorted(dimensions));
    }

    private static String string(ByteBuffer in) {
      byte[] b = new byte[in.getInt()];
      in.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /**
   * Version 1: version byte, latest span end (zigzag varint), the window ({@link WindowAccumulator#write}).
   * Version 2, written when the window has exemplars: version 1's, then they ({@link WindowExemplars#write}).
   * Before versions: 8 bytes of latest end, then the window's unversioned bytes; its first byte is 0 (a
   * time before 2^56 ms) and it is still read, so partials open across an upgrade are kept.
   */
  static final class OpenCodec implements HeapStore.Codec<Open> {
    @Override
    public byte[] write(Open o) {
      boolean v2 = !o.window.exemplars().isEmpty();
      FormatWriter out = new FormatWriter(256).writeByte(v2 ? Formats.V2 : Formats.V1).zigzag(o.latestMs);
      o.window.write(out);
      if (v2) {
        o.window.exemplars().write(out);
      }
      return out.toByteArray();
    }

    @Override
    public Open read(byte[] bytes) {
      if (bytes.length > 0 && bytes[0] == 0) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long latest = in.getLong();
        byte[] window = new byte[in.remaining()];
        in.get(window);
        return new Open(WindowAccumulator.fromBytes(window), latest);
      }
      FormatReader in = Formats.readerUpToV2(bytes, "span-partials entry");
      long latest = in.zigzag();
      WindowAccumulator window = WindowAccumulator.read(in);
      if (bytes[0] == Formats.V2) {
        window.readExemplars(in);
      }
      Open open = new Open(window, latest);
      in.end();
      return open;
    }
  }
}

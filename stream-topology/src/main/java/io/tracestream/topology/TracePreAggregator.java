package io.tracestream.topology;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Sums what the completed traces of a trace assembly task add to the trace or edge windows per series
 * and window, in the assembly task, before it goes through a repartition topic to the window task: the
 * per-trace work is an add on the heap, and the topic carries one partial per series, window and
 * {@code interval} instead of one record per trace (or per edge). What a trace adds, and to which series,
 * is a {@link Kind}'s: trace summaries ({@link TracePartial#KIND}) or dependency edges
 * ({@link EdgePartial#KIND}).
 *
 * <p>The input is the assembly task's output: completed traces, stamped with their end, and its
 * {@link Progress} reports (null values with a header), which this passes on after the partials they
 * cover. The partials go, oldest window first, each stamped with its latest trace end: every
 * {@code interval} of wall-clock time, whenever {@code maxOpen} are open, and before a report that passes
 * their window's end + grace. So when the window task sees the assembly task's progress pass a window,
 * it has every partial of that task for it, as it had every summary before; and lateness is decided
 * there as before, at the same point: a trace whose window the task's last report had already passed is
 * sent at once, alone (a window task may close that window whenever the other assembly tasks get there).
 * Until the first report after a start the task does not know what it last reported, and sends every
 * trace at once.
 *
 * <p>The open partials are in a {@link HeapStore}, written to its changelog before each commit, so under
 * exactly-once each trace is in exactly one forwarded partial. With an interval of zero, each trace is
 * forwarded at once.
 *
 * @param <P> the partial
 */
final class TracePreAggregator<P> extends ContextualProcessor<String, CompletedTrace, String, P> {
  /** Flush early past this many open partials, so a burst of distinct series cannot grow the heap. */
  static final int MAX_OPEN = 10_000;

  /** What completed traces add to one kind of window, and how its partials are written. Kafka-free. */
  interface Kind<P> {
    /** The store of the open partials. */
    String store();

    /** An empty partial of {@code series}, the key parts of its window series (first: the service it is keyed by). */
    P empty(List<String> series);

    /** Adds what {@code trace} contributes to the partials {@code open} returns for each series it adds to. */
    void add(CompletedTrace trace, Function<List<String>, P> open);

    byte[] write(P partial);

    P read(byte[] bytes);
  }

  /** A series in a window. */
  record Slot(long windowStart, List<String> series) {
    Slot {
      series = List.copyOf(series);
    }
  }

  /** An open partial and the latest trace end in it. */
  static final class Open<P> {
    final P partial;
    long latestMs;

    Open(P partial, long latestMs) {
      this.partial = partial;
      this.latestMs = latestMs;
    }
  }

  private final Kind<P> kind;
  private final long windowMs;
  private final long graceMs;
  private final Duration interval;
  private HeapStore<Slot, Open<P>> open;
  /** The time of the last report passed on since the start; meaningless until {@code reported}. */
  private long lastReport;
  private boolean reported;

  TracePreAggregator(Kind<P> kind, Duration window, Duration grace, Duration interval) {
    this.kind = kind;
    this.windowMs = window.toMillis();
    this.graceMs = grace.toMillis();
    this.interval = interval;
  }

  static <P> StoreBuilder<HeapStore<Slot, Open<P>>> storeBuilder(Kind<P> kind) {
    return HeapStore.builder(kind.store(), new SlotCodec(), new OpenCodec<>(kind));
  }

  @Override
  public void init(ProcessorContext<String, P> context) {
    super.init(context);
    if (interval.isZero()) {
      return;
    }
    open = context.getStateStore(kind.store());
    open.reload();
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, wallMs -> flush(Long.MAX_VALUE));
  }

  @Override
  public void process(Record<String, CompletedTrace> record) {
    Optional<Progress> progress = Progress.of(record.value(), record.headers());
    if (progress.isPresent()) {
      long time = progress.get().time();
      if (open != null && time != Progress.NONE) {
        flush(time == Progress.IDLE ? Long.MAX_VALUE : time - graceMs - windowMs);
      }
      lastReport = time;
      reported = true;
      context().forward(record.<P>withValue(null));
      return;
    }
    long timestamp = record.timestamp();
    long windowStart = timestamp - Math.floorMod(timestamp, windowMs);
    if (open == null || passed(windowStart)) {
      Map<Slot, Open<P>> alone = new LinkedHashMap<>();
      kind.add(record.value(), series -> opened(alone.computeIfAbsent(new Slot(windowStart, series),
          slot -> new Open<>(kind.empty(series), timestamp)), timestamp));
      alone.forEach(this::forward);
      return;
    }
    kind.add(record.value(), series -> {
      Slot slot = new Slot(windowStart, series);
      Open<P> partial = open.change(slot); // written to the changelog at the commit, with what the caller adds
      if (partial == null) {
        partial = new Open<>(kind.empty(series), timestamp);
        open.put(slot, partial);
      }
      return opened(partial, timestamp);
    });
    if (open.size() >= MAX_OPEN) {
      flush(Long.MAX_VALUE);
    }
  }

  private P opened(Open<P> partial, long timestamp) {
    partial.latestMs = Math.max(partial.latestMs, timestamp);
    return partial.partial;
  }

  /** Whether the last report this task passed on (or might have, before its first) has passed the window. */
  private boolean passed(long windowStart) {
    return !reported || lastReport != Progress.NONE && windowStart + windowMs + graceMs <= lastReport;
  }

  /** Forwards the open partials of windows starting at or before {@code through}, oldest window first. */
  private void flush(long through) {
    List<Map.Entry<Slot, Open<P>>> due = new ArrayList<>();
    for (Map.Entry<Slot, Open<P>> e : open.entries()) {
      if (e.getKey().windowStart() <= through) {
        due.add(e);
      }
    }
    due.sort(Comparator.comparingLong((Map.Entry<Slot, Open<P>> e) -> e.getKey().windowStart())
        .thenComparingLong(e -> e.getValue().latestMs));
    for (Map.Entry<Slot, Open<P>> e : due) {
      forward(e.getKey(), e.getValue());
      open.delete(e.getKey());
    }
  }

  private void forward(Slot slot, Open<P> partial) {
    context().forward(new Record<>(slot.series().get(0), partial.partial, partial.latestMs));
  }

  /** Window start, the number of key parts, then each as an int length and UTF-8. */
  private static final class SlotCodec implements HeapStore.Codec<Slot> {
    @Override
    public byte[] write(Slot slot) {
      List<byte[]> parts = slot.series().stream().map(PartialFormat::utf8).toList();
      ByteBuffer out = ByteBuffer.allocate(12 + parts.stream().mapToInt(p -> 4 + p.length).sum())
          .putLong(slot.windowStart()).putInt(parts.size());
      parts.forEach(p -> PartialFormat.putString(out, p));
      return out.array();
    }

    @Override
    public Slot read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long start = in.getLong();
      List<String> series = new ArrayList<>();
      for (int n = in.getInt(); n > 0; n--) {
        series.add(PartialFormat.getString(in));
      }
      return new Slot(start, series);
    }
  }

  /** The latest trace end, then the partial's bytes (with their version byte). */
  private record OpenCodec<P>(Kind<P> kind) implements HeapStore.Codec<Open<P>> {
    @Override
    public byte[] write(Open<P> o) {
      byte[] partial = kind.write(o.partial);
      return ByteBuffer.allocate(8 + partial.length).putLong(o.latestMs).put(partial).array();
    }

    @Override
    public Open<P> read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      long latest = in.getLong();
      byte[] partial = new byte[in.remaining()];
      in.get(partial);
      return new Open<>(kind.read(partial), latest);
    }
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.SeriesKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tumbling event-time windows per series, after a repartition by service, so one task sees every
 * input of a service. What a series is, an input's service, and what a window accumulates come from
 * a {@link WindowSeries}: span samples ({@link SpanSeries}), trace summaries ({@link TraceSeries}) and
 * dependency edges ({@link EdgeSeries}) are windowed alike.
 *
 * <p>Time here is the progress of the input tasks upstream ({@link UpstreamProgress}): the minimum
 * over every input task of the latest {@link Progress} it sent through the repartition topic (records
 * with a null value). A window [start, start + size) closes when that time reaches start + size +
 * grace, that is, when every input task has passed it (an idle input task advances its own time with
 * the wall clock; one that holds a trace open holds the windows the trace can land in); then its one
 * final result is forwarded and its state deleted. The input tasks count their own late inputs, so an
 * input for a closed window is rare here: counted, not aggregated. Past the limits of distinct services
 * and of distinct operations per service, inputs are folded into {@link SeriesKey#OVERFLOW_OPERATION}
 * series, and past the limit of distinct values per dimension and service, dimension values into
 * {@code __overflow__} ({@link CardinalityGuard}).
 *
 * <p>A closed window stays closed. The minimum can move back: a trace-assembly task that takes in a trace
 * older than the progress it reported holds its progress at that trace's first span + grace again, an
 * input task that reported {@link Progress#IDLE} reports a time once it sees a span, and an input task
 * without pre-aggregation restarts from an event time saved up to a second before its last report. So
 * the task keeps the latest window start it has closed through, and an input for a window at or before
 * it is late, whatever the minimum says now; without that, such an input opened the window again and
 * it was emitted a second time, with only the stragglers in it.
 *
 * <p>State, all in changelogged stores (so exactly-once restores it): open windows keyed by
 * big-endian window start then series, so closing is a range scan in time order; the latest progress
 * of each input task; the window start closed through; and the services and operations admitted.
 *
 * @param <I> the input key, not used
 * @param <V> the input value
 * @param <K> the series key
 * @param <R> the window result
 */
final class WindowProcessor<I, V, K, R> extends ContextualProcessor<I, V, K, R> {
  private static final String PROGRESS_PREFIX = "progress\u0000";
  private static final String CLOSED = "closed";

  private final WindowSeries<V, K, R> series;
  private final long size;
  private final long grace;
  private final int maxServices;
  private final int maxOperations;
  private final int maxDimensionValues;
  private final long expireAfter;
  private final TopologyMetrics metrics;

  private KeyValueStore<Bytes, byte[]> windows;
  private KeyValueStore<String, Long> state;
  private CardinalityGuard guard;
  private final UpstreamProgress upstream = new UpstreamProgress();
  /** Windows starting at or before this have closed; {@code Long.MIN_VALUE} before the first. */
  private long closedThrough = Long.MIN_VALUE;

  WindowProcessor(WindowSeries<V, K, R> series, Duration size, Duration grace, int maxServices, int maxOperations,
      int maxDimensionValues, Duration expireAfter, TopologyMetrics metrics) {
    this.maxDimensionValues = maxDimensionValues;
    this.series = series;
    this.size = size.toMillis();
    this.grace = grace.toMillis();
    this.maxServices = maxServices;
    this.maxOperations = maxOperations;
    this.expireAfter = expireAfter.toMillis();
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<K, R> context) {
    super.init(context);
    windows = context.getStateStore(series.windowsStore());
    state = context.getStateStore(series.stateStore());
    guard = new CardinalityGuard(state, maxServices, maxOperations, maxDimensionValues, expireAfter, series.input(),
        metrics);
    try (KeyValueIterator<String, Long> it = state.prefixScan(PROGRESS_PREFIX, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, Long> entry = it.next();
        String[] parts = entry.key.substring(PROGRESS_PREFIX.length()).split("/");
        upstream.report(new Progress(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), entry.value));
      }
    }
    Long closed = state.get(CLOSED);
    closedThrough = closed == null ? Long.MIN_VALUE : closed;
  }

  @Override
  public void process(Record<I, V> record) {
    V input = record.value();
    Optional<Progress> progress = Progress.of(input, record.headers());
    if (progress.isPresent()) {
      Progress p = progress.get();
      state.put(PROGRESS_PREFIX + p.partition() + "/" + p.partitions(), p.time());
      if (upstream.report(p)) {
        closeWindows();
      }
      return;
    }
    String service = series.service(input);
    long timestamp = record.timestamp();
    long start = timestamp - Math.floorMod(timestamp, size);
    long now = upstream.time();
    // IDLE: every input task was idle since its start and held nothing; this input comes from one that is
    // no longer idle, ahead of its new progress report, and only a window closed before can be late
    if (start <= closedThrough || now != Progress.NONE && now != Progress.IDLE && start + size + grace <= now) {
      metrics.late(series.input(), guard.counted(service), series.count(input));
      return;
    }
    CardinalityGuard.Admitted admitted = guard.admit(service, series.operation(input), series.count(input), start);
    Map<String, String> dimensions = series.dimensions(input);
    if (!dimensions.isEmpty()) {
      dimensions = guard.admitDimensions(admitted.service(), dimensions, series.count(input));
    }
    Bytes key = windowKey(start, series.series(input, admitted.service(), admitted.operation(), dimensions));
    windows.put(key, series.add(windows.get(key), input));
  }

  private void closeWindows() {
    long now = upstream.time();
    if (now == Progress.NONE) {
      return;
    }
    // windows starting at or before this have closed (no overflow: IDLE closes every window)
    long closedBefore = now == Progress.IDLE ? Long.MAX_VALUE - 1 : now - grace - size;
    // with IDLE, only the windows there are have closed: a task that sees a span later starts from its time
    long through = now == Progress.IDLE ? Long.MIN_VALUE : closedBefore;
    List<Bytes> closed = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = windows.range(null, windowKeyPrefix(closedBefore + 1))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        ByteBuffer key = ByteBuffer.wrap(entry.key.get());
        long start = key.getLong();
        if (start > closedBefore) {
          break;
        }
        R result = series.result(entry.value, start, start + size);
        context().forward(new Record<>(readSeries(key), result, start));
        closed.add(entry.key);
        through = Math.max(through, start);
      }
    }
    closed.forEach(windows::delete);
    if (through > closedThrough) {
      closedThrough = through;
      state.put(CLOSED, through);
    }
    if (now != Progress.IDLE) {
      guard.expire(now, size);
    }
  }

  private static Bytes windowKeyPrefix(long start) {
    return Bytes.wrap(ByteBuffer.allocate(8).putLong(start).array());
  }

  /** Big-endian start first (event times are positive, so byte order is time order), then the series' parts. */
  private Bytes windowKey(long start, K key) {
    List<String> names = series.parts(key);
    byte[][] parts = new byte[names.size()][];
    int length = 8;
    for (int i = 0; i < parts.length; i++) {
      parts[i] = names.get(i).getBytes(StandardCharsets.UTF_8);
      length += 4 + parts[i].length;
    }
    ByteBuffer out = ByteBuffer.allocate(length).putLong(start);
    for (byte[] p : parts) {
      out.putInt(p.length).put(p);
    }
    return Bytes.wrap(out.array());
  }

  /** The series of a window key whose start has been read. */
  private K readSeries(ByteBuffer key) {
    List<String> parts = new ArrayList<>();
    while (key.hasRemaining()) {
      byte[] b = new byte[key.getInt()];
      key.get(b);
      parts.add(new String(b, StandardCharsets.UTF_8));
    }
    return series.fromParts(parts);
  }
}

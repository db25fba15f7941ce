package io.tracestream.topology;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tumbling event-time windows per series, after the by-service repartition, so one task sees every
 * span of a service. A window [start, start + size) closes when this task's event time reaches
 * start + size + grace; then its one final result is forwarded and its state deleted. A span whose
 * window has closed is late: counted, not aggregated. Past the per-service limit of distinct span
 * names, further names are folded into the {@link SeriesKey#OVERFLOW_OPERATION} series.
 *
 * <p>Event time is the task's {@link EventClock}, which also advances with the wall clock once the
 * task has been idle for {@code idleClose}, so the last windows close after traffic stops.
 *
 * <p>State, all in changelogged stores (so exactly-once restores it): open windows keyed by
 * big-endian window start then series, so closing is a range scan in time order; event time; and the
 * operations admitted per service.
 */
final class SpanWindowProcessor extends ContextualProcessor<byte[], SpanSample, SeriesKey, WindowResult> {
  static final String WINDOWS_STORE = "span-metrics-windows";
  static final String STATE_STORE = "span-metrics-state";
  private static final String EVENT_TIME = "event-time";
  private static final String COUNT_PREFIX = "count\u0000";
  private static final String OPERATION_PREFIX = "op\u0000";

  private final long size;
  private final long grace;
  private final long idleClose;
  private final int maxOperations;
  private final TopologyMetrics metrics;

  private KeyValueStore<Bytes, byte[]> windows;
  private KeyValueStore<String, Long> state;
  private EventClock clock;

  SpanWindowProcessor(Duration size, Duration grace, Duration idleClose, int maxOperations, TopologyMetrics metrics) {
    this.size = size.toMillis();
    this.grace = grace.toMillis();
    this.idleClose = idleClose.toMillis();
    this.maxOperations = maxOperations;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<SeriesKey, WindowResult> context) {
    super.init(context);
    windows = context.getStateStore(WINDOWS_STORE);
    state = context.getStateStore(STATE_STORE);
    Long stored = state.get(EVENT_TIME);
    clock = new EventClock(stored == null ? EventClock.NONE : stored, t -> state.put(EVENT_TIME, t), idleClose);
    context.schedule(EventClock.punctuationInterval(idleClose), PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      if (clock.punctuate(wallMs)) {
        closeWindows();
      }
    });
  }

  @Override
  public void process(Record<byte[], SpanSample> record) {
    SpanSample span = record.value();
    long timestamp = record.timestamp();
    long start = timestamp - Math.floorMod(timestamp, size);
    if (clock.time() != EventClock.NONE && start + size + grace <= clock.time()) {
      clock.observe(timestamp);
      metrics.lateSpans(span.service(), 1);
      return;
    }
    SeriesKey series = new SeriesKey(span.service(), admit(span.service(), span.operation()),
        kindName(span.kind()), statusName(span.status()));
    Bytes key = windowKey(start, series);
    byte[] stored = windows.get(key);
    WindowAccumulator window = stored == null ? WindowAccumulator.empty() : WindowAccumulator.fromBytes(stored);
    window.add(span.durationNanos() / 1e6, series.isError());
    windows.put(key, window.toBytes());
    if (clock.observe(timestamp)) {
      closeWindows();
    }
  }

  private void closeWindows() {
    long closedBefore = clock.time() - grace - size; // windows starting at or before this have closed
    List<Bytes> closed = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = windows.range(null, windowKeyPrefix(closedBefore + 1))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        ByteBuffer key = ByteBuffer.wrap(entry.key.get());
        long start = key.getLong();
        if (start > closedBefore) {
          break;
        }
        SeriesKey series = readSeries(key);
        WindowResult result = WindowAccumulator.fromBytes(entry.value).result(start, start + size);
        context().forward(new Record<>(series, result, start));
        closed.add(entry.key);
      }
    }
    closed.forEach(windows::delete);
  }

  /** The operation as given, or the overflow name once the service has its limit of distinct names. */
  private String admit(String service, String operation) {
    String opKey = OPERATION_PREFIX + service + '\u0000' + operation;
    if (state.get(opKey) != null) {
      return operation;
    }
    String countKey = COUNT_PREFIX + service;
    Long admitted = state.get(countKey);
    long n = admitted == null ? 0 : admitted;
    if (n >= maxOperations) {
      metrics.overflowSpans(service, 1);
      return SeriesKey.OVERFLOW_OPERATION;
    }
    state.put(opKey, 1L);
    state.put(countKey, n + 1);
    return operation;
  }

  static String kindName(int kind) {
    Span.SpanKind k = Span.SpanKind.forNumber(kind);
    return (k == null ? Span.SpanKind.SPAN_KIND_UNSPECIFIED : k).name();
  }

  static String statusName(int code) {
    Status.StatusCode c = Status.StatusCode.forNumber(code);
    return (c == null ? Status.StatusCode.STATUS_CODE_UNSET : c).name();
  }

  private static Bytes windowKeyPrefix(long start) {
    return Bytes.wrap(ByteBuffer.allocate(8).putLong(start).array());
  }

  /** Big-endian start first (event times are positive, so byte order is time order), then the series. */
  private static Bytes windowKey(long start, SeriesKey s) {
    byte[][] parts = {utf8(s.service()), utf8(s.operation()), utf8(s.kind()), utf8(s.status())};
    int length = 8;
    for (byte[] p : parts) {
      length += 4 + p.length;
    }
    ByteBuffer key = ByteBuffer.allocate(length).putLong(start);
    for (byte[] p : parts) {
      key.putInt(p.length).put(p);
    }
    return Bytes.wrap(key.array());
  }

  private static SeriesKey readSeries(ByteBuffer key) {
    return new SeriesKey(readString(key), readString(key), readString(key), readString(key));
  }

  private static String readString(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

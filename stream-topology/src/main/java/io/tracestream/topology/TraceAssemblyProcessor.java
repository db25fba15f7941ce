package io.tracestream.topology;

import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummaries;
import io.tracestream.topology.traces.TraceSummary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Groups spans by trace id and completes a trace when no span of it arrived for {@code idle} of event
 * time, or when it is {@code maxAge} old (first span to now, event time); then forwards its summary
 * and its dependency edges ({@link DependencyLinker}; spans in no edge are counted by reason).
 * Event time is the task's {@link EventClock}, which also advances with the wall clock on a task that
 * went quiet, so its last traces complete too.
 *
 * <p>A trace holds at most {@code maxSpans} spans; more are counted as dropped
 * ({@code trace_too_large}). A span for a trace completed less than {@code maxAge} ago is counted as
 * a late trace span and left out: the summary already sent stays the trace's only summary, and a
 * half trace is never started again from its stragglers. (Its span metrics count regardless.)
 *
 * <p>State, in changelogged stores: span batches keyed by trace id and sequence number (appending
 * writes only the new batch); per trace, its meta (first and last event time, deadline, spans,
 * batches); an index of open traces by deadline and one of completed-trace markers by expiry, both
 * keyed by big-endian time so completion is a range scan in time order; and the event time.
 */
final class TraceAssemblyProcessor extends ContextualProcessor<byte[], TraceSpans, String, CompletedTrace> {
  static final String SPANS_STORE = "trace-assembly-spans";
  static final String STATE_STORE = "trace-assembly-state";

  private static final byte META = 'T';
  private static final byte DEADLINE = 'D';
  private static final byte COMPLETED = 'C';
  private static final byte EXPIRY = 'E';
  private static final Bytes CLOCK = Bytes.wrap("clock".getBytes(StandardCharsets.UTF_8));

  private final long idleMs;
  private final long maxAgeMs;
  private final int maxSpans;
  private final long wallIdleMs;
  private final TopologyMetrics metrics;

  private KeyValueStore<Bytes, byte[]> spans;
  private KeyValueStore<Bytes, byte[]> state;
  private EventClock clock;

  TraceAssemblyProcessor(Duration idle, Duration maxAge, int maxSpans, Duration wallIdle, TopologyMetrics metrics) {
    this.idleMs = idle.toMillis();
    this.maxAgeMs = maxAge.toMillis();
    this.maxSpans = maxSpans;
    this.wallIdleMs = wallIdle.toMillis();
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, CompletedTrace> context) {
    super.init(context);
    spans = context.getStateStore(SPANS_STORE);
    state = context.getStateStore(STATE_STORE);
    byte[] saved = state.get(CLOCK);
    clock = new EventClock(saved == null ? EventClock.NONE : ByteBuffer.wrap(saved).getLong(),
        t -> state.put(CLOCK, ByteBuffer.allocate(8).putLong(t).array()), wallIdleMs);
    context.schedule(EventClock.punctuationInterval(wallIdleMs), PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      if (clock.punctuate(wallMs)) {
        completeDue();
      }
    });
  }

  @Override
  public void process(Record<byte[], TraceSpans> record) {
    String traceId = record.value().traceId();
    List<TraceSpan> batch = record.value().spans();
    long timestamp = record.timestamp();
    if (state.get(key(COMPLETED, traceId)) != null) {
      metrics.lateTraceSpans(batch.size());
    } else {
      add(traceId, batch, timestamp);
    }
    if (clock.observe(timestamp)) {
      completeDue();
    }
  }

  private void add(String traceId, List<TraceSpan> batch, long timestamp) {
    byte[] stored = state.get(key(META, traceId));
    Meta meta = stored == null ? new Meta(timestamp, timestamp, Long.MIN_VALUE, 0, 0) : Meta.read(stored);
    int room = Math.max(0, maxSpans - meta.spans);
    List<TraceSpan> kept = batch.size() <= room ? batch : batch.subList(0, room);
    if (kept.size() < batch.size()) {
      metrics.droppedSpans("trace_too_large", batch.size() - kept.size());
    }
    if (!kept.isEmpty()) {
      spans.put(spanKey(traceId, meta.batches), writeSpans(kept));
    }
    long last = Math.max(meta.lastEventMs, timestamp);
    long first = Math.min(meta.firstEventMs, timestamp);
    long deadline = Math.min(last + idleMs, first + maxAgeMs);
    if (deadline != meta.deadline) {
      if (meta.deadline != Long.MIN_VALUE) {
        state.delete(timeKey(DEADLINE, meta.deadline, traceId));
      }
      state.put(timeKey(DEADLINE, deadline, traceId), new byte[0]);
    }
    Meta updated = new Meta(first, last, deadline, meta.spans + kept.size(), meta.batches + (kept.isEmpty() ? 0 : 1));
    state.put(key(META, traceId), updated.write());
  }

  /** Completes every trace whose deadline event time has reached, and forgets expired completion markers. */
  private void completeDue() {
    long now = clock.time();
    for (String traceId : due(DEADLINE, now)) {
      complete(traceId, now);
    }
    for (String traceId : due(EXPIRY, now)) {
      state.delete(key(COMPLETED, traceId));
    }
  }

  /** Trace ids of index entries of {@code type} with time at or before {@code now}; the entries are deleted. */
  private List<String> due(byte type, long now) {
    List<String> ids = new ArrayList<>();
    List<Bytes> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = state.range(timeKey(type, Long.MIN_VALUE, ""), timeKey(type, now, "\uffff"))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        byte[] k = entry.key.get();
        ids.add(new String(k, 9, k.length - 9, StandardCharsets.UTF_8));
        keys.add(entry.key);
      }
    }
    keys.forEach(state::delete);
    return ids;
  }

  private void complete(String traceId, long now) {
    List<TraceSpan> all = new ArrayList<>();
    byte[] from = spanKey(traceId, 0).get();
    byte[] to = spanKey(traceId, Integer.MAX_VALUE).get();
    List<Bytes> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = spans.range(Bytes.wrap(from), Bytes.wrap(to))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        all.addAll(readSpans(entry.value));
        keys.add(entry.key);
      }
    }
    keys.forEach(spans::delete);
    state.delete(key(META, traceId));
    state.put(key(COMPLETED, traceId), new byte[0]);
    state.put(timeKey(EXPIRY, now + maxAgeMs, traceId), new byte[0]);
    if (all.isEmpty()) {
      return; // every span of it was dropped; nothing to summarize
    }
    TraceSummary summary = TraceSummaries.of(all);
    DependencyLinker.Result links = DependencyLinker.link(all);
    links.unpaired().forEach((reason, n) -> metrics.unpairedSpans(reason.tag(), n));
    long endMs = (summary.startNanos() + summary.durationNanos()) / 1_000_000;
    metrics.tracesCompleted(1);
    context().forward(new Record<>(traceId, new CompletedTrace(summary, links.edges()), Math.max(0, endMs)));
  }

  private static Bytes key(byte type, String traceId) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(1 + id.length).put(type).put(id).array());
  }

  /** Type byte, big-endian time with the sign bit flipped (so byte order is time order), trace id. */
  private static Bytes timeKey(byte type, long time, String traceId) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(9 + id.length).put(type).putLong(time ^ Long.MIN_VALUE).put(id).array());
  }

  /** Trace id, a 0 byte, big-endian batch number: a trace's batches are one contiguous range. */
  private static Bytes spanKey(String traceId, int batch) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(id.length + 5).put(id).put((byte) 0).putInt(batch).array());
  }

  private static byte[] writeSpans(List<TraceSpan> batch) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 * batch.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      TraceSpans.writeSpans(out, batch);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static List<TraceSpan> readSpans(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return TraceSpans.readSpans(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An open trace: event times of its first and last span, its completion deadline, spans and batches held. */
  private record Meta(long firstEventMs, long lastEventMs, long deadline, int spans, int batches) {
    byte[] write() {
      return ByteBuffer.allocate(32).putLong(firstEventMs).putLong(lastEventMs).putLong(deadline)
          .putInt(spans).putInt(batches).array();
    }

    static Meta read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      return new Meta(in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getInt());
    }
  }
}

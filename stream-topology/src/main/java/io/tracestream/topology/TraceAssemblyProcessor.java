package io.tracestream.topology;

import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummaries;
import io.tracestream.topology.traces.UnpairedReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Groups spans by trace id and completes a trace when no span of it has arrived for {@code idle}, in
 * event time (the task's latest span end is {@code idle} past the trace's) <em>and</em> in processing
 * time (no batch of it for {@code idle} of wall-clock time), or when it is {@code maxAge} old in event
 * time; then forwards its summary and its dependency edges ({@link DependencyLinker}; spans in no edge
 * are counted by reason), stamped with the trace's end. The processing-time rule is what keeps a trace
 * whole when services' batches arrive out of order: one service's batch, a burst from a retry queue or
 * a clock a few seconds ahead moves event time on before the other services' spans of the same traces
 * have arrived, but it does not move the wall clock.
 *
 * <p>A completed trace's spans are kept for {@code rejoin} of wall-clock time: a batch that arrives for
 * it then is joined to it, its summary is sent again with every span, and only the edges it adds are
 * sent (counted once). Its whole-trace metrics keep the first summary. A batch for a trace completed
 * longer ago (up to {@code maxAge}) is counted as late trace spans and left out: a half trace is never
 * started again from its stragglers. (Span metrics count every span regardless.)
 *
 * <p>After each punctuation the task reports its {@link Progress} downstream (to the trace and edge
 * windows): its event time, but no further than the first span of any trace it holds (open, or kept
 * for rejoining) + {@code grace}, since that trace's summary and edges will land in a window ending
 * after it. So a window downstream closes only when the traces that can land in it have completed.
 *
 * <p>A trace holds at most {@code maxSpans} spans; more are counted as dropped ({@code trace_too_large}).
 *
 * <p>State, in changelogged stores: span batches keyed by trace id and sequence number (appending writes
 * only the new batch); per open trace, its meta; per completed trace, a marker (with its meta while its
 * spans are kept); indexes keyed by big-endian time, so each is a range scan in time order: open traces
 * by event-time deadline, open traces past it by wall-clock deadline, held traces by first span,
 * kept spans by wall-clock expiry, markers by event-time expiry; and the event time.
 */
final class TraceAssemblyProcessor extends ContextualProcessor<byte[], TraceSpans, String, CompletedTrace> {
  static final String SPANS_STORE = "trace-assembly-spans";
  static final String STATE_STORE = "trace-assembly-state";

  private static final byte META = 'T';
  private static final byte DEADLINE = 'D';
  private static final byte WALL_DEADLINE = 'W';
  private static final byte HOLD = 'H';
  private static final byte COMPLETED = 'C';
  private static final byte REJOIN_EXPIRY = 'R';
  private static final byte EXPIRY = 'E';
  private static final byte REKEY_PROGRESS = 'P';
  private static final byte UNPAIRED = 'U';
  private static final Bytes CLOCK = Bytes.wrap("clock".getBytes(StandardCharsets.UTF_8));

  private final long idleMs;
  private final long maxAgeMs;
  private final int maxSpans;
  private final long rejoinMs;
  private final long graceMs;
  private final long wallIdleMs;
  private final TopologyMetrics metrics;
  private final Progress.Sender<String, CompletedTrace> progress;

  private KeyValueStore<Bytes, byte[]> spans;
  private KeyValueStore<Bytes, byte[]> state;
  private EventClock clock;
  /** Progress of the input tasks that re-key spans of null-key records to this task. */
  private final UpstreamProgress rekeying = new UpstreamProgress();
  /**
   * Per index type, a time at or before which no entry of the index is due (a lower bound of its earliest
   * entry; Long.MIN_VALUE while unknown): {@link #due} reads the index only once something may be due, instead
   * of opening a store iterator per index for each record that moves event time on.
   */
  private final long[] earliest = new long[Byte.MAX_VALUE + 1];

  TraceAssemblyProcessor(TopologyConfig config, int inputPartitions, TopologyMetrics metrics) {
    this.idleMs = config.traceIdle().toMillis();
    this.maxAgeMs = config.traceMaxAge().toMillis();
    this.maxSpans = config.traceMaxSpans();
    this.rejoinMs = config.traceRejoin().toMillis();
    this.graceMs = config.grace().toMillis();
    this.wallIdleMs = config.idleClose().toMillis();
    this.metrics = metrics;
    this.progress = new Progress.Sender<>("", inputPartitions);
  }

  @Override
  public void init(ProcessorContext<String, CompletedTrace> context) {
    super.init(context);
    spans = context.getStateStore(SPANS_STORE);
    state = context.getStateStore(STATE_STORE);
    Arrays.fill(earliest, Long.MIN_VALUE);
    byte[] saved = state.get(CLOCK);
    clock = new EventClock(saved == null ? EventClock.NONE : Formats.readLong(saved),
        t -> state.put(CLOCK, Formats.writeLong(t)), wallIdleMs);
    try (KeyValueIterator<Bytes, byte[]> it = state.range(key(REKEY_PROGRESS, ""), key(REKEY_PROGRESS, "\uffff"))) {
      it.forEachRemaining(entry -> {
        byte[] k = entry.key.get();
        String[] p = new String(k, 1, k.length - 1, StandardCharsets.UTF_8).split("/");
        long time = Formats.readLong(entry.value);
        rekeying.report(new Progress(Integer.parseInt(p[0]), Integer.parseInt(p[1]), time));
      });
    }
    Duration every = EventClock.punctuationInterval(Math.min(wallIdleMs, idleMs));
    context.schedule(every, PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      clock.punctuate(wallMs);
      completeDue(wallMs);
      progress.send(context(), progressTime());
    });
  }

  @Override
  public void process(Record<byte[], TraceSpans> record) {
    Optional<Progress> report = Progress.of(record.value(), record.headers());
    if (report.isPresent()) {
      Progress p = report.get();
      state.put(key(REKEY_PROGRESS, p.partition() + "/" + p.partitions()), Formats.writeLong(p.time()));
      rekeying.report(p);
      return;
    }
    Progress.source(record.headers()).ifPresent(from -> {
      if (rekeying.register(from.partition(), from.partitions())) { // holds progress until it reports
        state.put(key(REKEY_PROGRESS, from.partition() + "/" + from.partitions()),
            Formats.writeLong(Progress.NONE));
      }
    });
    String traceId = record.value().traceId();
    List<TraceSpan> batch = record.value().spans();
    long timestamp = record.timestamp();
    long wallMs = context().currentSystemTimeMs();
    byte[] completed = state.get(key(COMPLETED, traceId));
    if (completed == null) {
      add(traceId, batch, timestamp, wallMs);
    } else if (completed.length > 0) {
      rejoin(traceId, Meta.read(completed), batch, timestamp);
    } else {
      metrics.lateTraceSpans(batch.size());
    }
    if (clock.observe(timestamp)) {
      completeDue(wallMs);
    }
  }

  private void add(String traceId, List<TraceSpan> batch, long timestamp, long wallMs) {
    byte[] stored = state.get(key(META, traceId));
    Meta meta = stored == null ? new Meta(timestamp, timestamp, wallMs, Long.MIN_VALUE, Long.MIN_VALUE, 0, 0)
        : Meta.read(stored);
    List<TraceSpan> kept = keep(meta, batch);
    if (!kept.isEmpty()) {
      spans.put(spanKey(traceId, meta.batches), TraceSpans.writeStored(traceId, kept));
    }
    long first = Math.min(meta.firstEventMs, timestamp);
    long last = Math.max(meta.lastEventMs, timestamp);
    long deadline = Math.min(last + idleMs, first + maxAgeMs);
    if (stored == null || first != meta.firstEventMs) {
      if (stored != null) {
        state.delete(timeKey(HOLD, meta.firstEventMs, traceId));
      }
      state.put(timeKey(HOLD, first, traceId), new byte[0]);
    }
    if (meta.wallDeadline != Long.MIN_VALUE) {
      state.delete(timeKey(WALL_DEADLINE, meta.wallDeadline, traceId)); // back to waiting for event time
    }
    if (deadline != meta.deadline || meta.wallDeadline != Long.MIN_VALUE) {
      if (meta.deadline != Long.MIN_VALUE && meta.wallDeadline == Long.MIN_VALUE) {
        state.delete(timeKey(DEADLINE, meta.deadline, traceId));
      }
      index(DEADLINE, deadline, traceId);
    }
    Meta updated = new Meta(first, last, wallMs, deadline, Long.MIN_VALUE, meta.spans + kept.size(),
        meta.batches + (kept.isEmpty() ? 0 : 1));
    state.put(key(META, traceId), updated.write());
  }

  /** The part of {@code batch} that fits under the span cap; the rest is counted as dropped. */
  private List<TraceSpan> keep(Meta meta, List<TraceSpan> batch) {
    int room = Math.max(0, maxSpans - meta.spans);
    if (batch.size() <= room) {
      return batch;
    }
    metrics.droppedSpans("trace_too_large", batch.size() - room);
    return batch.subList(0, room);
  }

  /**
   * Completes the traces due: those whose event-time deadline has passed and that have also been quiet
   * for {@code idle} of wall-clock time (or reached their maximum age); the others wait for the wall
   * clock. Also forgets kept spans and completion markers that have expired.
   */
  private void completeDue(long wallMs) {
    long now = clock.time();
    for (String traceId : due(DEADLINE, now)) {
      Meta meta = Meta.read(state.get(key(META, traceId)));
      if (now >= meta.firstEventMs + maxAgeMs || wallMs >= meta.lastWallMs + idleMs) {
        complete(traceId, meta, now, wallMs);
      } else {
        long wallDeadline = meta.lastWallMs + idleMs;
        index(WALL_DEADLINE, wallDeadline, traceId);
        state.put(key(META, traceId), meta.withWallDeadline(wallDeadline).write());
      }
    }
    for (String traceId : due(WALL_DEADLINE, wallMs)) {
      complete(traceId, Meta.read(state.get(key(META, traceId))), now, wallMs);
    }
    for (String traceId : due(REJOIN_EXPIRY, wallMs)) {
      forget(traceId);
    }
    for (String traceId : due(EXPIRY, now)) {
      byte[] completed = state.get(key(COMPLETED, traceId));
      if (completed != null && completed.length > 0) {
        forget(traceId); // event time outran the wall clock (a fast replay): the spans go with the marker
      }
      state.delete(key(COMPLETED, traceId));
    }
  }

  /** Adds the trace to the index of {@code type} at {@code time}. */
  private void index(byte type, long time, String traceId) {
    state.put(timeKey(type, time, traceId), new byte[0]);
    earliest[type] = Math.min(earliest[type], time);
  }

  /** Trace ids of index entries of {@code type} with time at or before {@code now}; the entries are deleted. */
  private List<String> due(byte type, long now) {
    if (now < earliest[type]) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    List<Bytes> keys = new ArrayList<>();
    long next = Long.MAX_VALUE;
    try (KeyValueIterator<Bytes, byte[]> it = state.range(timeKey(type, Long.MIN_VALUE, ""),
        timeKey(type, Long.MAX_VALUE, "\uffff"))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        long time = timeOf(entry.key);
        if (time > now) {
          next = time; // the index is in time order: the first entry not due is its earliest from now on
          break;
        }
        ids.add(traceIdOf(entry.key));
        keys.add(entry.key);
      }
    }
    keys.forEach(state::delete);
    earliest[type] = next;
    return ids;
  }

  private void complete(String traceId, Meta meta, long now, long wallMs) {
    List<TraceSpan> read = readAll(traceId);
    List<TraceSpan> all = unique(read);
    duplicates(read.size() - all.size());
    state.delete(key(META, traceId));
    index(EXPIRY, now + maxAgeMs, traceId);
    state.put(key(COMPLETED, traceId), meta.write());
    if (all.isEmpty()) {
      forget(traceId);
      return; // every span of it was dropped; nothing to summarize
    }
    DependencyLinker.Result links = DependencyLinker.link(all);
    if (rejoinMs > 0) {
      // its unpaired spans are counted when it can no longer be joined: a straggler may pair them
      putUnpaired(traceId, links);
      index(REJOIN_EXPIRY, wallMs + rejoinMs, traceId);
    } else {
      countUnpaired(links);
      forget(traceId);
    }
    metrics.tracesCompleted(1);
    context().forward(new Record<>(traceId, new CompletedTrace(TraceSummaries.of(all), links.edges(), false),
        Math.max(0, meta.lastEventMs)));
  }

  /**
   * The spans without repeats: a span sent twice, equal in every field (an exporter's retry after an
   * answer it did not get), counts once. Different spans with one id stay, for the linker to count.
   */
  private static List<TraceSpan> unique(List<TraceSpan> spans) {
    return new ArrayList<>(new LinkedHashSet<>(spans));
  }

  private void duplicates(int count) {
    if (count > 0) {
      metrics.droppedSpans("duplicate", count);
    }
  }

  private void putUnpaired(String traceId, DependencyLinker.Result links) {
    if (links.unpaired().isEmpty()) {
      state.delete(key(UNPAIRED, traceId));
      return;
    }
    state.put(key(UNPAIRED, traceId), writeUnpaired(links.unpaired()));
  }

  private void countUnpaired(DependencyLinker.Result links) {
    links.unpaired().forEach((reason, n) -> metrics.unpairedSpans(reason.tag(), n));
  }

  /**
   * Joins a batch to a trace completed less than {@code rejoin} ago: sends its summary again, with every
   * span, and the edges the batch adds. The trace's unpaired spans are counted when it is forgotten.
   */
  private void rejoin(String traceId, Meta meta, List<TraceSpan> batch, long timestamp) {
    List<TraceSpan> before = readAll(traceId);
    List<TraceSpan> kept = keep(meta, batch);
    if (kept.isEmpty()) {
      return;
    }
    spans.put(spanKey(traceId, meta.batches), TraceSpans.writeStored(traceId, kept));
    long first = Math.min(meta.firstEventMs, timestamp);
    if (first != meta.firstEventMs) {
      state.delete(timeKey(HOLD, meta.firstEventMs, traceId));
      state.put(timeKey(HOLD, first, traceId), new byte[0]);
    }
    Meta updated = new Meta(first, Math.max(meta.lastEventMs, timestamp), meta.lastWallMs, meta.deadline,
        meta.wallDeadline, meta.spans + kept.size(), meta.batches + 1);
    state.put(key(COMPLETED, traceId), updated.write());
    List<TraceSpan> had = unique(before);
    List<TraceSpan> joined = new ArrayList<>(before);
    joined.addAll(kept);
    List<TraceSpan> all = unique(joined);
    duplicates(kept.size() - (all.size() - had.size()));
    if (all.size() == had.size()) {
      return; // only copies of spans it has
    }
    DependencyLinker.Result is = DependencyLinker.link(all);
    putUnpaired(traceId, is);
    metrics.rejoinedTraceSpans(all.size() - had.size());
    CompletedTrace again = new CompletedTrace(TraceSummaries.of(all),
        added(DependencyLinker.link(had).edges(), is.edges()), true);
    context().forward(new Record<>(traceId, again, Math.max(0, updated.lastEventMs)));
  }

  /** The edges of {@code now} that {@code before} does not have (as multisets). */
  private static List<Edge> added(List<Edge> before, List<Edge> now) {
    Map<Edge, Integer> had = new HashMap<>();
    before.forEach(e -> had.merge(e, 1, Integer::sum));
    List<Edge> added = new ArrayList<>();
    for (Edge e : now) {
      if (had.merge(e, -1, Integer::sum) < 0) {
        added.add(e);
      }
    }
    return added;
  }

  /**
   * Deletes the kept spans of a completed trace, which then holds progress no longer, and counts its
   * unpaired spans; its marker stays.
   */
  private void forget(String traceId) {
    byte[] completed = state.get(key(COMPLETED, traceId));
    if (completed == null || completed.length == 0) {
      return; // forgotten before
    }
    state.delete(timeKey(HOLD, Meta.read(completed).firstEventMs, traceId));
    state.put(key(COMPLETED, traceId), new byte[0]);
    byte[] unpaired = state.get(key(UNPAIRED, traceId));
    if (unpaired != null) {
      readUnpaired(unpaired).forEach((reason, n) -> metrics.unpairedSpans(reason.tag(), n));
      state.delete(key(UNPAIRED, traceId));
    }
    List<Bytes> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = spans.range(spanKey(traceId, 0), spanKey(traceId, Integer.MAX_VALUE))) {
      it.forEachRemaining(entry -> keys.add(entry.key));
    }
    keys.forEach(spans::delete);
  }

  private List<TraceSpan> readAll(String traceId) {
    List<TraceSpan> all = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = spans.range(spanKey(traceId, 0), spanKey(traceId, Integer.MAX_VALUE))) {
      it.forEachRemaining(entry -> all.addAll(TraceSpans.readStored(entry.value)));
    }
    return all;
  }

  /**
   * Event time, held at the first span of any trace held + grace (its results land in a later window),
   * and at the progress of the input tasks that have re-keyed spans to this one.
   */
  private long progressTime() {
    long time = Math.min(clock.progress(), rekeying.timeOfKnown()); // NONE is the least, IDLE the greatest
    if (time == Progress.NONE) {
      return time;
    }
    try (KeyValueIterator<Bytes, byte[]> it = state.range(timeKey(HOLD, Long.MIN_VALUE, ""),
        timeKey(HOLD, Long.MAX_VALUE, "\uffff"))) {
      if (it.hasNext()) {
        long firstHeld = timeOf(it.next().key);
        time = Math.min(time, firstHeld + graceMs);
      }
    }
    return time;
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

  private static long timeOf(Bytes timeKey) {
    return ByteBuffer.wrap(timeKey.get(), 1, 8).getLong() ^ Long.MIN_VALUE;
  }

  private static String traceIdOf(Bytes timeKey) {
    byte[] k = timeKey.get();
    return new String(k, 9, k.length - 9, StandardCharsets.UTF_8);
  }

  /** Trace id, a 0 byte, big-endian batch number: a trace's batches are one contiguous range. */
  private static Bytes spanKey(String traceId, int batch) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(id.length + 5).put(id).put((byte) 0).putInt(batch).array());
  }

  /** Unpaired spans of a completed trace, version 1: version byte, a 4-byte count per reason in declaration order. */
  static byte[] writeUnpaired(Map<UnpairedReason, Integer> unpaired) {
    UnpairedReason[] reasons = UnpairedReason.values();
    ByteBuffer out = ByteBuffer.allocate(1 + 4 * reasons.length).put((byte) Formats.V1);
    for (UnpairedReason reason : reasons) {
      out.putInt(unpaired.getOrDefault(reason, 0));
    }
    return out.array();
  }

  /** The counts above zero. */
  static Map<UnpairedReason, Integer> readUnpaired(byte[] bytes) {
    UnpairedReason[] reasons = UnpairedReason.values();
    if (bytes.length == 0 || bytes[0] != Formats.V1) {
      throw Formats.unknownVersion("trace's unpaired spans (trace-assembly-state)",
          bytes.length == 0 ? "none (no bytes)" : Integer.toString(bytes[0] & 0xFF));
    }
    if (bytes.length != 1 + 4 * reasons.length) {
      throw new SerializationException("not a trace's unpaired spans: " + bytes.length + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    Map<UnpairedReason, Integer> counts = new EnumMap<>(UnpairedReason.class);
    for (UnpairedReason reason : reasons) {
      int n = in.getInt();
      if (n > 0) {
        counts.put(reason, n);
      }
    }
    return counts;
  }

  /**
   * A trace: event times of its first and last span, wall-clock time of its last batch, its event-time
   * deadline, its wall-clock deadline ({@code Long.MIN_VALUE} until its event-time deadline has passed),
   * spans and batches held. Written with a version byte (2); version 1 (32 bytes, no version byte, no
   * wall-clock times) is read as quiet since the epoch, so a trace open across an upgrade completes as before.
   */
  record Meta(long firstEventMs, long lastEventMs, long lastWallMs, long deadline, long wallDeadline,
      int spans, int batches) {
    private static final byte VERSION = 2;

    Meta withWallDeadline(long wall) {
      return new Meta(firstEventMs, lastEventMs, lastWallMs, deadline, wall, spans, batches);
    }

    byte[] write() {
      return ByteBuffer.allocate(49).put(VERSION).putLong(firstEventMs).putLong(lastEventMs).putLong(lastWallMs)
          .putLong(deadline).putLong(wallDeadline).putInt(spans).putInt(batches).array();
    }

    static Meta read(byte[] bytes) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      if (bytes.length == 32) {
        return new Meta(in.getLong(), in.getLong(), 0, in.getLong(), Long.MIN_VALUE, in.getInt(), in.getInt());
      }
      byte version = in.get();
      if (version != VERSION) {
        throw new IllegalStateException("trace meta of version " + version + ", this version reads " + VERSION);
      }
      return new Meta(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getInt());
    }
  }
}

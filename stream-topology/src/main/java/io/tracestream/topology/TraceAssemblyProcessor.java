package io.tracestream.topology;

import io.tracestream.topology.traces.DependencyLinker;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.UnpairedReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

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
 * <p>State. The traces held (open, or kept for rejoining) are {@link HeldTrace}s on the heap, in a
 * {@link HeapStore} ({@value #TRACES_STORE}) whose changed traces are written to its changelog before each
 * commit: a batch costs a map lookup, not a store read and write per index. Their indexes (by event-time
 * deadline, by wall-clock deadline, by rejoin expiry, by first span) are priority queues rebuilt from the
 * traces when the task starts; an entry that no longer matches its trace is skipped when it comes up.
 * Completed traces leave a marker for {@code maxAge} in event time, so that their stragglers are counted
 * as late rather than started again; the markers (many: every trace of the last {@code maxAge}) stay in
 * RocksDB ({@value #STATE_STORE}: marker by trace id, markers by expiry in big-endian time, the event
 * time and the re-keying tasks' progress), read only for a trace id the heap does not hold.
 */
final class TraceAssemblyProcessor extends ContextualProcessor<byte[], TraceSpans, String, CompletedTrace> {
  static final String TRACES_STORE = "trace-assembly-traces";
  static final String STATE_STORE = "trace-assembly-state";
  /** The store of span batches before traces were held on the heap: emptied into the heap store at start. */
  static final String LEGACY_SPANS_STORE = "trace-assembly-spans";

  static final byte COMPLETED = 'C';
  private static final byte EXPIRY = 'E';
  private static final byte REKEY_PROGRESS = 'P';
  private static final Bytes CLOCK = Bytes.wrap("clock".getBytes(StandardCharsets.UTF_8));
  static final byte[] NO_META = new byte[0];

  private final long idleMs;
  private final long maxAgeMs;
  private final int maxSpans;
  private final long rejoinMs;
  private final long graceMs;
  private final long wallIdleMs;
  private final TopologyMetrics metrics;
  private final DependencyLinker linker;
  private final HeldBytes budget;
  /** What this task's traces count in {@link #budget}. */
  private long held;
  private final Progress.Sender<String, CompletedTrace> progress;

  private HeapStore<String, HeldTrace> traces;
  private KeyValueStore<Bytes, byte[]> state;
  private KeyValueStore<Bytes, byte[]> legacySpans;
  private EventClock clock;
  private long clockSaved;
  /** Progress of the input tasks that re-key spans of null-key records to this task. */
  private final UpstreamProgress rekeying = new UpstreamProgress();
  private final PriorityQueue<Due> deadlines = new PriorityQueue<>();
  private final PriorityQueue<Due> wallDeadlines = new PriorityQueue<>();
  private final PriorityQueue<Due> rejoinExpiries = new PriorityQueue<>();
  private final PriorityQueue<Due> firstSpans = new PriorityQueue<>();
  /**
   * A time at or before which no marker expires (a lower bound of the earliest; Long.MIN_VALUE while unknown):
   * the expiry index is read only once a marker may have expired.
   */
  private long earliestExpiry = Long.MIN_VALUE;

  TraceAssemblyProcessor(TopologyConfig config, int inputPartitions, TopologyMetrics metrics, HeldBytes budget) {
    this.idleMs = config.traceIdle().toMillis();
    this.maxAgeMs = config.traceMaxAge().toMillis();
    this.maxSpans = config.traceMaxSpans();
    this.rejoinMs = config.traceRejoin().toMillis();
    this.graceMs = config.grace().toMillis();
    this.wallIdleMs = config.idleClose().toMillis();
    this.metrics = metrics;
    this.linker = new DependencyLinker(config.peerAttributes());
    this.budget = budget;
    this.progress = new Progress.Sender<>("", inputPartitions);
  }

  static StoreBuilder<HeapStore<String, HeldTrace>> tracesStore() {
    return HeapStore.builder(TRACES_STORE, HeldTrace.KEY, HeldTrace.VALUE);
  }

  @Override
  public void init(ProcessorContext<String, CompletedTrace> context) {
    super.init(context);
    traces = context.getStateStore(TRACES_STORE);
    state = context.getStateStore(STATE_STORE);
    legacySpans = context.getStateStore(LEGACY_SPANS_STORE);
    traces.reload();
    byte[] saved = state.get(CLOCK);
    clockSaved = saved == null ? EventClock.NONE : Formats.readLong(saved);
    clock = new EventClock(clockSaved, t -> { }, wallIdleMs);
    traces.beforeFlush(this::saveClock);
    try (KeyValueIterator<Bytes, byte[]> it = state.range(key(REKEY_PROGRESS, ""), key(REKEY_PROGRESS, "\uffff"))) {
      it.forEachRemaining(entry -> {
        byte[] k = entry.key.get();
        String[] p = new String(k, 1, k.length - 1, StandardCharsets.UTF_8).split("/");
        long time = Formats.readLong(entry.value);
        rekeying.report(new Progress(Integer.parseInt(p[0]), Integer.parseInt(p[1]), time));
      });
    }
    LegacyAssemblyState.migrate(state, legacySpans, traces::put);
    for (Map.Entry<String, HeldTrace> entry : traces.entries()) {
      HeldTrace t = entry.getValue();
      account(t.bytes);
      firstSpans.add(new Due(t.firstEventMs, entry.getKey()));
      if (t.completed()) {
        rejoinExpiries.add(new Due(t.rejoinExpiry, entry.getKey()));
      } else if (t.wallDeadline != HeldTrace.NONE) {
        wallDeadlines.add(new Due(t.wallDeadline, entry.getKey()));
      } else {
        deadlines.add(new Due(t.deadline, entry.getKey()));
      }
    }
    Duration every = EventClock.punctuationInterval(Math.min(wallIdleMs, idleMs));
    context.schedule(every, PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      clock.punctuate(wallMs);
      completeDue(wallMs);
      progress.send(context(), progressTime());
    });
  }

  /** The event time, written to the state store once per commit (before it) when it has moved. */
  private void saveClock() {
    if (clock.time() != clockSaved) {
      clockSaved = clock.time();
      state.put(CLOCK, Formats.writeLong(clockSaved));
    }
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
    HeldTrace held = traces.value(traceId);
    if (held == null) {
      if (state.get(key(COMPLETED, traceId)) == null) {
        add(traceId, null, batch, timestamp, wallMs);
      } else {
        metrics.lateTraceSpans(batch.size());
      }
    } else if (held.completed()) {
      rejoin(traceId, held, batch, timestamp);
    } else {
      add(traceId, held, batch, timestamp, wallMs);
    }
    if (budget.over()) {
      evict(wallMs);
    }
    if (clock.observe(timestamp)) {
      completeDue(wallMs);
    }
  }

  private void add(String traceId, HeldTrace trace, List<TraceSpan> batch, long timestamp, long wallMs) {
    HeldTrace t = trace;
    if (t == null) {
      t = new HeldTrace(timestamp, timestamp, wallMs, new ArrayList<>(2));
      t.deadline = HeldTrace.NONE;
      firstSpans.add(new Due(timestamp, traceId));
      account(t.bytes);
    }
    append(traceId, t, batch);
    if (timestamp < t.firstEventMs) {
      t.firstEventMs = timestamp;
      firstSpans.add(new Due(timestamp, traceId));
    }
    t.lastEventMs = Math.max(t.lastEventMs, timestamp);
    t.lastWallMs = wallMs;
    long deadline = Math.min(t.lastEventMs + idleMs, t.firstEventMs + maxAgeMs);
    if (deadline != t.deadline || t.wallDeadline != HeldTrace.NONE) {
      t.deadline = deadline;
      t.wallDeadline = HeldTrace.NONE; // back to waiting for event time
      deadlines.add(new Due(deadline, traceId));
    }
    traces.put(traceId, t);
  }

  /** Adds the part of {@code batch} that fits under the span cap; the rest is counted as dropped. */
  private void append(String traceId, HeldTrace t, List<TraceSpan> batch) {
    int room = Math.max(0, maxSpans - t.spans);
    List<TraceSpan> kept = batch;
    if (batch.size() > room) {
      metrics.droppedSpans("trace_too_large", batch.size() - room);
      kept = batch.subList(0, room);
    }
    if (!kept.isEmpty()) {
      long before = t.bytes;
      t.addBatch(TraceSpans.writeStored(traceId, kept));
      t.spans += kept.size();
      account(t.bytes - before);
    }
  }

  /**
   * Completes the traces due: those whose event-time deadline has passed and that have also been quiet
   * for {@code idle} of wall-clock time (or reached their maximum age); the others wait for the wall
   * clock. Also forgets kept spans and completion markers that have expired.
   */
  private void completeDue(long wallMs) {
    long now = clock.time();
    for (Due due = next(deadlines, now); due != null; due = next(deadlines, now)) {
      HeldTrace t = traces.value(due.traceId);
      if (t == null || t.completed() || t.wallDeadline != HeldTrace.NONE || t.deadline != due.time) {
        continue; // an entry its trace has moved on from
      }
      if (now >= t.firstEventMs + maxAgeMs || wallMs >= t.lastWallMs + idleMs) {
        complete(due.traceId, t, now, wallMs);
      } else {
        t.wallDeadline = t.lastWallMs + idleMs;
        wallDeadlines.add(new Due(t.wallDeadline, due.traceId));
        traces.put(due.traceId, t);
      }
    }
    for (Due due = next(wallDeadlines, wallMs); due != null; due = next(wallDeadlines, wallMs)) {
      HeldTrace t = traces.value(due.traceId);
      if (t != null && !t.completed() && t.wallDeadline == due.time) {
        complete(due.traceId, t, now, wallMs);
      }
    }
    for (Due due = next(rejoinExpiries, wallMs); due != null; due = next(rejoinExpiries, wallMs)) {
      HeldTrace t = traces.value(due.traceId);
      if (t != null && t.completed() && t.rejoinExpiry == due.time) {
        forget(due.traceId, t);
      }
    }
    for (String traceId : expiredMarkers(now)) {
      HeldTrace t = traces.value(traceId);
      if (t != null && t.completed()) {
        forget(traceId, t); // event time outran the wall clock (a fast replay): the spans go with the marker
      }
      state.delete(key(COMPLETED, traceId));
    }
  }

  /** The head of {@code queue} if it is due at {@code now}, taken off the queue; else null. */
  private static Due next(PriorityQueue<Due> queue, long now) {
    Due head = queue.peek();
    return head != null && head.time <= now ? queue.poll() : null;
  }

  /** Trace ids of markers that expire at or before {@code now}; their index entries are deleted. */
  private List<String> expiredMarkers(long now) {
    if (now < earliestExpiry) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    List<Bytes> keys = new ArrayList<>();
    long next = Long.MAX_VALUE;
    try (KeyValueIterator<Bytes, byte[]> it = state.range(timeKey(EXPIRY, Long.MIN_VALUE, ""),
        timeKey(EXPIRY, Long.MAX_VALUE, "\uffff"))) {
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
    earliestExpiry = next;
    return ids;
  }

  private void complete(String traceId, HeldTrace t, long now, long wallMs) {
    List<TraceSpan> read = readAll(t);
    List<TraceSpan> all = unique(read);
    duplicates(read.size() - all.size());
    long expiry = now + maxAgeMs;
    state.put(timeKey(EXPIRY, expiry, traceId), NO_META);
    earliestExpiry = Math.min(earliestExpiry, expiry);
    state.put(key(COMPLETED, traceId), NO_META);
    if (all.isEmpty()) {
      release(traceId, t);
      return; // every span of it was dropped; nothing to summarize
    }
    DependencyLinker.Result links = linker.linkTrace(all);
    if (rejoinMs > 0) {
      // its unpaired spans are counted when it can no longer be joined: a straggler may pair them
      t.unpaired = links.unpaired();
      t.rejoinExpiry = wallMs + rejoinMs;
      rejoinExpiries.add(new Due(t.rejoinExpiry, traceId));
      traces.put(traceId, t);
    } else {
      countUnpaired(links.unpaired());
      release(traceId, t);
    }
    metrics.tracesCompleted(1);
    context().forward(new Record<>(traceId, CompletedTrace.of(all, links.edges(), false),
        Math.max(0, t.lastEventMs)));
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

  private void countUnpaired(Map<UnpairedReason, Integer> unpaired) {
    unpaired.forEach((reason, n) -> metrics.unpairedSpans(reason.tag(), n));
  }

  /**
   * Joins a batch to a trace completed less than {@code rejoin} ago: sends its summary again, with every
   * span, and the edges the batch adds. The trace's unpaired spans are counted when it is forgotten.
   */
  private void rejoin(String traceId, HeldTrace t, List<TraceSpan> batch, long timestamp) {
    List<TraceSpan> before = readAll(t);
    int batches = t.batches.size();
    append(traceId, t, batch);
    if (t.batches.size() == batches) {
      return;
    }
    List<TraceSpan> kept = TraceSpans.readStored(t.batches.get(batches));
    if (timestamp < t.firstEventMs) {
      t.firstEventMs = timestamp;
      firstSpans.add(new Due(timestamp, traceId));
    }
    t.lastEventMs = Math.max(t.lastEventMs, timestamp);
    traces.put(traceId, t);
    List<TraceSpan> had = unique(before);
    List<TraceSpan> joined = new ArrayList<>(before);
    joined.addAll(kept);
    List<TraceSpan> all = unique(joined);
    duplicates(kept.size() - (all.size() - had.size()));
    if (all.size() == had.size()) {
      return; // only copies of spans it has
    }
    DependencyLinker.Result is = linker.linkTrace(all);
    t.unpaired = is.unpaired();
    metrics.rejoinedTraceSpans(all.size() - had.size());
    CompletedTrace again = CompletedTrace.of(all, added(linker.linkTrace(had).edges(), is.edges()), true);
    context().forward(new Record<>(traceId, again, Math.max(0, t.lastEventMs)));
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
   * Lets go of the spans of a completed trace, which then holds progress no longer, and counts its
   * unpaired spans; its marker stays.
   */
  private void forget(String traceId, HeldTrace t) {
    countUnpaired(t.unpaired);
    release(traceId, t);
  }

  private void release(String traceId, HeldTrace t) {
    traces.delete(traceId);
    account(-t.bytes);
  }

  private void account(long bytes) {
    held += bytes;
    budget.add(bytes);
  }

  /**
   * While the traces held in this topology instance take more than {@code topology.trace.max.held.bytes}: forgets
   * this task's kept traces, soonest to expire first, then completes its open traces, oldest first span first, and
   * lets go of them at once. Counted by what they were.
   */
  private void evict(long wallMs) {
    for (Due due = overAndNext(rejoinExpiries); due != null; due = overAndNext(rejoinExpiries)) {
      HeldTrace t = traces.value(due.traceId);
      if (t != null && t.completed() && t.rejoinExpiry == due.time) {
        forget(due.traceId, t);
        metrics.evictedTraces("kept", 1);
      }
    }
    for (Due due = overAndNext(firstSpans); due != null; due = overAndNext(firstSpans)) {
      HeldTrace t = traces.value(due.traceId);
      if (t == null || t.firstEventMs != due.time) {
        continue;
      }
      if (!t.completed()) {
        complete(due.traceId, t, clock.time(), wallMs);
        metrics.evictedTraces("open", 1);
      } else {
        metrics.evictedTraces("kept", 1);
      }
      HeldTrace kept = traces.value(due.traceId);
      if (kept != null) {
        forget(due.traceId, kept);
      }
    }
  }

  /** The head of {@code queue}, taken off it, while the budget is over; else null. */
  private Due overAndNext(PriorityQueue<Due> queue) {
    return budget.over() ? queue.poll() : null;
  }

  @Override
  public void close() {
    budget.add(-held);
    held = 0;
  }

  private static List<TraceSpan> readAll(HeldTrace t) {
    List<TraceSpan> all = new ArrayList<>(t.spans);
    for (byte[] batch : t.batches) {
      all.addAll(TraceSpans.readStored(batch));
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
    for (Due head = firstSpans.peek(); head != null; head = firstSpans.peek()) {
      HeldTrace t = traces.value(head.traceId);
      if (t != null && t.firstEventMs == head.time) {
        return Math.min(time, head.time + graceMs);
      }
      firstSpans.poll(); // its trace is no longer held, or holds an earlier first span
    }
    return time;
  }

  static Bytes key(byte type, String traceId) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(1 + id.length).put(type).put(id).array());
  }

  /** Type byte, big-endian time with the sign bit flipped (so byte order is time order), trace id. */
  static Bytes timeKey(byte type, long time, String traceId) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(9 + id.length).put(type).putLong(time ^ Long.MIN_VALUE).put(id).array());
  }

  static long timeOf(Bytes timeKey) {
    return ByteBuffer.wrap(timeKey.get(), 1, 8).getLong() ^ Long.MIN_VALUE;
  }

  static String traceIdOf(Bytes timeKey) {
    byte[] k = timeKey.get();
    return new String(k, 9, k.length - 9, StandardCharsets.UTF_8);
  }

  /** An index entry: a trace due at {@code time}. */
  private record Due(long time, String traceId) implements Comparable<Due> {
    @Override
    public int compareTo(Due other) {
      return Long.compare(time, other.time);
    }
  }
}

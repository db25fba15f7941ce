package io.tracestream.topology;

import static io.tracestream.topology.TraceAssemblyProcessor.COMPLETED;
import static io.tracestream.topology.TraceAssemblyProcessor.NO_META;
import static io.tracestream.topology.TraceAssemblyProcessor.key;
import static io.tracestream.topology.TraceAssemblyProcessor.timeKey;
import static io.tracestream.topology.TraceAssemblyProcessor.timeOf;
import static io.tracestream.topology.TraceAssemblyProcessor.traceIdOf;

import io.tracestream.topology.traces.UnpairedReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Trace assembly's state as the version before traces were held on the heap kept it, moved to the heap when
 * an upgraded task starts (stream-topology/README.md, "Formats and upgrades"). That version kept a trace's span
 * batches in {@value TraceAssemblyProcessor#LEGACY_SPANS_STORE} (key: trace id, a 0 byte, big-endian batch
 * number) and in {@value TraceAssemblyProcessor#STATE_STORE}: per open trace its {@link Meta} ('T' + trace id),
 * per completed trace a marker ('C' + trace id; its meta while its spans were kept), the unpaired counts of a
 * kept trace ('U' + trace id), and indexes keyed by type byte, big-endian time and trace id ('D', 'W', 'H',
 * 'R'). Markers, their expiry index ('E'), the clock and the re-keying progress are what this version keeps too.
 */
final class LegacyAssemblyState {
  private static final byte META = 'T';
  private static final byte UNPAIRED = 'U';
  private static final byte REJOIN_EXPIRY = 'R';
  private static final byte[] INDEXES = {'D', 'W', 'H', REJOIN_EXPIRY};

  private LegacyAssemblyState() {}

  /**
   * Moves the open traces and the completed traces kept for rejoining (their rejoin expiry from the old index)
   * to {@code into}, then deletes what it moved, the old indexes and the markers' metas. A no-op once done: the
   * old spans store is then empty.
   */
  static void migrate(KeyValueStore<Bytes, byte[]> state, KeyValueStore<Bytes, byte[]> spans,
      BiConsumer<String, HeldTrace> into) {
    try (KeyValueIterator<Bytes, byte[]> any = spans.all()) {
      if (!any.hasNext()) {
        return;
      }
    }
    try (KeyValueIterator<Bytes, byte[]> it = state.range(key(META, ""), key(META, "\uffff"))) {
      it.forEachRemaining(entry -> {
        String traceId = new String(entry.key.get(), 1, entry.key.get().length - 1, StandardCharsets.UTF_8);
        Meta meta = Meta.read(entry.value);
        HeldTrace t = trace(spans, traceId, meta);
        t.wallDeadline = meta.wallDeadline;
        into.accept(traceId, t);
      });
    }
    try (KeyValueIterator<Bytes, byte[]> it = state.range(timeKey(REJOIN_EXPIRY, Long.MIN_VALUE, ""),
        timeKey(REJOIN_EXPIRY, Long.MAX_VALUE, "\uffff"))) {
      it.forEachRemaining(entry -> {
        String traceId = traceIdOf(entry.key);
        byte[] marker = state.get(key(COMPLETED, traceId));
        if (marker == null || marker.length == 0) {
          return;
        }
        HeldTrace t = trace(spans, traceId, Meta.read(marker));
        t.rejoinExpiry = timeOf(entry.key);
        byte[] unpaired = state.get(key(UNPAIRED, traceId));
        t.unpaired = unpaired == null ? Map.of() : readUnpaired(unpaired);
        into.accept(traceId, t);
      });
    }
    deleteAll(state, keys(state, key(META, ""), key(META, "\uffff"), false));
    deleteAll(state, keys(state, key(UNPAIRED, ""), key(UNPAIRED, "\uffff"), false));
    for (Bytes marker : keys(state, key(COMPLETED, ""), key(COMPLETED, "\uffff"), true)) {
      state.put(marker, NO_META); // a marker holds no meta now: a kept trace is on the heap
    }
    for (byte type : INDEXES) {
      deleteAll(state, keys(state, timeKey(type, Long.MIN_VALUE, ""), timeKey(type, Long.MAX_VALUE, "\uffff"), false));
    }
    try (KeyValueIterator<Bytes, byte[]> it = spans.all()) {
      List<Bytes> all = new ArrayList<>();
      it.forEachRemaining(entry -> all.add(entry.key));
      deleteAll(spans, all);
    }
  }

  /** Keys in [from, to]; only those with a non-empty value if {@code withValue}. */
  private static List<Bytes> keys(KeyValueStore<Bytes, byte[]> store, Bytes from, Bytes to, boolean withValue) {
    List<Bytes> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.range(from, to)) {
      it.forEachRemaining(entry -> {
        if (!withValue || entry.value.length > 0) {
          keys.add(entry.key);
        }
      });
    }
    return keys;
  }

  private static void deleteAll(KeyValueStore<Bytes, byte[]> store, List<Bytes> keys) {
    keys.forEach(store::delete);
  }

  /** A trace of the version before, with its span batches (kept in their stored format, which this version reads). */
  private static HeldTrace trace(KeyValueStore<Bytes, byte[]> spans, String traceId, Meta meta) {
    List<byte[]> batches = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = spans.range(spanKey(traceId, 0), spanKey(traceId, Integer.MAX_VALUE))) {
      it.forEachRemaining(entry -> batches.add(entry.value));
    }
    HeldTrace t = new HeldTrace(meta.firstEventMs, meta.lastEventMs, meta.lastWallMs, batches);
    t.deadline = meta.deadline;
    t.spans = meta.spans;
    return t;
  }

  /** The old spans store's key: trace id, a 0 byte, big-endian batch number. */
  static Bytes spanKey(String traceId, int batch) {
    byte[] id = traceId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(id.length + 5).put(id).put((byte) 0).putInt(batch).array());
  }

  /**
   * A kept trace's unpaired counts: version byte (1), a 4-byte count per reason in declaration order; those above
   * zero.
   */
  static Map<UnpairedReason, Integer> readUnpaired(byte[] bytes) {
    UnpairedReason[] reasons = UnpairedReason.values();
    if (bytes.length == 0 || bytes[0] != Formats.V1) {
      throw Formats.unknownVersion("trace's unpaired spans (trace-assembly-state)",
          bytes.length == 0 ? "none (no bytes)" : Integer.toString(bytes[0] & 0xFF));
    }
    if (bytes.length < 1 + 4 * 8 || (bytes.length - 1) % 4 != 0) {
      throw new SerializationException("not a trace's unpaired spans: " + bytes.length + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    Map<UnpairedReason, Integer> counts = new EnumMap<>(UnpairedReason.class);
    for (int i = 0; in.hasRemaining(); i++) {
      int n = in.getInt();
      if (n > 0) {
        counts.put(reasons[i], n);
      }
    }
    return counts;
  }

  /**
   * A trace's meta: event times of its first and last span, wall-clock time of its last batch, its event-time
   * deadline, its wall-clock deadline ({@code Long.MIN_VALUE} until its event-time deadline had passed), spans
   * and batches held. Version 2 has a version byte; version 1 (32 bytes, no version byte, no wall-clock times)
   * is read as quiet since the epoch.
   */
  record Meta(long firstEventMs, long lastEventMs, long lastWallMs, long deadline, long wallDeadline,
      int spans, int batches) {
    private static final byte VERSION = 2;

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

package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.UnpairedReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An upgraded assembly task moves the open and kept traces of the version before to the heap, once. */
class LegacyAssemblyStateTest {
  private static final String OPEN = "0af7651916cd43dd8448eb211c80319c";
  private static final String KEPT = "1af7651916cd43dd8448eb211c80319c";
  private static final String FORGOTTEN = "2af7651916cd43dd8448eb211c80319c";

  private final Map<String, HeldTrace> heap = new HashMap<>();
  private KeyValueStore<Bytes, byte[]> state;
  private KeyValueStore<Bytes, byte[]> spans;

  @BeforeEach
  void stores() {
    MockProcessorContext<String, CompletedTrace> context = new MockProcessorContext<>();
    state = store(context, TraceAssemblyProcessor.STATE_STORE);
    spans = store(context, TraceAssemblyProcessor.LEGACY_SPANS_STORE);
  }

  private static KeyValueStore<Bytes, byte[]> store(MockProcessorContext<?, ?> context, String name) {
    KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
        Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  @Test
  void openAndKeptTracesMoveToTheHeapWithTheirSpansAndTheOldKeysAreDeleted() {
    // Given the version before's state: an open trace of two batches, waiting for the wall clock
    state.put(key('T', OPEN), meta(1_000, 4_000, 50_000, 14_000, 60_000, 2, 2));
    spans.put(LegacyAssemblyState.spanKey(OPEN, 0), LegacyFormats.storedSpans(OPEN));
    spans.put(LegacyAssemblyState.spanKey(OPEN, 1), LegacyFormats.storedSpans(OPEN));
    state.put(timeKey('W', 60_000, OPEN), new byte[0]);
    state.put(timeKey('H', 1_000, OPEN), new byte[0]);
    // a completed trace kept for rejoining, with its unpaired spans, and a forgotten one
    state.put(key('C', KEPT), meta(2_000, 3_000, 40_000, 13_000, Long.MIN_VALUE, 1, 1));
    spans.put(LegacyAssemblyState.spanKey(KEPT, 0), LegacyFormats.storedSpans(KEPT));
    state.put(key('U', KEPT), unpaired(1));
    state.put(timeKey('R', 55_000, KEPT), new byte[0]);
    state.put(timeKey('H', 2_000, KEPT), new byte[0]);
    state.put(timeKey('E', 303_000, KEPT), new byte[0]);
    state.put(key('C', FORGOTTEN), new byte[0]);
    state.put(timeKey('E', 302_000, FORGOTTEN), new byte[0]);
    state.put(Bytes.wrap("clock".getBytes(StandardCharsets.UTF_8)), Formats.writeLong(4_000));

    // When an upgraded task starts
    LegacyAssemblyState.migrate(state, spans, heap::put);

    // Then both traces are on the heap with their times, spans and unpaired counts
    assertThat(heap).containsOnlyKeys(OPEN, KEPT);
    HeldTrace open = heap.get(OPEN);
    assertThat(List.of(open.firstEventMs, open.lastEventMs, open.lastWallMs, open.deadline, open.wallDeadline,
        open.rejoinExpiry)).containsExactly(1_000L, 4_000L, 50_000L, 14_000L, 60_000L, HeldTrace.NONE);
    assertThat(open.completed()).isFalse();
    assertThat(open.spans).isEqualTo(2);
    assertThat(spansOf(open)).hasSize(2).allMatch(s -> s.traceId().equals(OPEN) && s.service().equals("frontend"));
    HeldTrace kept = heap.get(KEPT);
    assertThat(kept.completed()).isTrue();
    assertThat(kept.rejoinExpiry).isEqualTo(55_000L);
    assertThat(kept.unpaired).isEqualTo(Map.of(UnpairedReason.CLIENT_WITHOUT_SERVER, 1));
    assertThat(spansOf(kept)).extracting(TraceSpan::traceId).containsExactly(KEPT);
    // and of the old state only the markers (without meta), their expiry index and the clock are left
    assertThat(keys(state)).containsExactlyInAnyOrder("C" + KEPT, "C" + FORGOTTEN, "E@" + KEPT, "E@" + FORGOTTEN,
        "clock");
    assertThat(state.get(key('C', KEPT))).isEmpty();
    assertThat(keys(spans)).isEmpty();

    // When it starts again, nothing is moved twice
    heap.clear();
    LegacyAssemblyState.migrate(state, spans, heap::put);
    assertThat(heap).isEmpty();
  }

  private static List<TraceSpan> spansOf(HeldTrace trace) {
    List<TraceSpan> all = new ArrayList<>();
    trace.batches.forEach(b -> all.addAll(TraceSpans.readStored(b)));
    return all;
  }

  /** Keys as text: the type byte, then "@" for a time key, then the trace id (or the key's text). */
  private static List<String> keys(KeyValueStore<Bytes, byte[]> store) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      it.forEachRemaining(entry -> {
        byte[] k = entry.key.get();
        boolean timed = k.length == 9 + OPEN.length() && "DWHRE".indexOf(k[0]) >= 0;
        keys.add(timed ? (char) k[0] + "@" + TraceAssemblyProcessor.traceIdOf(entry.key)
            : new String(k, StandardCharsets.UTF_8));
      });
    }
    return keys;
  }

  private static Bytes key(char type, String traceId) {
    return TraceAssemblyProcessor.key((byte) type, traceId);
  }

  private static Bytes timeKey(char type, long time, String traceId) {
    return TraceAssemblyProcessor.timeKey((byte) type, time, traceId);
  }

  /** Meta version 2, as the version before wrote it. */
  private static byte[] meta(long first, long last, long lastWall, long deadline, long wallDeadline, int spans,
      int batches) {
    return ByteBuffer.allocate(49).put((byte) 2).putLong(first).putLong(last).putLong(lastWall).putLong(deadline)
        .putLong(wallDeadline).putInt(spans).putInt(batches).array();
  }

  /** Unpaired counts version 1: a count per reason of the version before (8), here client_without_server. */
  private static byte[] unpaired(int clientWithoutServer) {
    ByteBuffer out = ByteBuffer.allocate(1 + 4 * 8).put((byte) 1).putInt(clientWithoutServer);
    return out.array();
  }
}

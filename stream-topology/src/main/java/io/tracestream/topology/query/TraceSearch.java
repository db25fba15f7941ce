package io.tracestream.topology.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracestream.topology.traces.TraceSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * {@code GET /api/traces}: the summaries in the {@code trace-summaries} store that a {@link TraceQuery}
 * matches, newest start first. Each partition is searched alone ({@link #partition}) and keeps only its
 * newest {@code limit} matches, so a search holds at most {@code limit} summaries per partition; the parts
 * are merged ({@link #merge}) on the instance asked, whatever instance read them.
 *
 * <p>A part is {@code {"traces": [...], "total": n, "cut": [{"partition": p, "examined": n}]}}: the part's
 * newest matches, how many matched in all, and the partitions whose read stopped at the most summaries one
 * search reads in a partition. The store files a summary under its trace's end, so the range is on trace
 * ends; a trace joined again by a straggler is there twice, and only its newest summary in the range counts.
 */
final class TraceSearch {
  /** Summaries one search reads in one partition at most; past it the answer says the partition was cut. */
  static final int MAX_EXAMINED_PER_PARTITION = 50_000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Comparator<TraceSummary> NEWEST_FIRST = Comparator
      .comparingLong(TraceSummary::startNanos).reversed().thenComparing(TraceSummary::traceId);
  private static final Comparator<JsonNode> NEWEST_JSON_FIRST = Comparator
      .<JsonNode>comparingLong(t -> t.path("startNanos").asLong()).reversed()
      .thenComparing(t -> t.path("traceId").asText());

  private TraceSearch() {}

  /** The part of one partition's store, reading at most {@code maxExamined} summaries. */
  static ObjectNode partition(ReadOnlyWindowStore<String, TraceSummary> store, int partition, TraceQuery query,
      int maxExamined) {
    PriorityQueue<TraceSummary> newest = new PriorityQueue<>(NEWEST_FIRST.reversed()); // the oldest kept on top
    long total = 0;
    int examined = 0;
    boolean cut = false;
    SeenIds seen = new SeenIds(maxExamined);
    // Newest segment first; within a segment the store orders by trace id, so a cut one is read in part.
    try (KeyValueIterator<Windowed<String>, TraceSummary> it = store.backwardFetchAll(
        Instant.ofEpochMilli(query.fromMs()), Instant.ofEpochMilli(query.toMs()))) {
      while (it.hasNext()) {
        if (examined == maxExamined) {
          cut = true;
          break;
        }
        KeyValue<Windowed<String>, TraceSummary> entry = it.next();
        examined++;
        // A trace's newer summaries are read before its older ones (newer segments first, and a key's
        // entries newest first in one): the filter says which trace ids may have been read, the store whether.
        boolean superseded = seen.mightContain(entry.key.key()) && supersededInRange(store, entry.key, query.toMs());
        seen.add(entry.key.key());
        if (superseded || !query.matches(entry.value)) {
          continue;
        }
        total++;
        newest.add(entry.value);
        if (newest.size() > query.limit()) {
          newest.poll();
        }
      }
    }
    List<TraceSummary> traces = new ArrayList<>(newest);
    traces.sort(NEWEST_FIRST);
    ObjectNode part = JSON.createObjectNode();
    part.set("traces", JSON.valueToTree(traces));
    part.put("total", total);
    ArrayNode cuts = part.putArray("cut");
    if (cut) {
      cuts.addObject().put("partition", partition).put("examined", examined);
    }
    return part;
  }

  /** The parts as one: the newest {@code limit} of their traces, their totals summed, their cuts listed. */
  static ObjectNode merge(List<JsonNode> parts, int limit) {
    List<JsonNode> traces = new ArrayList<>();
    long total = 0;
    ObjectNode merged = JSON.createObjectNode();
    ArrayNode cuts = JSON.createArrayNode();
    for (JsonNode part : parts) {
      part.path("traces").forEach(traces::add);
      total += part.path("total").asLong();
      part.path("cut").forEach(cuts::add);
    }
    traces.sort(NEWEST_JSON_FIRST);
    merged.set("traces", JSON.valueToTree(traces.subList(0, Math.min(limit, traces.size()))));
    merged.put("total", total);
    merged.set("cut", cuts);
    return merged;
  }

  /**
   * The answer to the client, in the query service's envelope: {@code limit} as asked; {@code errors}
   * null, or one entry with code 206 per partition whose read was cut (the answer may lack matches there).
   */
  static Map<String, Object> answer(JsonNode merged, int limit) {
    List<Map<String, Object>> errors = new ArrayList<>();
    for (JsonNode cut : merged.path("cut")) {
      errors.add(Map.of("code", 206, "msg", "partition " + cut.path("partition").asInt() + ": the search stopped"
          + " after reading " + cut.path("examined").asInt() + " trace summaries, the most it reads in a partition;"
          + " traces there not read may match: narrow start/end"));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("data", merged.path("traces"));
    body.put("total", merged.path("total").asLong());
    body.put("limit", limit);
    body.put("offset", 0);
    body.put("errors", errors.isEmpty() ? null : errors);
    return body;
  }

  /**
   * The trace ids read so far, as a Bloom filter of 16 bits per summary a search may read and two probes:
   * with 50 000 summaries read, under 1 % of new ids are taken for seen (each costs a store read to tell),
   * in 128 KiB.
   */
  private static final class SeenIds {
    private final BitSet bits;
    private final int mask;

    SeenIds(int maxExamined) {
      int size = Integer.highestOneBit(Math.max(64, maxExamined * 16 - 1)) << 1;
      bits = new BitSet(size);
      mask = size - 1;
    }

    void add(String traceId) {
      long hash = hash(traceId);
      bits.set((int) hash & mask);
      bits.set((int) (hash >>> 32) & mask);
    }

    boolean mightContain(String traceId) {
      long hash = hash(traceId);
      return bits.get((int) hash & mask) && bits.get((int) (hash >>> 32) & mask);
    }

    /** A 64-bit hash of the id, its bits mixed (MurmurHash3's finalizer). */
    private static long hash(String traceId) {
      long h = 1125899906842597L;
      for (int i = 0; i < traceId.length(); i++) {
        h = 31 * h + traceId.charAt(i);
      }
      h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
      h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
      return h ^ (h >>> 33);
    }
  }

  /** Whether the store has a newer summary of the trace up to {@code toMs}: the entry was replaced. */
  private static boolean supersededInRange(ReadOnlyWindowStore<String, TraceSummary> store, Windowed<String> entry,
      long toMs) {
    long at = entry.window().start();
    if (at >= toMs) {
      return false;
    }
    try (WindowStoreIterator<TraceSummary> newer = store.fetch(entry.key(), Instant.ofEpochMilli(at + 1),
        Instant.ofEpochMilli(toMs))) {
      return newer.hasNext();
    }
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.SeriesExemplars;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.JsonSerde;
import io.tracestream.topology.traces.TraceSummary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Binary formats of the stores that hold plain values, each behind a leading version byte, and how each
 * reads what the version before this change wrote (README, "Formats and upgrades"). The formats of
 * span batches, partials and windows are with their types ({@link TraceSpans}, {@link SpanPartial},
 * {@link WindowAccumulator}). Output topics keep their JSON ({@code StreamTopology}).
 */
final class Formats {
  /** The version of every format introduced with this class; a format change bumps its own. */
  static final int V1 = 1;
  /** Version 2 of a format that gained dimensions; written only when there are some, so 1 is still written. */
  static final int V2 = 2;
  /** Version 3 of a format that gained exemplars after dimensions; written only when there are some. */
  static final int V3 = 3;
  private static final int JSON = '{';

  /** A long (times, counts) in the state stores: version byte, 8 bytes big-endian; was 8 bytes. */
  static final Serde<Long> LONG = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : writeLong(value),
      (topic, bytes) -> bytes == null ? null : readLong(bytes));
  /** A trace summary in the {@code trace-summaries} query store; was the JSON of {@code tracestream.traces}. */
  static final Serde<TraceSummary> TRACE_SUMMARY = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : writeSummary(value),
      (topic, bytes) -> bytes == null ? null : readSummary(bytes));
  /** An edge, the key of the {@code dependency-links} query store; was the JSON of {@code tracestream.edges} keys. */
  static final Serde<EdgeKey> EDGE_KEY = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : writeEdgeKey(value),
      (topic, bytes) -> bytes == null ? null : readEdgeKey(bytes));

  /** The exemplars of a closed span window in the {@code span-exemplars} query store. */
  static final Serde<SeriesExemplars> SERIES_EXEMPLARS = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : writeExemplars(value),
      (topic, bytes) -> bytes == null ? null : readExemplars(bytes));

  private static final JsonSerde<TraceSummary> LEGACY_SUMMARY = JsonSerde.of(TraceSummary.class);
  private static final JsonSerde<EdgeKey> LEGACY_EDGE_KEY = JsonSerde.of(EdgeKey.class);

  private Formats() {}

  static byte[] writeLong(long value) {
    return new FormatWriter(9).writeByte(V1).fixed64(value).toByteArray();
  }

  static long readLong(byte[] bytes) {
    if (bytes.length == 8) {
      return new FormatReader(bytes, 0, "long").fixed64(); // before format versions: Serdes.Long()
    }
    FormatReader in = reader(bytes, "stored long");
    long value = in.fixed64();
    in.end();
    return value;
  }

  /** version, trace id (raw bytes), root service and operation, flags (bit 0 root missing, bit 1 error),
   *  start, duration, span count, services; version 2 (when the summary has dimension attributes) then the
   *  attributes ({@link #writeDimensions}). */
  static byte[] writeSummary(TraceSummary s) {
    boolean v2 = !s.attributes().isEmpty();
    FormatWriter out = new FormatWriter(64).writeByte(v2 ? V2 : V1).id(s.traceId()).string(s.rootService())
        .string(s.rootOperation()).varint((s.rootMissing() ? 1 : 0) | (s.error() ? 2 : 0))
        .varint(s.startNanos()).varint(s.durationNanos()).varint(s.spanCount()).varint(s.services().size());
    s.services().forEach(out::string);
    if (v2) {
      writeDimensions(out, s.attributes());
    }
    return out.toByteArray();
  }

  static TraceSummary readSummary(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == JSON) {
      return LEGACY_SUMMARY.fromBytes(bytes);
    }
    FormatReader in = readerUpToV2(bytes, "trace summary");
    String traceId = in.id();
    String rootService = in.string();
    String rootOperation = in.string();
    long flags = in.varint();
    long start = in.varint();
    long duration = in.varint();
    int spans = in.count();
    int n = in.elements();
    List<String> services = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      services.add(in.string());
    }
    Map<String, String> attributes = bytes[0] == V2 ? readDimensions(in) : Map.of();
    in.end();
    return new TraceSummary(traceId, rootService, rootOperation, (flags & 1) != 0, start, duration, spans,
        (flags & 2) != 0, services, attributes);
  }

  /** version, client, server, connection type. */
  static byte[] writeEdgeKey(EdgeKey key) {
    return new FormatWriter(32).writeByte(V1).string(key.client()).string(key.server()).string(key.connectionType())
        .toByteArray();
  }

  static EdgeKey readEdgeKey(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == JSON) {
      return LEGACY_EDGE_KEY.fromBytes(bytes);
    }
    FormatReader in = reader(bytes, "dependency-links key");
    EdgeKey key = new EdgeKey(in.string(), in.string(), in.string());
    in.end();
    return key;
  }

  /**
   * version, service, operation, kind, status, dimensions ({@link #writeDimensions}), window start and end
   * (zigzag), the exemplar count, then each one's bucket, duration in nanoseconds (varints), trace id
   * ({@link FormatWriter#id}), end (zigzag) and whether it is the error exemplar (a byte).
   */
  static byte[] writeExemplars(SeriesExemplars e) {
    SeriesKey k = e.series();
    FormatWriter out = new FormatWriter(128).writeByte(V1).string(k.service()).string(k.operation())
        .string(k.kind()).string(k.status());
    writeDimensions(out, k.dimensions());
    out.zigzag(e.windowStart()).zigzag(e.windowEnd()).varint(e.exemplars().size());
    for (Exemplar x : e.exemplars()) {
      out.varint(x.bucket()).varint(Math.round(x.seconds() * 1e9)).id(x.traceId()).zigzag(x.timestampMs())
          .writeByte(x.error() ? 1 : 0);
    }
    return out.toByteArray();
  }

  static SeriesExemplars readExemplars(byte[] bytes) {
    FormatReader in = reader(bytes, "span-exemplars entry");
    SeriesKey series = new SeriesKey(in.string(), in.string(), in.string(), in.string(), readDimensions(in));
    long start = in.zigzag();
    long end = in.zigzag();
    int n = in.elements();
    List<Exemplar> exemplars = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      exemplars.add(new Exemplar(in.count(), in.varint() / 1e9, in.id(), in.zigzag(), in.readByte() != 0));
    }
    in.end();
    return new SeriesExemplars(series, start, end, exemplars);
  }

  /** A reader past the version byte, which must be {@link #V1}. */
  static FormatReader reader(byte[] bytes, String what) {
    if (bytes.length == 0 || bytes[0] != V1) {
      throw unknownVersion(what, bytes.length == 0 ? "none (no bytes)" : Integer.toString(bytes[0] & 0xFF));
    }
    return new FormatReader(bytes, 1, what);
  }

  /** A reader past the version byte, which must be {@link #V1} or {@link #V2}. */
  static FormatReader readerUpToV2(byte[] bytes, String what) {
    return readerUpTo(V2, bytes, what);
  }

  /** A reader past the version byte, which must be from {@link #V1} to {@code newest}. */
  static FormatReader readerUpTo(int newest, byte[] bytes, String what) {
    if (bytes.length == 0 || bytes[0] < V1 || bytes[0] > newest) {
      throw unknownVersion(what, bytes.length == 0 ? "none (no bytes)" : Integer.toString(bytes[0] & 0xFF), newest);
    }
    return new FormatReader(bytes, 1, what);
  }

  /** Dimensions: their count, then name and value of each, sorted by name. */
  static void writeDimensions(FormatWriter out, Map<String, String> dimensions) {
    out.varint(dimensions.size());
    new TreeMap<>(dimensions).forEach((name, value) -> out.string(name).string(value));
  }

  static SortedMap<String, String> readDimensions(FormatReader in) {
    int n = in.elements();
    SortedMap<String, String> dimensions = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      dimensions.put(in.string(), in.string());
    }
    return Collections.unmodifiableSortedMap(dimensions);
  }

  /**
   * The error for bytes of a format version this one does not read: most likely written by a newer
   * tracestream, which a topology cannot go back from without the migration the README names.
   */
  static SerializationException unknownVersion(String what, String version) {
    return unknownVersion(what, version, V1);
  }

  static SerializationException unknownVersion(String what, String version, int newest) {
    return new SerializationException("a " + what + " of format version " + version + ": this tracestream reads "
        + (newest == V1 ? "version 1" : "versions 1 to " + newest) + " and the unversioned format before it. "
        + "If a newer tracestream wrote it, going back "
        + "needs the migration in stream-topology/README.md, \"Formats and upgrades\": stop every instance, then "
        + "reset the application (kafka-streams-application-reset) or start with a new topology.application.id");
  }
}

package io.tracestream.topology;

import io.tracestream.topology.traces.TraceSpan;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The spans of one trace from one input record, on their way to trace assembly, keyed by trace id.
 *
 * <p>Format, version 1, of the {@code spans-by-trace} repartition topic and (without {@code rekey}) of each
 * batch in the {@code trace-assembly-spans} store: version byte; flags (bit 0: rekey); trace id; a string
 * table (count, strings: every service, name and attribute key and value once); span count; start of the
 * first span (varint); per span: a varint {@code kind << 4 | attributes 8 | links 4 | error 2 | own trace
 * id 1}, the span's trace id only if it is not the batch's, span id, parent id (ids as raw bytes,
 * {@link FormatWriter#id}), service and name as table indexes, start minus the first span's start and end
 * minus start (zigzag varints), attributes (count, key and value indexes, keys in a fixed order), links
 * (count, ids).
 * Before version 1 both were {@code DataOutputStream} fields, hex ids and every string per span; they are
 * still read (their first byte is 0, never a version).
 *
 * @param rekey whether the input record was not keyed by this trace id (a Collector's null key, or
 *     a record holding several traces), so these spans must be repartitioned by trace id first
 */
record TraceSpans(String traceId, List<TraceSpan> spans, boolean rekey) implements Decoded {

  static final Serde<TraceSpans> SERDE = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : write(value),
      (topic, bytes) -> bytes == null ? null : read(bytes));

  private static final String WHAT = "span batch (spans-by-trace)";
  private static final String STORED = "span batch (trace-assembly-spans)";
  private static final int ATTRIBUTES = 8;
  private static final int LINKS = 4;
  private static final int ERROR = 2;
  private static final int OWN_TRACE_ID = 1;
  /** The attributes trace assembly keeps ({@link TraceSpan#ATTRIBUTE_KEYS}) in the order they are written. */
  private static final String[] ATTRIBUTE_ORDER = {TraceSpan.PEER_SERVICE, TraceSpan.DB_SYSTEM, TraceSpan.DB_NAMESPACE,
      TraceSpan.DB_NAME, TraceSpan.SERVER_ADDRESS, TraceSpan.MESSAGING_SYSTEM, TraceSpan.MESSAGING_DESTINATION_NAME,
      // added with the older names; a key's place here only orders the bytes, keys are stored as strings
      TraceSpan.NET_PEER_NAME, TraceSpan.PEER_HOSTNAME, TraceSpan.URL_FULL, TraceSpan.HTTP_URL,
      TraceSpan.MESSAGING_DESTINATION};
  private static final Set<String> KNOWN = Set.of(ATTRIBUTE_ORDER);

  static byte[] write(TraceSpans value) {
    return write(value.traceId, value.spans, value.rekey);
  }

  static TraceSpans read(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == 0) {
      return Legacy.read(bytes);
    }
    return read(Formats.reader(bytes, WHAT));
  }

  /** A batch of one trace's spans as the trace-assembly store keeps it. */
  static byte[] writeStored(String traceId, List<TraceSpan> spans) {
    return write(traceId, spans, false);
  }

  static List<TraceSpan> readStored(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == 0) {
      return Legacy.readSpans(bytes);
    }
    return read(Formats.reader(bytes, STORED)).spans;
  }

  private static byte[] write(String traceId, List<TraceSpan> spans, boolean rekey) {
    FormatWriter out = FormatWriter.scratch().writeByte(Formats.V1).writeByte(rekey ? 1 : 0).id(traceId);
    Map<String, Integer> table = new HashMap<>();
    List<String> strings = new ArrayList<>();
    String[][] attributeKeys = new String[spans.size()][];
    for (int i = 0; i < spans.size(); i++) {
      TraceSpan s = spans.get(i);
      index(table, strings, s.service());
      index(table, strings, s.name());
      if (!s.attributes().isEmpty()) {
        attributeKeys[i] = keys(s.attributes());
        for (String k : attributeKeys[i]) {
          index(table, strings, k);
          index(table, strings, s.attributes().get(k));
        }
      }
    }
    out.varint(strings.size());
    strings.forEach(out::string);
    out.varint(spans.size());
    long base = spans.isEmpty() ? 0 : spans.get(0).startNanos();
    out.varint(base);
    for (int i = 0; i < spans.size(); i++) {
      TraceSpan s = spans.get(i);
      boolean own = !s.traceId().equals(traceId);
      out.varint((long) s.kind() << 4 | (s.attributes().isEmpty() ? 0 : ATTRIBUTES)
          | (s.links().isEmpty() ? 0 : LINKS) | (s.error() ? ERROR : 0) | (own ? OWN_TRACE_ID : 0));
      if (own) {
        out.id(s.traceId());
      }
      out.id(s.spanId()).id(s.parentSpanId()).varint(table.get(s.service())).varint(table.get(s.name()))
          .zigzag(s.startNanos() - base).zigzag(s.endNanos() - s.startNanos());
      if (!s.attributes().isEmpty()) {
        out.varint(attributeKeys[i].length);
        for (String k : attributeKeys[i]) {
          out.varint(table.get(k)).varint(table.get(s.attributes().get(k)));
        }
      }
      if (!s.links().isEmpty()) {
        out.varint(s.links().size());
        for (TraceSpan.LinkRef link : s.links()) {
          out.id(link.traceId()).id(link.spanId());
        }
      }
    }
    return out.toByteArray();
  }

  private static void index(Map<String, Integer> table, List<String> strings, String s) {
    if (!table.containsKey(s)) { // not putIfAbsent: it would box the index of every string seen again
      table.put(s, strings.size());
      strings.add(s);
    }
  }

  /**
   * The keys in the format's order: those of {@link #ATTRIBUTE_ORDER} in its order, then any others sorted. A
   * span's attribute map has no fixed order (it varies between JVMs), its bytes must have one.
   */
  private static String[] keys(Map<String, String> attributes) {
    String[] keys = new String[attributes.size()];
    int n = 0;
    for (String k : ATTRIBUTE_ORDER) {
      if (attributes.containsKey(k)) {
        keys[n++] = k;
      }
    }
    if (n < keys.length) {
      String[] others = attributes.keySet().stream().filter(k -> !KNOWN.contains(k)).sorted().toArray(String[]::new);
      System.arraycopy(others, 0, keys, n, others.length);
    }
    return keys;
  }

  private static TraceSpans read(FormatReader in) {
    boolean rekey = (in.readByte() & 1) != 0;
    String traceId = in.id();
    String[] strings = new String[in.elements()];
    for (int i = 0; i < strings.length; i++) {
      strings[i] = in.string();
    }
    int n = in.elements();
    List<TraceSpan> spans = new ArrayList<>(n);
    long base = in.varint();
    try {
      for (int i = 0; i < n; i++) {
        long flags = in.varint();
        String spanTraceId = (flags & OWN_TRACE_ID) != 0 ? in.id() : traceId;
        String spanId = in.id();
        String parent = in.id();
        String service = strings[in.count()];
        String name = strings[in.count()];
        long start = base + in.zigzag();
        long end = start + in.zigzag();
        Map<String, String> attributes = (flags & ATTRIBUTES) != 0 ? readAttributes(in, strings) : Map.of();
        List<TraceSpan.LinkRef> links = (flags & LINKS) != 0 ? readLinks(in) : List.of();
        spans.add(new TraceSpan(spanTraceId, spanId, parent, service, name, (int) (flags >> 4), (flags & ERROR) != 0,
            start, end, attributes, links));
      }
    } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      throw in.malformed(e.toString()); // an index past the table, an attribute key twice (Map.of)
    }
    in.end();
    return new TraceSpans(traceId, spans, rekey);
  }

  private static Map<String, String> readAttributes(FormatReader in, String[] strings) {
    int n = in.elements();
    switch (n) {
      case 1:
        return Map.of(strings[in.count()], strings[in.count()]);
      case 2:
        return Map.of(strings[in.count()], strings[in.count()], strings[in.count()], strings[in.count()]);
      default:
        break;
    }
    Map<String, String> attributes = new HashMap<>();
    for (int a = 0; a < n; a++) {
      if (attributes.put(strings[in.count()], strings[in.count()]) != null) {
        throw new IllegalArgumentException("an attribute key twice");
      }
    }
    return Map.copyOf(attributes);
  }

  private static List<TraceSpan.LinkRef> readLinks(FormatReader in) {
    TraceSpan.LinkRef[] links = new TraceSpan.LinkRef[in.elements()];
    for (int l = 0; l < links.length; l++) {
      links[l] = new TraceSpan.LinkRef(in.id(), in.id());
    }
    return List.of(links);
  }

  /**
   * What the topology wrote before format versions ({@code DataOutputStream}: modified UTF-8 strings, hex
   * ids, every field per span): the topic's records start with the trace id's 2-byte length, the store's
   * batches with a 4-byte span count, so both start with a 0 byte. Read so a topology upgraded with spans
   * in flight or traces open goes on with them.
   */
  private static final class Legacy {
    private Legacy() {}

    static TraceSpans read(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        String traceId = in.readUTF();
        boolean rekey = in.readBoolean();
        return new TraceSpans(traceId, readSpans(in), rekey);
      } catch (IOException e) {
        throw new SerializationException("not a " + WHAT + " of the format before versions: " + e.getMessage(), e);
      }
    }

    static List<TraceSpan> readSpans(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        return readSpans(in);
      } catch (IOException e) {
        throw new SerializationException("not a " + STORED + " of the format before versions: " + e.getMessage(), e);
      }
    }

    private static List<TraceSpan> readSpans(DataInputStream in) throws IOException {
      int n = in.readInt();
      List<TraceSpan> spans = new ArrayList<>(Math.min(n, 1 << 16));
      for (int i = 0; i < n; i++) {
        String traceId = in.readUTF();
        String spanId = in.readUTF();
        String parent = in.readUTF();
        String service = in.readUTF();
        String name = in.readUTF();
        int kind = in.readByte();
        boolean error = in.readBoolean();
        long start = in.readLong();
        long end = in.readLong();
        int attributes = in.readByte();
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int a = 0; a < attributes; a++) {
          attrs.put(in.readUTF(), in.readUTF());
        }
        int links = in.readShort();
        List<TraceSpan.LinkRef> refs = new ArrayList<>(links);
        for (int l = 0; l < links; l++) {
          refs.add(new TraceSpan.LinkRef(in.readUTF(), in.readUTF()));
        }
        spans.add(new TraceSpan(traceId, spanId, parent, service, name, kind, error, start, end, attrs, refs));
      }
      return spans;
    }
  }
}

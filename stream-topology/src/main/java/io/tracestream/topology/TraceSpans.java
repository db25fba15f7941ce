package io.tracestream.topology;

import io.tracestream.topology.traces.TraceSpan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The spans of one trace from one input record, on their way to trace assembly, keyed by trace id.
 *
 * @param rekey whether the input record was not keyed by this trace id (a Collector's null key, or
 *     a record holding several traces), so these spans must be repartitioned by trace id first
 */
record TraceSpans(String traceId, List<TraceSpan> spans, boolean rekey) implements Decoded {

  static final Serde<TraceSpans> SERDE = Serdes.serdeFrom(
      (topic, value) -> value == null ? null : write(value),
      (topic, bytes) -> bytes == null ? null : read(bytes));

  static byte[] write(TraceSpans value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 128 * value.spans.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(value.traceId);
      out.writeBoolean(value.rekey);
      writeSpans(out, value.spans);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static TraceSpans read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      String traceId = in.readUTF();
      boolean rekey = in.readBoolean();
      return new TraceSpans(traceId, readSpans(in), rekey);
    } catch (IOException e) {
      throw new SerializationException("not a TraceSpans record: " + e.getMessage(), e);
    }
  }

  /** Span fields in order; strings as modified UTF-8 (names are cut to 1024 chars, far below its 64 KiB limit). */
  static void writeSpans(DataOutputStream out, List<TraceSpan> spans) throws IOException {
    out.writeInt(spans.size());
    for (TraceSpan s : spans) {
      out.writeUTF(s.traceId());
      out.writeUTF(s.spanId());
      out.writeUTF(s.parentSpanId());
      out.writeUTF(s.service());
      out.writeUTF(s.name());
      out.writeByte(s.kind());
      out.writeBoolean(s.error());
      out.writeLong(s.startNanos());
      out.writeLong(s.endNanos());
      out.writeByte(s.attributes().size());
      for (Map.Entry<String, String> a : s.attributes().entrySet()) {
        out.writeUTF(a.getKey());
        out.writeUTF(a.getValue());
      }
      out.writeShort(Math.min(s.links().size(), Short.MAX_VALUE));
      for (TraceSpan.LinkRef link : s.links().subList(0, Math.min(s.links().size(), Short.MAX_VALUE))) {
        out.writeUTF(link.traceId());
        out.writeUTF(link.spanId());
      }
    }
  }

  static List<TraceSpan> readSpans(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<TraceSpan> spans = new ArrayList<>(n);
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

package io.tracestream.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random OTLP trace requests of many shapes, and wire-level variants of their encoding (fields
 * reordered, repeated, unknown, with a wrong wire type, invalid UTF-8, corrupted bytes), for holding
 * {@link OtlpSpanReader} to what {@code ExportTraceServiceRequest.parseFrom} does with the same bytes.
 */
final class RandomOtlp {
  private static final String[] KEYS = {"service.name", "peer.service", "db.system", "db.namespace", "db.name",
      "server.address", "messaging.system", "messaging.destination.name", "http.method", "p", "", "dbx",
      "peer.service.x", "net.peer.name", "é"};
  private static final String[] STRINGS = {"", "checkout", "GET /cart", "payments-db", "ünïcödé", "日本語",
      "emoji \uD83D\uDE00", "a\u0000b", " "};

  private final SplittableRandom random;
  private final List<ByteString> traceIds = new ArrayList<>();

  RandomOtlp(long seed) {
    this.random = new SplittableRandom(seed);
    for (int i = 0; i < 3; i++) {
      traceIds.add(bytes(16));
    }
  }

  ExportTraceServiceRequest request() {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int r = random.nextInt(4); r > 0; r--) {
      ResourceSpans.Builder rs = request.addResourceSpansBuilder();
      if (random.nextInt(5) > 0) {
        Resource.Builder resource = rs.getResourceBuilder();
        for (int a = random.nextInt(5); a > 0; a--) {
          resource.addAttributes(attribute(2));
        }
        if (random.nextInt(4) > 0) {
          resource.addAttributes(random.nextInt(resource.getAttributesCount() + 1),
              KeyValue.newBuilder().setKey("service.name").setValue(value(1)));
        }
        resource.setDroppedAttributesCount(random.nextInt(3));
      }
      if (random.nextInt(4) == 0) {
        rs.setSchemaUrl(string());
      }
      for (int s = random.nextInt(4); s > 0; s--) {
        ScopeSpans.Builder ss = rs.addScopeSpansBuilder();
        if (random.nextBoolean()) {
          ss.setScope(InstrumentationScope.newBuilder().setName(string()).setVersion(string()).addAttributes(attribute(1)));
        }
        for (int n = random.nextInt(7); n > 0; n--) {
          ss.addSpans(span());
        }
      }
    }
    return request.build();
  }

  Span span() {
    Span.Builder span = Span.newBuilder()
        .setTraceId(oneOf(traceIds.get(random.nextInt(traceIds.size())), traceIds.get(0), bytes(16), zeros(16),
            bytes(8), ByteString.EMPTY, bytes(random.nextInt(20))))
        .setSpanId(oneOf(bytes(8), bytes(8), bytes(8), zeros(8), ByteString.EMPTY, bytes(random.nextInt(12))))
        .setParentSpanId(oneOf(ByteString.EMPTY, bytes(8), bytes(8), zeros(8), bytes(random.nextInt(12))))
        .setName(random.nextInt(20) == 0 ? longString() : string())
        .setKindValue(random.nextInt(10) == 0 ? random.nextInt() : random.nextInt(6))
        .setStartTimeUnixNano(time())
        .setEndTimeUnixNano(time());
    if (random.nextBoolean()) {
      span.setTraceState(string());
    }
    if (random.nextInt(3) > 0) {
      Status.Builder status = span.getStatusBuilder().setMessage(string());
      status.setCodeValue(random.nextInt(8) == 0 ? random.nextInt() : random.nextInt(3));
    }
    for (int a = random.nextInt(12); a > 0; a--) {
      span.addAttributes(attribute(3));
    }
    for (int e = random.nextInt(3); e > 0; e--) {
      span.addEventsBuilder().setName(string()).setTimeUnixNano(time()).addAttributes(attribute(2));
    }
    for (int l = random.nextInt(4); l > 0; l--) {
      span.addLinksBuilder().setTraceId(oneOf(bytes(16), ByteString.EMPTY, bytes(random.nextInt(20))))
          .setSpanId(oneOf(bytes(8), ByteString.EMPTY)).setTraceState(string()).addAttributes(attribute(1))
          .setFlags(random.nextInt());
    }
    span.setDroppedAttributesCount(random.nextInt(2)).setFlags(random.nextInt(0x300));
    return span.build();
  }

  private KeyValue attribute(int depth) {
    return KeyValue.newBuilder().setKey(KEYS[random.nextInt(KEYS.length)]).setValue(value(depth)).build();
  }

  private AnyValue value(int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (random.nextInt(depth > 0 ? 9 : 7)) {
      case 0, 1 -> v.setStringValue(random.nextInt(15) == 0 ? longString() : string());
      case 2 -> v.setBoolValue(random.nextBoolean());
      case 3 -> v.setIntValue(random.nextLong());
      case 4 -> v.setDoubleValue(random.nextDouble());
      case 5 -> v.setBytesValue(bytes(random.nextInt(5)));
      case 6 -> { } // no value set
      case 7 -> {
        ArrayValue.Builder array = v.getArrayValueBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
          array.addValues(value(depth - 1));
        }
      }
      default -> {
        KeyValueList.Builder list = v.getKvlistValueBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
          list.addValues(attribute(depth - 1));
        }
      }
    }
    return v.build();
  }

  private long time() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> random.nextLong(); // also negative: fixed64 past 2^63
      case 2 -> 4_102_444_800_000_000_000L; // 2100: clamped to the clock
      default -> 1_700_000_000_000_000_000L + random.nextLong(1_000_000_000_000L);
    };
  }

  private String string() {
    return random.nextInt(8) == 0 ? "s" + random.nextInt(1000) : STRINGS[random.nextInt(STRINGS.length)];
  }

  /** Longer than the 1024-char cut, sometimes with a surrogate pair across it. */
  private String longString() {
    String head = "x".repeat(1023 + random.nextInt(3));
    return head + "\uD83D\uDE00" + "y".repeat(random.nextInt(2000));
  }

  private ByteString bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return ByteString.copyFrom(b);
  }

  private static ByteString zeros(int n) {
    return ByteString.copyFrom(new byte[n]);
  }

  @SafeVarargs
  private <T> T oneOf(T... choices) {
    return choices[random.nextInt(choices.length)];
  }

  /**
   * The message's encoding with, at every level, now and then: its fields shuffled, one repeated,
   * one removed, an unknown field (of every wire type, groups too, or a known number with another
   * wire type) added, a string field's bytes made invalid UTF-8. Valid input; the result may or may
   * not be valid, whatever parseFrom makes of it is the expectation.
   */
  byte[] variant(byte[] message, Descriptor type, int rate) {
    try {
      return variant(message, type, rate, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] variant(byte[] message, Descriptor type, int rate, int depth) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    List<byte[]> fields = new ArrayList<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeUInt32NoTag(tag);
      switch (WireFormat.getTagWireType(tag)) {
        case WireFormat.WIRETYPE_VARINT -> out.writeUInt64NoTag(in.readRawVarint64());
        case WireFormat.WIRETYPE_FIXED64 -> out.writeFixed64NoTag(in.readRawLittleEndian64());
        case WireFormat.WIRETYPE_FIXED32 -> out.writeFixed32NoTag(in.readRawLittleEndian32());
        case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          byte[] payload = in.readByteArray();
          if (field != null && field.getType() == FieldDescriptor.Type.MESSAGE) {
            payload = variant(payload, field.getMessageType(), rate, depth + 1);
          } else if (field != null && field.getType() == FieldDescriptor.Type.STRING && random.nextInt(rate * 8) == 0) {
            payload = invalidUtf8(payload);
          }
          out.writeByteArrayNoTag(payload);
        }
        default -> throw new IllegalStateException("a generated message has no groups");
      }
      out.flush();
      fields.add(bytes.toByteArray());
    }
    if (random.nextInt(rate) == 0) {
      Collections.shuffle(fields, new java.util.Random(random.nextLong()));
    }
    if (!fields.isEmpty() && random.nextInt(rate) == 0) {
      fields.add(random.nextInt(fields.size() + 1), fields.get(random.nextInt(fields.size())));
    }
    if (!fields.isEmpty() && random.nextInt(rate * 2) == 0) {
      fields.remove(random.nextInt(fields.size()));
    }
    if (random.nextInt(rate) == 0) {
      fields.add(random.nextInt(fields.size() + 1), unknownField(type));
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    fields.forEach(all::writeBytes);
    return all.toByteArray();
  }

  private byte[] unknownField(Descriptor type) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    List<FieldDescriptor> known = type.getFields();
    // an unknown number, or a known one with (likely) another wire type than declared
    int number = known.isEmpty() || random.nextBoolean() ? 50 + random.nextInt(1000)
        : known.get(random.nextInt(known.size())).getNumber();
    switch (random.nextInt(5)) {
      case 0 -> out.writeUInt64(number, random.nextLong());
      case 1 -> out.writeFixed64(number, random.nextLong());
      case 2 -> out.writeFixed32(number, random.nextInt());
      case 3 -> out.writeByteArray(number, bytes(random.nextInt(6)).toByteArray());
      default -> {
        out.writeTag(number, WireFormat.WIRETYPE_START_GROUP);
        out.writeUInt64(1 + random.nextInt(5), random.nextLong());
        if (random.nextBoolean()) {
          out.writeTag(7, WireFormat.WIRETYPE_START_GROUP);
          out.writeByteArray(2, bytes(3).toByteArray());
          out.writeTag(7, WireFormat.WIRETYPE_END_GROUP);
        }
        out.writeTag(number, WireFormat.WIRETYPE_END_GROUP);
      }
    }
    out.flush();
    return bytes.toByteArray();
  }

  private byte[] invalidUtf8(byte[] valid) {
    byte[][] bad = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}};
    byte[] b = bad[random.nextInt(bad.length)];
    int at = random.nextInt(valid.length + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, at);
    out.writeBytes(b);
    out.write(valid, at, valid.length - at);
    return out.toByteArray();
  }

  /** The bytes cut, a byte changed, inserted or removed: mostly invalid, sometimes still valid. */
  byte[] corrupt(byte[] record) {
    if (record.length == 0) {
      return new byte[] {(byte) random.nextInt(256)};
    }
    int at = random.nextInt(record.length);
    return switch (random.nextInt(4)) {
      case 0 -> java.util.Arrays.copyOf(record, at);
      case 1 -> {
        byte[] copy = record.clone();
        copy[at] = (byte) random.nextInt(256);
        yield copy;
      }
      case 2 -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(record, 0, at);
        out.write(random.nextInt(256));
        out.write(record, at, record.length - at);
        yield out.toByteArray();
      }
      default -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(record, 0, at);
        out.write(record, at + 1, record.length - at - 1);
        yield out.toByteArray();
      }
    };
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }
}

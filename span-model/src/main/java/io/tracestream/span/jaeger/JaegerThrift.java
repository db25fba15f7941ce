package io.tracestream.span.jaeger;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.tracestream.span.SplitBudget;
import io.tracestream.span.SplitBudgetException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Jaeger's Thrift model (jaeger-idl {@code thrift/jaeger.thrift}: {@code Batch}, {@code Process},
 * {@code Span}, {@code Tag}, {@code Log}, {@code SpanRef}) read into {@link JaegerSpan}s, as Jaeger's
 * collector and agent take it:
 *
 * <ul>
 *   <li>{@link #readBatch}: a {@code Batch} in the binary protocol, the body of {@code POST /api/traces}
 *       ({@code application/x-thrift}, port 14268);
 *   <li>{@link #readEmitBatch}: an {@code Agent.emitBatch} message in the compact protocol, one UDP datagram
 *       (port 6831; jaeger-idl {@code thrift/agent.thrift}).
 * </ul>
 *
 * Unknown fields (and known ones of an unexpected type, as libthrift does) are skipped. What the spans become is
 * taken from {@code budget} before it is built: {@link #SPAN_COST} a span, {@link #ELEMENT_COST} a tag, log or
 * reference, twice each string's bytes (its chars), covering the model and the OTLP request made from it.
 */
public final class JaegerThrift {
  /** Budget bytes a span takes: its model record, ids and lists, and the OTLP span built from it. */
  public static final int SPAN_COST = 512;
  /** Budget bytes a tag, log or reference takes, its strings aside. */
  public static final int ELEMENT_COST = 128;

  private static final byte CALL = 1;
  private static final byte ONEWAY = 4;
  private static final int COMPACT_PROTOCOL_ID = 0x82;

  private final ThriftInput in;
  private final SplitBudget budget;
  private long taken;

  private JaegerThrift(ThriftInput in, SplitBudget budget) {
    this.in = in;
    this.budget = budget;
  }

  /** A binary-protocol {@code Batch}, the whole of {@code body}. */
  public static List<JaegerSpan> readBatch(byte[] body, SplitBudget budget)
      throws JaegerFormatException, SplitBudgetException {
    JaegerThrift reader = new JaegerThrift(new ThriftInput.Binary(body), budget);
    List<JaegerSpan> spans = reader.batch();
    reader.end();
    return spans;
  }

  /** A compact-protocol {@code Agent.emitBatch} message, the whole of {@code datagram}. */
  public static List<JaegerSpan> readEmitBatch(byte[] datagram, SplitBudget budget)
      throws JaegerFormatException, SplitBudgetException {
    ThriftInput.Compact in = new ThriftInput.Compact(datagram);
    JaegerThrift reader = new JaegerThrift(in, budget);
    int protocol = in.i8() & 0xff;
    if (protocol != COMPACT_PROTOCOL_ID) {
      throw in.error(0, String.format("protocol id 0x%02x, expected 0x82: not a compact-protocol message", protocol));
    }
    int versionAndType = in.i8() & 0xff;
    byte type = (byte) (versionAndType >> 5);
    if ((versionAndType & 0x1f) != 1 || (type != ONEWAY && type != CALL)) {
      throw in.error(1, String.format("version and type 0x%02x, expected 0x81 (version 1, oneway)", versionAndType));
    }
    in.i32(); // sequence id
    int nameAt = in.pos;
    String method = new String(in.bytes(in.binaryLength()), StandardCharsets.UTF_8);
    if (method.equals("emitZipkinBatch")) {
      throw in.error(nameAt, "emitZipkinBatch (Zipkin spans) is not supported; Jaeger clients send emitBatch");
    }
    if (!method.equals("emitBatch")) {
      throw in.error(nameAt, "method '" + method + "' of the Agent service is not known; expected emitBatch");
    }
    List<JaegerSpan> spans = null;
    in.structBegin();
    while (in.nextField()) {
      if (in.fieldId == 1 && in.fieldType == ThriftInput.STRUCT) {
        spans = reader.batch();
      } else {
        in.skip(in.fieldType);
      }
    }
    in.structEnd();
    if (spans == null) {
      throw in.error(in.pos, "emitBatch without its batch (field 1)");
    }
    reader.end();
    return spans;
  }

  private void end() throws JaegerFormatException {
    if (in.pos != in.in.length) {
      throw in.error(in.pos, (in.in.length - in.pos) + " bytes after the end of the message");
    }
  }

  private List<JaegerSpan> batch() throws JaegerFormatException, SplitBudgetException {
    JaegerProcess process = null;
    int spansAt = -1;
    in.structBegin();
    while (in.nextField()) {
      if (in.fieldId == 1 && in.fieldType == ThriftInput.STRUCT) {
        process = process();
      } else if (in.fieldId == 2 && in.fieldType == ThriftInput.LIST) {
        spansAt = in.pos;
        in.skip(ThriftInput.LIST); // the spans need the process, which may come after them
      } else {
        in.skip(in.fieldType);
      }
    }
    in.structEnd();
    if (process == null) {
      throw in.error(in.pos, "a Batch without its process (field 1)");
    }
    if (spansAt < 0) {
      throw in.error(in.pos, "a Batch without its spans (field 2)");
    }
    int end = in.pos;
    in.pos = spansAt;
    List<JaegerSpan> spans = new ArrayList<>();
    int n = in.listBegin();
    for (int i = 0; i < n; i++) {
      expect(ThriftInput.STRUCT, "span");
      spans.add(span(process, i));
    }
    in.listEnd();
    in.pos = end;
    return spans;
  }

  private JaegerProcess process() throws JaegerFormatException, SplitBudgetException {
    String service = "";
    List<KeyValue> tags = List.of();
    in.structBegin();
    while (in.nextField()) {
      if (in.fieldId == 1 && in.fieldType == ThriftInput.STRING) {
        service = string();
      } else if (in.fieldId == 2 && in.fieldType == ThriftInput.LIST) {
        tags = tags();
      } else {
        in.skip(in.fieldType);
      }
    }
    in.structEnd();
    return new JaegerProcess(service, tags);
  }

  private JaegerSpan span(JaegerProcess process, int index) throws JaegerFormatException, SplitBudgetException {
    take(SPAN_COST);
    int at = in.pos;
    Long traceLow = null;
    Long traceHigh = null;
    Long spanId = null;
    long parent = 0;
    String name = "";
    long start = 0;
    long duration = 0;
    List<KeyValue> tags = List.of();
    List<JaegerSpan.Log> logs = List.of();
    List<JaegerSpan.Reference> references = List.of();
    in.structBegin();
    while (in.nextField()) {
      byte type = in.fieldType;
      switch (in.fieldId) {
        case 1 -> traceLow = type == ThriftInput.I64 ? in.i64() : skip(type, traceLow);
        case 2 -> traceHigh = type == ThriftInput.I64 ? in.i64() : skip(type, traceHigh);
        case 3 -> spanId = type == ThriftInput.I64 ? in.i64() : skip(type, spanId);
        case 4 -> parent = type == ThriftInput.I64 ? in.i64() : skip(type, parent);
        case 5 -> name = type == ThriftInput.STRING ? string() : skip(type, name);
        case 6 -> references = type == ThriftInput.LIST ? references() : skip(type, references);
        case 8 -> start = type == ThriftInput.I64 ? in.i64() : skip(type, start);
        case 9 -> duration = type == ThriftInput.I64 ? in.i64() : skip(type, duration);
        case 10 -> tags = type == ThriftInput.LIST ? tags() : skip(type, tags);
        case 11 -> logs = type == ThriftInput.LIST ? logs() : skip(type, logs);
        default -> in.skip(type); // 7: flags (sampling), not carried by OTLP
      }
    }
    in.structEnd();
    if (traceLow == null || traceHigh == null || spanId == null) {
      throw in.error(at, "span " + index + " lacks " + (traceLow == null ? "traceIdLow (field 1)"
          : traceHigh == null ? "traceIdHigh (field 2)" : "spanId (field 3)"));
    }
    return new JaegerSpan(traceId(traceHigh, traceLow), spanId(spanId), parent == 0 ? ByteString.EMPTY
        : spanId(parent), name, start, duration, tags, logs, references, process);
  }

  private List<JaegerSpan.Reference> references() throws JaegerFormatException, SplitBudgetException {
    List<JaegerSpan.Reference> references = new ArrayList<>();
    int n = in.listBegin();
    for (int i = 0; i < n; i++) {
      expect(ThriftInput.STRUCT, "span reference");
      take(ELEMENT_COST);
      int refType = 0;
      long low = 0;
      long high = 0;
      long span = 0;
      in.structBegin();
      while (in.nextField()) {
        byte type = in.fieldType;
        switch (in.fieldId) {
          case 1 -> refType = type == ThriftInput.I32 ? in.i32() : skip(type, refType);
          case 2 -> low = type == ThriftInput.I64 ? in.i64() : skip(type, low);
          case 3 -> high = type == ThriftInput.I64 ? in.i64() : skip(type, high);
          case 4 -> span = type == ThriftInput.I64 ? in.i64() : skip(type, span);
          default -> in.skip(type);
        }
      }
      in.structEnd();
      references.add(new JaegerSpan.Reference(refType == 0, traceId(high, low), spanId(span)));
    }
    in.listEnd();
    return references;
  }

  private List<JaegerSpan.Log> logs() throws JaegerFormatException, SplitBudgetException {
    List<JaegerSpan.Log> logs = new ArrayList<>();
    int n = in.listBegin();
    for (int i = 0; i < n; i++) {
      expect(ThriftInput.STRUCT, "log");
      take(ELEMENT_COST);
      long timestamp = 0;
      List<KeyValue> fields = List.of();
      in.structBegin();
      while (in.nextField()) {
        if (in.fieldId == 1 && in.fieldType == ThriftInput.I64) {
          timestamp = in.i64();
        } else if (in.fieldId == 2 && in.fieldType == ThriftInput.LIST) {
          fields = tags();
        } else {
          in.skip(in.fieldType);
        }
      }
      in.structEnd();
      logs.add(new JaegerSpan.Log(timestamp, fields));
    }
    in.listEnd();
    return logs;
  }

  private List<KeyValue> tags() throws JaegerFormatException, SplitBudgetException {
    List<KeyValue> tags = new ArrayList<>();
    int n = in.listBegin();
    for (int i = 0; i < n; i++) {
      expect(ThriftInput.STRUCT, "tag");
      tags.add(tag());
    }
    in.listEnd();
    return tags;
  }

  private KeyValue tag() throws JaegerFormatException, SplitBudgetException {
    take(ELEMENT_COST);
    int at = in.pos;
    String key = "";
    int vType = 0;
    String vStr = "";
    double vDouble = 0;
    boolean vBool = false;
    long vLong = 0;
    ByteString vBinary = ByteString.EMPTY;
    in.structBegin();
    while (in.nextField()) {
      byte type = in.fieldType;
      switch (in.fieldId) {
        case 1 -> key = type == ThriftInput.STRING ? string() : skip(type, key);
        case 2 -> vType = type == ThriftInput.I32 ? in.i32() : skip(type, vType);
        case 3 -> vStr = type == ThriftInput.STRING ? string() : skip(type, vStr);
        case 4 -> vDouble = type == ThriftInput.DOUBLE ? in.float64() : skip(type, vDouble);
        case 5 -> vBool = type == ThriftInput.BOOL ? in.bool() : skip(type, vBool);
        case 6 -> vLong = type == ThriftInput.I64 ? in.i64() : skip(type, vLong);
        case 7 -> vBinary = type == ThriftInput.STRING ? ByteString.copyFrom(bytes()) : skip(type, vBinary);
        default -> in.skip(type);
      }
    }
    in.structEnd();
    AnyValue.Builder value = AnyValue.newBuilder();
    switch (vType) { // jaeger.thrift TagType
      case 0 -> value.setStringValue(vStr);
      case 1 -> value.setDoubleValue(vDouble);
      case 2 -> value.setBoolValue(vBool);
      case 3 -> value.setIntValue(vLong);
      case 4 -> value.setBytesValue(vBinary);
      default -> throw in.error(at, "tag '" + key + "' has type " + vType + "; TagType has 0 to 4");
    }
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  /** Skips a field of an unexpected type and keeps what was read before. */
  private <T> T skip(byte type, T keep) throws JaegerFormatException {
    in.skip(type);
    return keep;
  }

  private void expect(byte type, String what) throws JaegerFormatException {
    if (in.elementType != type) {
      throw in.error(in.pos, "a list of " + what + "s has elements of type " + in.elementType + ", expected "
          + type + " (struct)");
    }
  }

  private String string() throws JaegerFormatException, SplitBudgetException {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  private byte[] bytes() throws JaegerFormatException, SplitBudgetException {
    int n = in.binaryLength();
    take(2L * n);
    return in.bytes(n);
  }

  private void take(long bytes) throws SplitBudgetException {
    if (!budget.take(bytes)) {
      throw new SplitBudgetException(taken);
    }
    taken += bytes;
  }

  private static ByteString traceId(long high, long low) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
  }

  private static ByteString spanId(long id) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array());
  }
}

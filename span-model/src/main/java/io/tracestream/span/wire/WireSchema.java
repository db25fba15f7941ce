package io.tracestream.span.wire;

import static com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;
import static com.google.protobuf.WireFormat.WIRETYPE_VARINT;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.HashMap;
import java.util.Map;

/**
 * How the generated parser of one message type reads each of its fields, by tag: which fields hold a
 * nested message, a proto3 string (checked for UTF-8) or a 32-bit varint ({@code readRawVarint32}, which
 * refuses malformed varints that {@code readRawVarint64} takes). Every other tag, including a declared
 * field with another wire type, is read as an unknown field. Built from the generated descriptors, so
 * the fields a later opentelemetry-proto adds are checked too.
 */
public final class WireSchema {
  static final byte UNKNOWN = 0;
  static final byte MESSAGE = 1;
  static final byte STRING = 2;
  static final byte VARINT32 = 3;

  final String name;
  final byte[] kinds;
  final WireSchema[] nested;

  private WireSchema(Descriptor type) {
    int maxField = type.getFields().stream().mapToInt(FieldDescriptor::getNumber).max().orElse(0);
    this.name = type.getName();
    this.kinds = new byte[tag(maxField + 1, 0)];
    this.nested = new WireSchema[kinds.length];
  }

  /**
   * The schema of {@code type} and of the message types it holds. Fails for packed repeated scalars and
   * groups, which parseFrom would check element by element and which the OTLP trace schema does not have,
   * so that a new opentelemetry-proto that brings them fails when the class using it loads.
   */
  public static WireSchema of(Descriptor type) {
    return of(type, new HashMap<>());
  }

  private static WireSchema of(Descriptor type, Map<Descriptor, WireSchema> built) {
    WireSchema schema = built.get(type);
    if (schema != null) {
      return schema; // AnyValue and ArrayValue hold each other
    }
    schema = new WireSchema(type);
    built.put(type, schema);
    for (FieldDescriptor field : type.getFields()) {
      if (field.isRepeated() && field.isPackable() || field.getType() == FieldDescriptor.Type.GROUP) {
        throw new IllegalStateException("field " + field.getFullName() + " is not supported by the wire reader");
      }
      int number = field.getNumber();
      switch (field.getType()) {
        case MESSAGE -> {
          schema.kinds[tag(number, WIRETYPE_LENGTH_DELIMITED)] = MESSAGE;
          schema.nested[tag(number, WIRETYPE_LENGTH_DELIMITED)] = of(field.getMessageType(), built);
        }
        case STRING -> schema.kinds[tag(number, WIRETYPE_LENGTH_DELIMITED)] = field.needsUtf8Check() ? STRING : UNKNOWN;
        case INT32, UINT32, SINT32, ENUM -> schema.kinds[tag(number, WIRETYPE_VARINT)] = VARINT32;
        default -> { } // bytes, fixed, 64-bit varints: their generated reads check what an unknown field's do
      }
    }
    return schema;
  }

  /** A field's tag: its number and wire type (https://protobuf.dev/programming-guides/encoding/#structure). */
  public static int tag(int fieldNumber, int wireType) {
    return fieldNumber << 3 | wireType;
  }

  byte kind(int tag) {
    return tag >= 0 && tag < kinds.length ? kinds[tag] : UNKNOWN; // a tag is negative from field number 2^28
  }
}

package io.tracestream.span;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the fields of one protobuf message type from the wire, without building objects, and fails
 * exactly where {@code parseFrom} of its generated class would: each field is read with the
 * CodedInputStream method the generated parser uses for it (so malformed varints, lengths and groups fail
 * alike), a proto3 string must be UTF-8, and nesting is limited as protobuf limits it. A field whose tag
 * is not the declared one (another wire type) is an unknown field, as in generated code. Built from the generated descriptors, so a string or message field that a later
 * opentelemetry-proto adds is checked too.
 *
 * <p>The stream must read the whole array, from index 0, so that its position is an index into it.
 */
final class WireCheck {
  /** CodedInputStream's default, which parseFrom applies: at most 100 messages nested in the root. */
  static final int RECURSION_LIMIT = 100;
  /** Tags of the OTLP trace schema are below 256 (the largest is Span.flags, field 16). */
  private static final int TAGS = 256;

  // How a declared field is read, as the generated parser reads it; UNKNOWN for any other tag.
  private static final byte UNKNOWN = 0;
  private static final byte MESSAGE = 1;
  private static final byte STRING = 2;
  private static final byte VARINT32 = 3;
  private static final byte VARINT64 = 4;
  private static final byte BYTES_OR_FIXED = 5;

  private final byte[] kinds = new byte[TAGS];
  private final WireCheck[] messages = new WireCheck[TAGS];

  private WireCheck() {}

  static WireCheck of(Descriptor type) {
    return of(type, new HashMap<>());
  }

  private static WireCheck of(Descriptor type, Map<Descriptor, WireCheck> built) {
    WireCheck check = built.get(type);
    if (check != null) {
      return check; // AnyValue and ArrayValue hold each other
    }
    check = new WireCheck();
    built.put(type, check);
    for (FieldDescriptor field : type.getFields()) {
      int tag = tag(field.getNumber(), field.getLiteType().getWireType());
      if (tag >= TAGS || field.isPacked() || field.getType() == FieldDescriptor.Type.GROUP) {
        // A packed field's varints would need checking one by one; OTLP traces have none.
        throw new IllegalStateException("field " + field.getFullName() + " is not supported by the wire check");
      }
      check.kinds[tag] = switch (field.getType()) {
        case MESSAGE -> MESSAGE;
        case STRING -> field.needsUtf8Check() ? STRING : BYTES_OR_FIXED;
        // readRawVarint64 takes a 10-byte varint whose last byte has its continuation bit set; readRawVarint32 refuses it
        case INT64, UINT64, SINT64, BOOL -> VARINT64;
        case INT32, UINT32, SINT32, ENUM -> VARINT32;
        default -> BYTES_OR_FIXED;
      };
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        check.messages[tag] = of(field.getMessageType(), built);
      }
    }
    return check;
  }

  /** A field's tag: its number and wire type (https://protobuf.dev/programming-guides/encoding/#structure). */
  static int tag(int fieldNumber, int wireType) {
    return fieldNumber << 3 | wireType;
  }

  /**
   * Reads the value of a field of this message type whose tag was just read. {@code depth} is the
   * nesting of the message holding the field (0 for the fields of the root message).
   */
  void field(CodedInputStream in, byte[] body, int tag, int depth) throws IOException {
    // A tag is a varint32: negative for a field number of 2^28 or more.
    switch (tag >= 0 && tag < TAGS ? kinds[tag] : UNKNOWN) {
      case MESSAGE -> {
        WireCheck message = messages[tag];
        int limit = enter(in, depth);
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
          message.field(in, body, t, depth + 1);
        }
        in.popLimit(limit);
      }
      case STRING -> {
        int length = in.readRawVarint32();
        int at = in.getTotalBytesRead();
        in.skipRawBytes(length);
        if (!isUtf8(body, at, length)) {
          throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
        }
      }
      case VARINT32 -> in.readRawVarint32();
      case VARINT64 -> in.readRawVarint64();
      case BYTES_OR_FIXED -> in.skipField(tag);
      default -> unknown(in, tag, depth);
    }
  }

  /**
   * Reads the length of a nested message and limits the stream to it; returns the limit to pop once
   * the message is read. {@code depth} as for {@link #field}.
   */
  static int enter(CodedInputStream in, int depth) throws IOException {
    int length = in.readRawVarint32();
    if (depth >= RECURSION_LIMIT) {
      throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting: more than the "
          + "recursion limit of " + RECURSION_LIMIT);
    }
    return in.pushLimit(length);
  }

  /**
   * Reads an unknown field as parseFrom keeps it, into an UnknownFieldSet: its varints and groups are
   * read differently from {@link CodedInputStream#skipField}'s. A group counts against the recursion
   * limit with the messages around it, as in parseFrom.
   */
  private static void unknown(CodedInputStream in, int tag, int depth) throws IOException {
    int limit = in.setRecursionLimit(RECURSION_LIMIT - depth);
    UnknownFieldSet.newBuilder().mergeFieldFrom(tag, in); // an end-group tag outside a group fails here
    in.setRecursionLimit(limit);
  }

  private static boolean isUtf8(byte[] body, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (body[i] < 0) { // the rest is checked by protobuf's own validator, ASCII up to here is valid
        return UnsafeByteOperations.unsafeWrap(body, i, offset + length - i).isValidUtf8();
      }
    }
    return true;
  }
}

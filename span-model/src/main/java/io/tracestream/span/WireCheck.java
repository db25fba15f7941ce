package io.tracestream.span;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the fields of one protobuf message type from the wire, without building objects, and fails
 * exactly where {@code parseFrom} of its generated class would: malformed wire format (CodedInputStream's
 * own checks), a proto3 string that is not UTF-8, nesting deeper than protobuf's recursion limit, or a
 * bad unknown field. A field whose tag is not the declared one (another wire type) is an unknown field,
 * as in generated code. Built from the generated descriptors, so a string or message field that a later
 * opentelemetry-proto adds is checked too.
 *
 * <p>The stream must read the whole array, from index 0, so that its position is an index into it.
 */
final class WireCheck {
  /** CodedInputStream's default, which parseFrom applies: at most 100 messages nested in the root. */
  static final int RECURSION_LIMIT = 100;
  /** Tags of the OTLP trace schema are below 256 (the largest is Span.flags, field 16). */
  private static final int TAGS = 256;

  private final WireCheck[] messages = new WireCheck[TAGS];
  private final boolean[] strings = new boolean[TAGS];

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
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        check.messages[tag] = of(field.getMessageType(), built);
      } else {
        check.strings[tag] = field.needsUtf8Check();
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
    boolean declared = tag >= 0 && tag < TAGS; // a tag is a varint32: negative for a large field number
    WireCheck message = declared ? messages[tag] : null;
    if (message != null) {
      int limit = enter(in, depth);
      for (int t = in.readTag(); t != 0; t = in.readTag()) {
        message.field(in, body, t, depth + 1);
      }
      in.popLimit(limit);
    } else if (declared && strings[tag]) {
      int length = in.readRawVarint32();
      int at = in.getTotalBytesRead();
      in.skipRawBytes(length);
      if (!isUtf8(body, at, length)) {
        throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
      }
    } else {
      skip(in, tag, depth);
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

  /** Skips an unknown field; a group in it counts against the recursion limit as in parseFrom. */
  static void skip(CodedInputStream in, int tag, int depth) throws IOException {
    int limit = in.setRecursionLimit(RECURSION_LIMIT - depth);
    in.skipField(tag); // an end-group tag outside a group fails here
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

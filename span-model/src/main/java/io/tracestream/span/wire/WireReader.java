package io.tracestream.span.wire;

import static com.google.protobuf.WireFormat.WIRETYPE_END_GROUP;
import static com.google.protobuf.WireFormat.WIRETYPE_START_GROUP;
import static com.google.protobuf.WireFormat.WIRETYPE_VARINT;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;

/**
 * Reads protobuf fields straight from an array, without building messages, and fails exactly where
 * {@code parseFrom} of the generated class fails on the same bytes, so that a reader which takes only
 * what it needs still refuses every record a decode refuses. Tags, varints, lengths and limits are
 * read by protobuf's own {@link CodedInputStream}, each field with the method the generated parser uses
 * for it, since those methods do not all refuse the same malformed varints; this class adds what the
 * generated parser does around them: proto3 strings must be UTF-8, messages and groups nest at most
 * {@value #RECURSION_LIMIT} deep, unknown fields are read as {@code UnknownFieldSet} reads them.
 *
 * <p>A {@code depth} argument is the nesting of the message holding the field: 0 for the fields of
 * the root message. Offsets are indexes into the array the reader was made over.
 *
 * <p>Open to extension so that a reader of one message type keeps its own state in the same object: the
 * topology reads every record with one, and a second object per record shows in its allocation per span.
 */
public class WireReader {
  /** CodedInputStream's default, which parseFrom applies: at most 100 messages and groups nested in the root. */
  public static final int RECURSION_LIMIT = 100;

  private final byte[] buf;
  /** The input being read, and where its first byte is in {@link #buf}: 0 but after a {@link #mark}. */
  private CodedInputStream in;
  private int base;
  /** The input of the whole array, while a first pass after a {@link #mark} reads from another; else null. */
  private CodedInputStream marked;

  /** For a subclass: a reader of the whole array, as a root message. */
  protected WireReader(byte[] buf) {
    this.buf = buf;
    this.in = CodedInputStream.newInstance(buf);
  }

  /** A reader of the whole array, as a root message. */
  public static WireReader of(byte[] buf) {
    return new WireReader(buf);
  }

  /** The array being read. */
  protected final byte[] array() {
    return buf;
  }

  /**
   * Remembers the position inside a message begun with {@link #enter}; reads go on to that message's end,
   * and {@link #reset} returns to the position. For a message whose fields are needed in another order
   * than the wire's. One mark at a time.
   */
  public void mark() {
    if (marked != null) {
      throw new IllegalStateException("marked already");
    }
    marked = in;
    base = position();
    in = CodedInputStream.newInstance(buf, base, marked.getBytesUntilLimit());
  }

  /** Returns to the position of the {@link #mark}. */
  public void reset() {
    if (marked == null) {
      throw new IllegalStateException("not marked");
    }
    in = marked;
    base = 0;
    marked = null;
  }

  /** The next field's tag, or 0 at the end of the input or of the current message. */
  public int readTag() throws IOException {
    return in.readTag();
  }

  /** Where the next byte to read is in the array. */
  public int position() {
    return base + in.getTotalBytesRead();
  }

  /**
   * Reads a nested message's length and limits the input to it, as {@code CodedInputStream.readMessage}
   * does; returns what to pass to {@link #leave} once the message is read.
   */
  public int enter(int depth) throws IOException {
    int length = in.readRawVarint32();
    checkDepth(depth);
    return in.pushLimit(length);
  }

  /** Ends the message {@link #enter} began. */
  public void leave(int limit) {
    in.popLimit(limit);
  }

  /** The length of a length-delimited field. */
  public int readLength() throws IOException {
    return in.readRawVarint32();
  }

  /** As readEnum, readUInt32 and readInt32. */
  public int readVarint32() throws IOException {
    return in.readRawVarint32();
  }

  /** As readInt64, readUInt64 and readBool, and as an unknown varint field is read. */
  public long readVarint64() throws IOException {
    return in.readRawVarint64();
  }

  public long readFixed64() throws IOException {
    return in.readFixed64();
  }

  /** Skips {@code length} bytes, failing if they are not all there; returns where they start. */
  public int skipBytes(int length) throws IOException {
    int offset = position();
    in.skipRawBytes(length);
    return offset;
  }

  /** {@link #skipBytes}, then checks the bytes are UTF-8 as {@code readStringRequireUtf8} does. */
  public int skipString(int length, String what) throws IOException {
    int offset = skipBytes(length);
    for (int i = offset, end = offset + length; i < end; i++) {
      if (buf[i] < 0) { // ASCII up to here is valid; protobuf's own validator checks the rest
        if (!UnsafeByteOperations.unsafeWrap(buf, i, end - i).isValidUtf8()) {
          throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8 (in a string of " + what + ")");
        }
        break;
      }
    }
    return offset;
  }

  /**
   * Reads past a field of a message of type {@code schema} whose tag was just read, checking it, and every
   * message it holds, as parseFrom checks it.
   */
  public void skipField(WireSchema schema, int tag, int depth) throws IOException {
    switch (schema.kind(tag)) {
      case WireSchema.MESSAGE -> {
        WireSchema nested = schema.nested[tag];
        int limit = enter(depth);
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
          skipField(nested, t, depth + 1);
        }
        in.popLimit(limit);
      }
      case WireSchema.STRING -> skipString(in.readRawVarint32(), schema.name);
      case WireSchema.VARINT32 -> in.readRawVarint32();
      default -> skipUnknown(tag, depth);
    }
  }

  /**
   * Reads past a field that the message's schema does not declare with this wire type, as parseFrom
   * reads it into its unknown fields: a varint with readInt64, whose checks differ from
   * {@code skipRawVarint}'s; a group up to its own end-group tag, counting against the recursion limit
   * with the messages around it; an end-group tag outside a group, or wire type 6 or 7, fails.
   */
  public void skipUnknown(int tag, int depth) throws IOException {
    switch (tag & 7) {
      case WIRETYPE_START_GROUP -> {
        checkDepth(depth);
        int endTag = (tag & ~7) | WIRETYPE_END_GROUP;
        for (int t = in.readTag(); t != endTag; t = in.readTag()) {
          if (t == 0 || (t & 7) == WIRETYPE_END_GROUP) {
            throw endGroupMismatch();
          }
          skipUnknown(t, depth + 1);
        }
      }
      case WIRETYPE_END_GROUP -> throw endGroupMismatch();
      case WIRETYPE_VARINT -> in.readRawVarint64();
      default -> in.skipField(tag); // fixed32, fixed64, length-delimited; throws on wire types 6 and 7
    }
  }

  private static void checkDepth(int depth) throws InvalidProtocolBufferException {
    if (depth >= RECURSION_LIMIT) {
      throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting: more than the "
          + "recursion limit of " + RECURSION_LIMIT);
    }
  }

  private static InvalidProtocolBufferException endGroupMismatch() {
    return new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag.");
  }
}

package io.tracestream.span.jaeger;

/**
 * A bounded reader of one Thrift protocol over a byte array, with just what Jaeger's structs need: fields,
 * lists, scalars, and skipping what is unknown. Types are reported as the binary protocol's codes
 * (https://github.com/apache/thrift/blob/master/doc/specs/thrift-binary-protocol.md) whatever the protocol.
 * Nothing is allocated before it is known to fit in the bytes left: a list announces no more elements than
 * there are bytes, a string no more bytes than there are; structs and lists nest at most {@link #MAX_DEPTH}.
 */
abstract sealed class ThriftInput permits ThriftInput.Binary, ThriftInput.Compact {
  static final byte STOP = 0;
  static final byte BOOL = 2;
  static final byte BYTE = 3;
  static final byte DOUBLE = 4;
  static final byte I16 = 6;
  static final byte I32 = 8;
  static final byte I64 = 10;
  static final byte STRING = 11;
  static final byte STRUCT = 12;
  static final byte MAP = 13;
  static final byte SET = 14;
  static final byte LIST = 15;
  /** Jaeger's structs nest four deep (message, Batch, Span, Log, Tag); more is hostile. */
  static final int MAX_DEPTH = 16;

  final byte[] in;
  int pos;
  private final String protocol;
  private int depth;
  /** Of the field just read. */
  byte fieldType;
  short fieldId;
  /** Of the list just begun. */
  byte elementType;

  ThriftInput(byte[] in, String protocol) {
    this.in = in;
    this.protocol = protocol;
  }

  /** Reads the next field's header into {@link #fieldType} and {@link #fieldId}; false at the struct's end. */
  abstract boolean nextField() throws JaegerFormatException;

  /** Begins a list (or set): its element type in {@link #elementType}; returns its size. */
  abstract int listBegin() throws JaegerFormatException;

  abstract long i64() throws JaegerFormatException;

  abstract int i32() throws JaegerFormatException;

  abstract short i16() throws JaegerFormatException;

  abstract double float64() throws JaegerFormatException;

  abstract boolean bool() throws JaegerFormatException;

  /** Begins a map: its key and value types in the high and low byte; returns its size. */
  abstract int mapBegin() throws JaegerFormatException;

  abstract int mapTypes();

  /** The length prefix of a string or binary. */
  abstract int length() throws JaegerFormatException;

  void structBegin() throws JaegerFormatException {
    enter();
  }

  void structEnd() {
    depth--;
  }

  void listEnd() {
    depth--;
  }

  /** The length prefix of a string or binary, once it is known that as many bytes are left. */
  int binaryLength() throws JaegerFormatException {
    int at = pos;
    int n = length();
    if (n < 0 || n > in.length - pos) {
      throw error(at, "a string of " + n + " bytes, but only " + (in.length - pos) + " bytes are left");
    }
    return n;
  }

  /** The {@code n} bytes of a string or binary whose {@link #binaryLength} was read. */
  byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    System.arraycopy(in, pos, bytes, 0, n);
    pos += n;
    return bytes;
  }

  byte i8() throws JaegerFormatException {
    need(1);
    return in[pos++];
  }

  /** Skips a value of {@code type}, nested values included. */
  void skip(byte type) throws JaegerFormatException {
    switch (type) {
      case BOOL -> bool();
      case BYTE -> i8();
      case I16 -> i16();
      case I32 -> i32();
      case I64 -> i64();
      case DOUBLE -> float64();
      case STRING -> {
        int n = binaryLength(); // before pos is read: reading the length moves it
        pos += n;
      }
      case STRUCT -> {
        structBegin();
        while (nextField()) {
          skip(fieldType);
        }
        structEnd();
      }
      case LIST, SET -> {
        int n = listBegin();
        byte element = elementType;
        for (int i = 0; i < n; i++) {
          skip(element);
        }
        listEnd();
      }
      case MAP -> {
        int n = mapBegin();
        int types = mapTypes();
        for (int i = 0; i < n; i++) {
          skip((byte) (types >> 8));
          skip((byte) types);
        }
        listEnd();
      }
      default -> throw error(pos, "unknown type " + type);
    }
  }

  /** Called by {@link #listBegin} and {@link #mapBegin} once the size is read. */
  int checkedSize(int at, int n, String what) throws JaegerFormatException {
    if (n < 0 || n > in.length - pos) {
      throw error(at, "a " + what + " of " + n + " elements, but only " + (in.length - pos) + " bytes are left");
    }
    enter();
    return n;
  }

  void need(int n) throws JaegerFormatException {
    if (in.length - pos < n) {
      throw error(pos, "truncated: " + n + " more bytes needed, " + (in.length - pos) + " left");
    }
  }

  JaegerFormatException error(int at, String what) {
    return new JaegerFormatException("bad Thrift (" + protocol + " protocol) at byte " + at + ": " + what);
  }

  private void enter() throws JaegerFormatException {
    if (++depth > MAX_DEPTH) {
      throw error(pos, "nested deeper than " + MAX_DEPTH);
    }
  }

  /** TBinaryProtocol: big-endian fixed-width numbers, i32 length prefixes. */
  static final class Binary extends ThriftInput {
    private int mapTypes;

    Binary(byte[] in) {
      super(in, "binary");
    }

    @Override
    boolean nextField() throws JaegerFormatException {
      fieldType = i8();
      if (fieldType == STOP) {
        return false;
      }
      fieldId = i16();
      return true;
    }

    @Override
    int listBegin() throws JaegerFormatException {
      int at = pos;
      elementType = i8();
      return checkedSize(at, i32(), "list");
    }

    @Override
    int mapBegin() throws JaegerFormatException {
      int at = pos;
      mapTypes = (i8() & 0xff) << 8 | (i8() & 0xff);
      return checkedSize(at, i32(), "map");
    }

    @Override
    int mapTypes() {
      return mapTypes;
    }

    @Override
    long i64() throws JaegerFormatException {
      return bigEndian(8);
    }

    @Override
    int i32() throws JaegerFormatException {
      return (int) bigEndian(4);
    }

    private long bigEndian(int bytes) throws JaegerFormatException {
      need(bytes);
      long v = 0;
      for (int i = 0; i < bytes; i++) {
        v = v << 8 | (in[pos++] & 0xff);
      }
      return v;
    }

    @Override
    short i16() throws JaegerFormatException {
      need(2);
      int v = (in[pos] & 0xff) << 8 | (in[pos + 1] & 0xff);
      pos += 2;
      return (short) v;
    }

    @Override
    double float64() throws JaegerFormatException {
      return Double.longBitsToDouble(i64());
    }

    @Override
    boolean bool() throws JaegerFormatException {
      return i8() != 0;
    }

    @Override
    int length() throws JaegerFormatException {
      return i32();
    }
  }

  /**
   * TCompactProtocol (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md):
   * zigzag varints, field ids as deltas, a bool field's value in its header, little-endian doubles.
   */
  static final class Compact extends ThriftInput {
    private static final byte[] TYPES = {STOP, BOOL, BOOL, BYTE, I16, I32, I64, DOUBLE, STRING, LIST, SET, MAP,
        STRUCT};

    private final short[] lastFieldIds = new short[MAX_DEPTH + 1];
    private int structs;
    private short lastFieldId;
    /** A bool field's value, which the compact protocol puts in the field's header. */
    private Boolean headerBool;
    private int mapTypes;

    Compact(byte[] in) {
      super(in, "compact");
    }

    @Override
    void structBegin() throws JaegerFormatException {
      super.structBegin();
      lastFieldIds[structs++] = lastFieldId;
      lastFieldId = 0;
    }

    @Override
    void structEnd() {
      super.structEnd();
      lastFieldId = lastFieldIds[--structs];
    }

    @Override
    boolean nextField() throws JaegerFormatException {
      int at = pos;
      int header = i8() & 0xff;
      if (header == 0) {
        return false;
      }
      int delta = header >> 4;
      fieldId = delta == 0 ? i16() : (short) (lastFieldId + delta);
      lastFieldId = fieldId;
      fieldType = type(at, header & 0x0f);
      headerBool = fieldType == BOOL ? (header & 0x0f) == 1 : null;
      return true;
    }

    @Override
    int listBegin() throws JaegerFormatException {
      int at = pos;
      int header = i8() & 0xff;
      elementType = type(at, header & 0x0f);
      int size = header >> 4;
      return checkedSize(at, size == 15 ? varint32() : size, "list");
    }

    @Override
    int mapBegin() throws JaegerFormatException {
      int at = pos;
      int n = varint32();
      if (n == 0) {
        mapTypes = 0;
      } else {
        int types = i8() & 0xff;
        mapTypes = (type(at, types >> 4) & 0xff) << 8 | (type(at, types & 0x0f) & 0xff);
      }
      return checkedSize(at, n, "map");
    }

    @Override
    int mapTypes() {
      return mapTypes;
    }

    @Override
    long i64() throws JaegerFormatException {
      long v = varint(10);
      return (v >>> 1) ^ -(v & 1);
    }

    @Override
    int i32() throws JaegerFormatException {
      int v = varint32();
      return (v >>> 1) ^ -(v & 1);
    }

    @Override
    short i16() throws JaegerFormatException {
      return (short) i32();
    }

    @Override
    double float64() throws JaegerFormatException {
      need(8);
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = v << 8 | (in[pos + i] & 0xff);
      }
      pos += 8;
      return Double.longBitsToDouble(v);
    }

    @Override
    boolean bool() throws JaegerFormatException {
      if (headerBool != null) {
        boolean value = headerBool;
        headerBool = null;
        return value;
      }
      return i8() == 1; // in a list: 1 is true, 2 (or 0, older writers) false
    }

    @Override
    int length() throws JaegerFormatException {
      return varint32();
    }

    private int varint32() throws JaegerFormatException {
      return (int) varint(5);
    }

    private long varint(int maxBytes) throws JaegerFormatException {
      int at = pos;
      long v = 0;
      for (int i = 0; i < maxBytes; i++) {
        byte b = i8();
        v |= (long) (b & 0x7f) << (7 * i);
        if (b >= 0) {
          return v;
        }
      }
      throw error(at, "a varint longer than " + maxBytes + " bytes");
    }

    private byte type(int at, int compact) throws JaegerFormatException {
      if (compact >= TYPES.length) {
        throw error(at, "unknown type " + compact);
      }
      return TYPES[compact];
    }
  }
}

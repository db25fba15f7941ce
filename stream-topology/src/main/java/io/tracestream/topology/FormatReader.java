package io.tracestream.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/** Reads what {@link FormatWriter} wrote; past the end or a malformed varint is a {@link SerializationException}. */
final class FormatReader {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  private final byte[] buf;
  private final String what;
  private int pos;

  /** @param what the format, named in errors */
  FormatReader(byte[] buf, int pos, String what) {
    this.buf = buf;
    this.pos = pos;
    this.what = what;
  }

  int readByte() {
    need(1);
    return buf[pos++];
  }

  long varint() {
    if (pos < buf.length && buf[pos] >= 0) {
      return buf[pos++]; // one byte: most varints
    }
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      byte b = buf[pos++];
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw malformed("a varint longer than 10 bytes");
  }

  /** A varint that must fit a non-negative int (a length, a count, an index). */
  int count() {
    long v = varint();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw malformed("a count of " + Long.toUnsignedString(v));
    }
    return (int) v;
  }

  /** A count of elements of at least a byte each: at most the bytes left, so corrupt bytes allocate nothing huge. */
  int elements() {
    int n = count();
    if (n > buf.length - pos) {
      throw malformed(n + " elements in " + (buf.length - pos) + " bytes");
    }
    return n;
  }

  long zigzag() {
    long v = varint();
    return (v >>> 1) ^ -(v & 1);
  }

  long fixed64() {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (buf[pos++] & 0xFF);
    }
    return v;
  }

  String string() {
    int n = count();
    need(n);
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  String id() {
    int header = count();
    int n = header >>> 1;
    if (n == 0) {
      return "";
    }
    need(n);
    if ((header & 1) != 0) {
      String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
    byte[] hex = new byte[2 * n];
    for (int i = 0; i < n; i++) {
      int b = buf[pos++];
      hex[2 * i] = HEX[(b >> 4) & 0xF];
      hex[2 * i + 1] = HEX[b & 0xF];
    }
    return new String(hex, StandardCharsets.ISO_8859_1);
  }

  byte[] bytes() {
    int n = count();
    need(n);
    byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return b;
  }

  /** The bytes left. */
  byte[] rest() {
    byte[] b = Arrays.copyOfRange(buf, pos, buf.length);
    pos = buf.length;
    return b;
  }

  /** Fails unless every byte was read: trailing bytes mean the format is not what this version writes. */
  void end() {
    if (pos != buf.length) {
      throw malformed((buf.length - pos) + " bytes after the end");
    }
  }

  SerializationException malformed(String detail) {
    return new SerializationException("not a " + what + ": " + detail);
  }

  private void need(int n) {
    if (n > buf.length - pos) {
      throw malformed("truncated at byte " + pos + " of " + buf.length);
    }
  }
}

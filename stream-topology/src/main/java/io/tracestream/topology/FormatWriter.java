package io.tracestream.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Output of the binary formats of the internal topics and stores ({@code README.md}, "Formats and
 * upgrades"): a leading version byte, then unsigned LEB128 varints (zigzag for signed), strings as a varint
 * UTF-8 length and the bytes, ids as raw bytes. Not thread-safe; {@link #scratch()} is one per thread.
 */
final class FormatWriter {
  private static final int KEEP_SCRATCH = 1 << 20;
  private static final ThreadLocal<FormatWriter> SCRATCH = ThreadLocal.withInitial(() -> new FormatWriter(1024));

  private byte[] buf;
  private int size;

  FormatWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  /** This thread's writer, emptied: saves growing a new buffer per record on the hot path. */
  static FormatWriter scratch() {
    FormatWriter w = SCRATCH.get();
    if (w.buf.length > KEEP_SCRATCH) {
      w.buf = new byte[1024]; // one huge trace does not pin a huge buffer
    }
    w.size = 0;
    return w;
  }

  FormatWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  FormatWriter varint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  FormatWriter zigzag(long v) {
    return varint((v << 1) ^ (v >> 63));
  }

  /** Eight bytes, big-endian. */
  FormatWriter fixed64(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  FormatWriter string(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
      }
    }
    varint(n);
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[size++] = (byte) s.charAt(i);
    }
    return this;
  }

  /**
   * An id: lowercase hex (what ids are, 32 or 16 chars, or "" for none) as its raw bytes after a varint
   * of twice their count; anything else as its UTF-8 after a varint of twice its length plus one, so every
   * string comes back as it was.
   */
  FormatWriter id(String id) {
    int n = id.length();
    if ((n & 1) != 0 || !isLowerHex(id)) {
      byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
      varint(2L * utf8.length + 1);
      return raw(utf8);
    }
    varint(n);
    ensure(n / 2);
    for (int i = 0; i < n; i += 2) {
      buf[size++] = (byte) (nibble(id.charAt(i)) << 4 | nibble(id.charAt(i + 1)));
    }
    return this;
  }

  FormatWriter bytes(byte[] b) {
    varint(b.length);
    return raw(b);
  }

  FormatWriter raw(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
    return this;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  private static int nibble(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }
}

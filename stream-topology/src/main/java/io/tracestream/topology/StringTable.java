package io.tracestream.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One String per distinct UTF-8 byte sequence among the recent ones, so that the decoder hands out the same
 * instance for every span of a service or an operation: no String is allocated and decoded again, and the maps
 * keyed by those names downstream hash each instance once (String caches its hash) and compare by identity first.
 * Direct-mapped: a slot holds the latest sequence that hashed to it, so high-cardinality values (URLs, addresses)
 * only replace each other. Not thread-safe: one per thread ({@link #forThisThread}).
 */
final class StringTable {
  private static final int SLOTS = 4096;
  /** Longer values are decoded every time: names that long are rare, and comparing them costs what decoding does. */
  private static final int MAX_BYTES = 256;
  private static final ThreadLocal<StringTable> TABLES = ThreadLocal.withInitial(StringTable::new);

  private final byte[][] bytes = new byte[SLOTS][];
  private final String[] strings = new String[SLOTS];

  static StringTable forThisThread() {
    return TABLES.get();
  }

  /** The String of {@code length} UTF-8 bytes of {@code buf} at {@code offset}. */
  String get(byte[] buf, int offset, int length) {
    if (length == 0) {
      return "";
    }
    if (length > MAX_BYTES) {
      return new String(buf, offset, length, StandardCharsets.UTF_8);
    }
    int h = length;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = 31 * h + buf[i];
    }
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    byte[] known = bytes[slot];
    if (known != null && Arrays.equals(known, 0, known.length, buf, offset, offset + length)) {
      return strings[slot];
    }
    String s = new String(buf, offset, length, StandardCharsets.UTF_8);
    bytes[slot] = Arrays.copyOfRange(buf, offset, offset + length);
    strings[slot] = s;
    return s;
  }
}

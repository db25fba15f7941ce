package io.tracestream.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The parts the binary formats of {@link TracePartial} and {@link EdgePartial} share: a leading version
 * byte, checked when read so that a format change is a deliberate, versioned step, and strings as an
 * int length and UTF-8 bytes, big-endian.
 */
final class PartialFormat {
  private PartialFormat() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes a string's UTF-8 bytes ({@link #utf8}) with their length. */
  static ByteBuffer putString(ByteBuffer out, byte[] utf8) {
    return out.putInt(utf8.length).put(utf8);
  }

  static String getString(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Reads the version byte; throws naming {@code what} when this version does not read it. */
  static void checkVersion(ByteBuffer in, byte version, String what) {
    byte got = in.get();
    if (got != version) {
      throw new IllegalStateException(what + " of format version " + got + ", this version reads " + version
          + " (see stream-topology/README.md, upgrades)");
    }
  }
}

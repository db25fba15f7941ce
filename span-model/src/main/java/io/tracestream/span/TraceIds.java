package io.tracestream.span;

import com.google.protobuf.ByteString;

/** Hex form of OTLP trace and span ids, as OTLP/JSON and the otlp_spans record key write them. */
public final class TraceIds {
  public static final int TRACE_ID_BYTES = 16;
  public static final int SPAN_ID_BYTES = 8;
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private TraceIds() {}

  /** Lowercase hex, two chars per byte: the record key format of otlp_spans. */
  public static String toHex(ByteString id) {
    byte[] out = new byte[id.size() * 2];
    for (int i = 0; i < id.size(); i++) {
      int b = id.byteAt(i) & 0xff;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xf];
    }
    return new String(out, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Decodes hex of either case; throws {@link IllegalArgumentException} on odd length or a non-hex char. */
  public static byte[] fromHex(CharSequence hex) {
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException("odd number of hex digits: " + hex.length());
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (digit(hex, 2 * i) << 4 | digit(hex, 2 * i + 1));
    }
    return out;
  }

  static boolean isValid(ByteString id, int length) {
    if (id.size() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (id.byteAt(i) != 0) {
        return true;
      }
    }
    return false; // all-zero ids are invalid per the OTel trace spec
  }

  private static int digit(CharSequence hex, int index) {
    char c = hex.charAt(index);
    // Character.digit alone would also take fullwidth and other non-ASCII digits.
    int d = c < 128 ? Character.digit(c, 16) : -1;
    if (d < 0) {
      throw new IllegalArgumentException("not a hex digit at " + index + ": '" + hex.charAt(index) + "'");
    }
    return d;
  }
}

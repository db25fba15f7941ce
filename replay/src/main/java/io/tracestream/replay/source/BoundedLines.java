package io.tracestream.replay.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The lines of a stream as bytes, each held only up to {@code maxBytes}: a longer line is read through
 * to its end without being kept, and returned as {@link #TOO_LONG}. A {@code BufferedReader} would
 * build a line of any length (a file without line breaks is one line) before anything could count it.
 * Lines end at {@code \n}; a {@code \r} before it is dropped.
 */
final class BoundedLines {
  /** Returned in place of a line longer than the limit (compare by identity). */
  static final byte[] TOO_LONG = new byte[0];

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buffer = new byte[1 << 16];
  private int position;
  private int limit;

  BoundedLines(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** The next line, {@link #TOO_LONG}, or null at the end of the stream. */
  byte[] next() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean tooLong = false;
    boolean any = false;
    while (true) {
      if (position == limit) {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
          position = limit = 0;
          if (!any) {
            return null;
          }
          break;
        }
        position = 0;
        limit = n;
      }
      any = true;
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      int length = position - start;
      if (!tooLong && line.size() + length > maxBytes + 1) { // + 1: room for a \r before the \n
        tooLong = true;
        line = new ByteArrayOutputStream();
      } else if (!tooLong) {
        line.write(buffer, start, length);
      }
      if (position < limit) {
        position++; // the \n
        break;
      }
    }
    if (tooLong) {
      return TOO_LONG;
    }
    byte[] bytes = line.toByteArray();
    int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    if (end > maxBytes) {
      return TOO_LONG;
    }
    return end == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, end);
  }
}

package io.tracestream.replay.source;

import java.io.IOException;
import java.io.InputStream;

/** Reads one stream of one format, streaming: a multi-gigabyte file is never held whole. */
interface SpanReader {
  /**
   * @param name how locations name the stream (a path, or {@code -} for stdin)
   * @throws IOException when the stream itself cannot be read; bad content goes to {@link SpanSink#bad}
   */
  void read(InputStream in, String name, SpanSink sink) throws IOException;
}

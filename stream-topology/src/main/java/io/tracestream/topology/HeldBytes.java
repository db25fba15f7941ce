package io.tracestream.topology;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap the traces held by trace assembly take in one topology instance, across its tasks and stream
 * threads ({@code topology.trace.max.held.bytes}): each trace counts its stored span batches and
 * {@link #PER_TRACE} for its object, map entry, id and index entries.
 */
final class HeldBytes {
  static final int PER_TRACE = 512;

  private final AtomicLong held = new AtomicLong();
  private final long max;

  HeldBytes(long max) {
    this.max = max;
  }

  void add(long bytes) {
    held.addAndGet(bytes);
  }

  boolean over() {
    return held.get() > max;
  }

  long held() {
    return held.get();
  }
}

package io.tracestream.topology;

import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.LatencyBuckets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The exemplars of one open window: per latency bucket the slowest span (or trace) seen, and the slowest
 * one with an error. Which one is kept depends only on the set of inputs, never on their order, so a
 * window merged from the partials of several input tasks has the same exemplars however they arrive:
 * the greater duration wins, then the greater trace id, then the later end. Bounded: one slot per bucket
 * and one for errors. Adding a span is a compare, and when it wins, a store of its duration, end and (a
 * reference to) its trace id.
 */
final class WindowExemplars {
  static final int BUCKETS = LatencyBuckets.BOUNDS_MS.size() + 1;
  /** The slot of the error exemplar, after the buckets'. */
  private static final int ERROR = BUCKETS;
  private static final int SLOTS = BUCKETS + 1;

  /** Per slot the duration kept, -1 when the slot is empty. */
  private final long[] nanos = new long[SLOTS];
  private final long[] endMs = new long[SLOTS];
  private final String[] traceIds = new String[SLOTS];

  WindowExemplars() {
    Arrays.fill(nanos, -1);
  }

  /** Offers a span of {@code bucket}; a null trace id (a span without a valid one) is not an exemplar. */
  void offer(int bucket, boolean error, long durationNanos, String traceId, long end) {
    if (traceId == null) {
      return;
    }
    if (durationNanos >= nanos[bucket]) {
      offer(bucket, durationNanos, traceId, end);
    }
    if (error && durationNanos >= nanos[ERROR]) {
      offer(ERROR, durationNanos, traceId, end);
    }
  }

  private void offer(int slot, long durationNanos, String traceId, long end) {
    if (durationNanos > nanos[slot] || wins(traceId, end, traceIds[slot], endMs[slot])) {
      nanos[slot] = durationNanos;
      traceIds[slot] = traceId;
      endMs[slot] = end;
    }
  }

  /** Of two exemplars of equal duration, the one with the greater trace id, then the later end. */
  private static boolean wins(String traceId, long end, String heldId, long heldEnd) {
    int c = traceId.compareTo(heldId);
    return c > 0 || c == 0 && end > heldEnd;
  }

  void merge(WindowExemplars other) {
    for (int slot = 0; slot < SLOTS; slot++) {
      if (other.nanos[slot] >= 0 && other.nanos[slot] >= nanos[slot]) {
        offer(slot, other.nanos[slot], other.traceIds[slot], other.endMs[slot]);
      }
    }
  }

  boolean isEmpty() {
    for (long n : nanos) {
      if (n >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The exemplars in bucket order, the error one last; its bucket is that of its duration. */
  List<Exemplar> toList() {
    List<Exemplar> list = new ArrayList<>(SLOTS);
    for (int slot = 0; slot < SLOTS; slot++) {
      if (nanos[slot] >= 0) {
        int bucket = slot == ERROR ? LatencyBuckets.index(nanos[slot] / 1e6) : slot;
        list.add(new Exemplar(bucket, nanos[slot] / 1e9, traceIds[slot], endMs[slot], slot == ERROR));
      }
    }
    return list;
  }

  /**
   * The count of filled slots, then per slot: its index (the buckets', then {@value #BUCKETS} for the
   * error exemplar), duration in nanoseconds (varint), end (zigzag), trace id ({@link FormatWriter#id}).
   */
  void write(FormatWriter out) {
    int filled = 0;
    for (long n : nanos) {
      filled += n >= 0 ? 1 : 0;
    }
    out.varint(filled);
    for (int slot = 0; slot < SLOTS; slot++) {
      if (nanos[slot] >= 0) {
        out.varint(slot).varint(nanos[slot]).zigzag(endMs[slot]).id(traceIds[slot]);
      }
    }
  }

  static WindowExemplars read(FormatReader in) {
    WindowExemplars exemplars = new WindowExemplars();
    int filled = in.elements();
    for (int i = 0; i < filled; i++) {
      int slot = in.count();
      long duration = in.varint();
      if (slot >= SLOTS || duration < 0) {
        throw in.malformed("an exemplar in slot " + slot + " of " + SLOTS + " lasting " + duration + " ns");
      }
      long end = in.zigzag();
      exemplars.offer(slot, duration, in.id(), end);
    }
    return exemplars;
  }
}

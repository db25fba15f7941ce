package io.tracestream.topology;

import io.tracestream.topology.traces.UnpairedReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A trace that trace assembly holds on the heap ({@link TraceAssemblyProcessor}): open, or completed and kept
 * for rejoining ({@link #completed()}). Its spans are the batches as they arrived, each in the stored span
 * format of {@link TraceSpans#writeStored} (about a sixth of the spans' size as objects), read when the trace
 * completes or a batch rejoins it.
 */
final class HeldTrace {
  static final String WHAT = "held trace (trace-assembly-traces)";
  static final long NONE = Long.MIN_VALUE;

  /** Event time of its first and last span. */
  long firstEventMs;
  long lastEventMs;
  /** Wall-clock time of its last batch. */
  long lastWallMs;
  /** Open: when it is due in event time, and, once that has passed, in wall-clock time ({@link #NONE} before). */
  long deadline;
  long wallDeadline = NONE;
  /** Completed: wall-clock time when its spans are forgotten; {@link #NONE} while open. */
  long rejoinExpiry = NONE;
  int spans;
  final List<byte[]> batches;
  /** What it counts in {@link HeldBytes}: its batches' bytes + {@link HeldBytes#PER_TRACE}. */
  long bytes;
  /** Completed: its spans in no edge, counted when it is forgotten (a straggler may pair them). */
  Map<UnpairedReason, Integer> unpaired = Map.of();

  HeldTrace(long firstEventMs, long lastEventMs, long lastWallMs, List<byte[]> batches) {
    this.firstEventMs = firstEventMs;
    this.lastEventMs = lastEventMs;
    this.lastWallMs = lastWallMs;
    this.batches = batches;
    this.bytes = HeldBytes.PER_TRACE;
    batches.forEach(b -> bytes += b.length);
  }

  void addBatch(byte[] batch) {
    batches.add(batch);
    bytes += batch.length;
  }

  boolean completed() {
    return rejoinExpiry != NONE;
  }

  /** The store's key: the trace id's UTF-8. */
  static final HeapStore.Codec<String> KEY = new HeapStore.Codec<>() {
    @Override
    public byte[] write(String traceId) {
      return traceId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String read(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  };

  /**
   * Version 1: version byte; zigzag varints of first and last event time, last wall-clock time, deadline,
   * wall-clock deadline, rejoin expiry; varint spans; varint count of unpaired reasons, each its tag and
   * varint count; varint count of batches, each its length and bytes.
   */
  static final HeapStore.Codec<HeldTrace> VALUE = new HeapStore.Codec<>() {
    @Override
    public byte[] write(HeldTrace t) {
      FormatWriter out = FormatWriter.scratch().writeByte(Formats.V1).zigzag(t.firstEventMs).zigzag(t.lastEventMs)
          .zigzag(t.lastWallMs).zigzag(t.deadline).zigzag(t.wallDeadline).zigzag(t.rejoinExpiry).varint(t.spans)
          .varint(t.unpaired.size());
      t.unpaired.forEach((reason, n) -> out.string(reason.tag()).varint(n));
      out.varint(t.batches.size());
      t.batches.forEach(out::bytes);
      return out.toByteArray();
    }

    @Override
    public HeldTrace read(byte[] bytes) {
      FormatReader in = Formats.reader(bytes, WHAT);
      long first = in.zigzag();
      long last = in.zigzag();
      long lastWall = in.zigzag();
      long deadline = in.zigzag();
      long wallDeadline = in.zigzag();
      long rejoinExpiry = in.zigzag();
      int spans = in.count();
      Map<UnpairedReason, Integer> unpaired = new EnumMap<>(UnpairedReason.class);
      for (int i = in.elements(); i > 0; i--) {
        unpaired.put(reason(in.string()), in.count());
      }
      List<byte[]> batches = new ArrayList<>();
      for (int i = in.elements(); i > 0; i--) {
        batches.add(in.bytes());
      }
      in.end();
      HeldTrace t = new HeldTrace(first, last, lastWall, batches);
      t.deadline = deadline;
      t.wallDeadline = wallDeadline;
      t.rejoinExpiry = rejoinExpiry;
      t.spans = spans;
      t.unpaired = unpaired;
      return t;
    }

    private UnpairedReason reason(String tag) {
      for (UnpairedReason r : UnpairedReason.values()) {
        if (r.tag().equals(tag)) {
          return r;
        }
      }
      throw new SerializationException("a " + WHAT + " with an unpaired reason this version does not know: " + tag);
    }
  };
}

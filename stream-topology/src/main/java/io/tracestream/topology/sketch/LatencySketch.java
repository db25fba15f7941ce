package io.tracestream.topology.sketch;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import java.nio.ByteBuffer;

/** Placeholder until the sketch change lands; same API. */
public final class LatencySketch {
  public static final double RELATIVE_ACCURACY = 0.005;
  private final DDSketch sketch;

  private LatencySketch(DDSketch sketch) {
    this.sketch = sketch;
  }

  public static LatencySketch create() {
    return new LatencySketch(DDSketches.unboundedDense(RELATIVE_ACCURACY));
  }

  public void add(double millis) {
    sketch.accept(Math.max(0, millis));
  }

  public void merge(LatencySketch other) {
    sketch.mergeWith(other.sketch);
  }

  public long count() {
    return (long) sketch.getCount();
  }

  public double quantile(double q) {
    return sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
  }

  public double max() {
    return sketch.getMaxValue();
  }

  public byte[] toBytes() {
    ByteBuffer b = sketch.serialize();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  public static LatencySketch fromBytes(byte[] bytes) {
    try {
      return new LatencySketch(DDSketch.decode(com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput.wrap(bytes),
          com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore::new));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a sketch: " + e.getMessage(), e);
    }
  }
}

package io.tracestream.topology;

import io.tracestream.topology.traces.TraceSpan;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The attribute keys {@link OtlpSpanReader} keeps of a span: those trace assembly uses
 * ({@link TraceSpan#ATTRIBUTE_KEYS}: string values of the span only) and the configured dimensions (span
 * and trace): any scalar value as its string ({@code 200}, {@code true}), the span's, else its resource's.
 * A dimension that is also one of trace assembly's keys keeps that key's rules.
 */
final class KeptAttributes {
  static final KeptAttributes TRACE_ASSEMBLY = new KeptAttributes(Set.of());

  final String[] keys;
  final byte[][] keyBytes;
  /** Per key: a dimension (any scalar value, resource fallback). */
  final boolean[] dimension;
  /** Whether a key may start with this byte: most keys of most spans are passed over at their first byte. */
  private final boolean[] initials = new boolean[256];
  final boolean hasDimensions;

  private KeptAttributes(Set<String> dimensions) {
    Set<String> all = new LinkedHashSet<>(TraceSpan.ATTRIBUTE_KEYS);
    all.addAll(dimensions);
    keys = all.toArray(String[]::new);
    keyBytes = Arrays.stream(keys).map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    dimension = new boolean[keys.length];
    boolean any = false;
    for (int i = 0; i < keys.length; i++) {
      dimension[i] = !TraceSpan.ATTRIBUTE_KEYS.contains(keys[i]);
      any |= dimension[i];
      if (keyBytes[i].length > 0) {
        initials[keyBytes[i][0] & 0xFF] = true;
      }
    }
    hasDimensions = any;
  }

  /** Trace assembly's keys and the attributes of these dimensions. */
  static KeptAttributes of(Dimensions... dimensions) {
    Set<String> names = new LinkedHashSet<>();
    for (Dimensions d : dimensions) {
      names.addAll(d.names());
    }
    return names.isEmpty() ? TRACE_ASSEMBLY : new KeptAttributes(names);
  }

  boolean mayStartWith(byte b) {
    return initials[b & 0xFF];
  }
}

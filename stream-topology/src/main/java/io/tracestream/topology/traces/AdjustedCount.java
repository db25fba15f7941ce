package io.tracestream.topology.traces;

/**
 * A sampled span's adjusted count (how many spans of the real traffic it stands for: the reciprocal of
 * the probability it was kept with), read from what samplers write on the span, and its integer weight.
 *
 * <p>Read values are {@link #ABSENT} (NaN) when the span says nothing, {@link #INVALID} (-1) when it says
 * something unusable, else an adjusted count &gt;= 1.
 */
public final class AdjustedCount {
  public static final double ABSENT = Double.NaN;
  public static final double INVALID = -1;
  /** OTel's threshold: 56 bits, written as 1 to 14 hex digits with trailing zeros left off. */
  private static final int THRESHOLD_DIGITS = 14;
  private static final double TWO_TO_56 = 0x1p56;

  private AdjustedCount() {}

  /** Whether a read value is an adjusted count. */
  public static boolean isValid(double count) {
    return count >= 1;
  }

  /**
   * The adjusted count of a W3C {@code tracestate}'s OpenTelemetry entry, {@code ot=...;th:<threshold>;...}:
   * 2^56 / (2^56 - T), T the threshold's hex digits padded on the right with zeros to 14 digits. See
   * <a href="https://opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/">TraceState:
   * Probability Sampling</a>. {@link #ABSENT} without an {@code ot} entry or without {@code th} in it.
   */
  public static double ofTraceState(String traceState) {
    if (traceState == null || traceState.isEmpty()) {
      return ABSENT;
    }
    String ot = otEntry(traceState);
    if (ot == null) {
      return ABSENT;
    }
    for (int from = 0; from < ot.length(); ) {
      int end = ot.indexOf(';', from);
      end = end < 0 ? ot.length() : end;
      if (ot.startsWith("th:", from)) {
        return ofThreshold(ot, from + 3, end);
      }
      from = end + 1;
    }
    return ABSENT;
  }

  /** The value of the {@code ot} list member, or null; members are comma separated, with optional blanks. */
  private static String otEntry(String traceState) {
    for (int from = 0; from < traceState.length(); ) {
      int end = traceState.indexOf(',', from);
      end = end < 0 ? traceState.length() : end;
      String member = traceState.substring(from, end).strip();
      if (member.startsWith("ot=")) {
        return member.substring(3);
      }
      from = end + 1;
    }
    return null;
  }

  private static double ofThreshold(String s, int from, int end) {
    int digits = end - from;
    if (digits < 1 || digits > THRESHOLD_DIGITS) {
      return INVALID;
    }
    long threshold = 0;
    for (int i = from; i < end; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0 || Character.isUpperCase(s.charAt(i))) {
        return INVALID; // the spec's hex digits are lowercase
      }
      threshold = threshold << 4 | d;
    }
    threshold <<= 4 * (THRESHOLD_DIGITS - digits);
    // the difference in long arithmetic: a 56-bit threshold is not exact as a double
    return TWO_TO_56 / ((1L << 56) - threshold);
  }

  /**
   * The adjusted count of Jaeger's sampler tags: {@code 1 / sampler.param} for {@code sampler.type=probabilistic}.
   * {@link #ABSENT} for another sampler type (const, ratelimiting, lowerbound: no probability to scale by) or no
   * type; {@link #INVALID} for a probabilistic type whose param is missing or not in (0, 1].
   *
   * @param param the {@code sampler.param} value as a number, NaN when absent or not a number
   */
  public static double ofJaeger(String samplerType, double param) {
    if (!"probabilistic".equals(samplerType)) {
      return ABSENT;
    }
    if (!(param > 0 && param <= 1)) {
      return INVALID;
    }
    return 1 / param;
  }

  /** A {@code sampler.param} written as a string, as some Jaeger clients and translations do; NaN if not a number. */
  public static double parseParam(String value) {
    try {
      return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * The span's integer weight for an adjusted count {@code a}: {@code floor(a)} or {@code floor(a) + 1}, the
   * latter with probability {@code a - floor(a)}, so the expected weight is exactly {@code a}. The choice is a
   * hash of the trace and span ids, not a random draw: a replay of the same spans gives the same counts.
   */
  public static long weight(double adjustedCount, String traceId, String spanId) {
    if (!(adjustedCount > 1)) {
      return 1;
    }
    double floor = Math.floor(adjustedCount);
    double fraction = adjustedCount - floor;
    long whole = (long) Math.min(floor, Long.MAX_VALUE / 2);
    if (fraction == 0) {
      return whole;
    }
    return uniform(traceId, spanId) < fraction ? whole + 1 : whole;
  }

  /**
   * A number in [0, 1) from the ids: FNV-1a over both, then a SplitMix64 finalizer so that ids differing in
   * their last characters spread over the whole range. Not the trace id's sampling randomness (its low 56
   * bits decide which traces are kept), and the span id is mixed in: spans of one trace round independently.
   */
  static double uniform(String traceId, String spanId) {
    long h = 0xcbf29ce484222325L;
    h = fnv(h, traceId);
    h = fnv(h ^ '/', spanId);
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1p-53;
  }

  private static long fnv(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
